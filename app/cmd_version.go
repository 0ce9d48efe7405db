package app

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is set at link time: -ldflags "-X github.com/ferry-sync/ferry/app.version=1.2.3"
// (the Makefile passes `git describe`). Without it the module version from
// the build info is used, or "dev".
var version = ""

// Version returns the version string shown by `ferry version`.
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func runVersion(_ context.Context, c *cli, args []string) error {
	fs := c.flags("version", "ferry version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("version takes no arguments")
	}
	writeVersion(c.Out)
	return nil
}

// writeVersion prints the version and what the build info knows about the
// source: VCS revision, time and whether the tree was modified.
func writeVersion(w io.Writer) {
	fmt.Fprintf(w, "ferry %s\n", Version())
	fmt.Fprintf(w, "go: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		if settings["vcs.modified"] == "true" {
			rev += " (modified)"
		}
		fmt.Fprintf(w, "revision: %s\n", rev)
	}
	if t := settings["vcs.time"]; t != "" {
		fmt.Fprintf(w, "commit time: %s\n", t)
	}
	if bi.Main.Path != "" {
		fmt.Fprintf(w, "module: %s\n", bi.Main.Path)
	}
	if tags := settings["-tags"]; tags != "" {
		fmt.Fprintf(w, "tags: %s\n", tags)
	}
}
