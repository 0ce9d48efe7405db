package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/ferry-sync/ferry/app/config"
)

const folderUsage = `ferry folder add --name NAME --path DIR --target TARGET [--remote-dir DIR] [--conflict POLICY] [--ignore PATTERN]... [--disabled]
       ferry folder list
       ferry folder remove NAME`

func runFolder(ctx context.Context, c *cli, args []string) error {
	return c.subcommand(ctx, "folder", folderUsage, map[string]func(context.Context, *cli, []string) error{
		"add": folderAdd, "list": folderList, "remove": folderRemove,
	}, args)
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ", ") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func folderAdd(_ context.Context, c *cli, args []string) error {
	fs := c.flags("folder add", "ferry folder add --name NAME --path DIR --target TARGET [flags]")
	var f config.Folder
	var ignore stringList
	fs.StringVar(&f.Name, "name", "", "folder name (default: the folder's base name)")
	fs.StringVar(&f.Path, "path", "", "local folder to watch")
	fs.StringVar(&f.Target, "target", "", "target to upload to")
	fs.StringVar(&f.RemoteDir, "remote-dir", "", "remote folder below the target's root, slash-separated")
	fs.StringVar(&f.Conflict, "conflict", "", "when the remote name exists: rename (default), overwrite or skip")
	fs.Var(&ignore, "ignore", "gitignore pattern to skip (repeatable)")
	disabled := fs.Bool("disabled", false, "add the folder without watching it yet")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("folder add: unexpected argument %q", fs.Arg(0))
	}
	if f.Path == "" || f.Target == "" {
		return usagef("folder add needs --path and --target")
	}
	abs, err := filepath.Abs(f.Path)
	if err != nil {
		return fmt.Errorf("folder add: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("folder add: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("folder add: %s is not a folder", abs)
	}
	f.Path, f.Ignore = abs, ignore
	if f.Name == "" {
		f.Name = filepath.Base(abs)
	}
	if *disabled {
		off := false
		f.Enabled = &off
	}
	cfg, paths, err := c.loadConfig()
	if err != nil {
		return err
	}
	if cfg.Folder(f.Name) != nil {
		return fmt.Errorf("folder add: folder %q already exists (choose another --name)", f.Name)
	}
	for _, other := range cfg.Folders {
		if other.Path == f.Path && other.Target == f.Target {
			return fmt.Errorf("folder add: %s already uploads to %q as folder %q", f.Path, f.Target, other.Name)
		}
	}
	_, err = config.NewStore(paths.ConfigFile).Apply(func(cur *config.Config) error {
		if cur.Folder(f.Name) != nil {
			return fmt.Errorf("folder %q was added meanwhile by another Ferry (choose another --name)", f.Name)
		}
		cur.Folders = append(cur.Folders, f)
		return nil
	})
	if err != nil {
		return fmt.Errorf("folder add: %w", err)
	}
	fmt.Fprintf(c.Out, "added folder %q: %s -> %s:/%s\n", f.Name, f.Path, f.Target, strings.Trim(f.RemoteDir, "/"))
	return nil
}

func folderList(_ context.Context, c *cli, args []string) error {
	fs := c.flags("folder list", "ferry folder list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, _, err := c.loadConfig()
	if err != nil {
		return err
	}
	if len(cfg.Folders) == 0 {
		fmt.Fprintln(c.Out, "no folders; add one with `ferry folder add`")
		return nil
	}
	tw := tabwriter.NewWriter(c.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPATH\tTARGET\tREMOTE DIR\tCONFLICT\tSTATE\tIGNORE")
	for _, f := range cfg.Folders {
		state := "watched"
		if !f.IsEnabled() {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t/%s\t%s\t%s\t%s\n", f.Name, f.Path, f.Target,
			strings.Trim(f.RemoteDir, "/"), f.ConflictOrDefault(), state, strings.Join(f.Ignore, " "))
	}
	return tw.Flush()
}

func folderRemove(_ context.Context, c *cli, args []string) error {
	fs := c.flags("folder remove", "ferry folder remove NAME")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("folder remove needs exactly one folder name")
	}
	name := fs.Arg(0)
	cfg, paths, err := c.loadConfig()
	if err != nil {
		return err
	}
	if cfg.Folder(name) == nil {
		return fmt.Errorf("folder remove: no folder %q", name)
	}
	_, err = config.NewStore(paths.ConfigFile).Apply(func(cur *config.Config) error {
		cur.Folders = slices.DeleteFunc(cur.Folders, func(f config.Folder) bool { return f.Name == name })
		return nil
	})
	if err != nil {
		return fmt.Errorf("folder remove: %w", err)
	}
	fmt.Fprintf(c.Out, "removed folder %q (its local files are untouched)\n", name)
	return nil
}
