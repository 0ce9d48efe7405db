package app

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// The command line's conventions, as people know them from other tools:
// help that was asked for goes to standard output and exits 0; a mistake
// goes to standard error, says what was meant when it can guess, and exits
// 2; flags are written --name and their arguments in capitals.

// parseOnce parses args with the FlagSet; the help it prints goes to
// standard output when it was asked for (-h, --help) and to the FlagSet's
// output (standard error) with the error otherwise.
func (fs flagSet) parseOnce(args []string) error {
	var buf bytes.Buffer
	errOut := fs.FlagSet.Output()
	fs.FlagSet.SetOutput(&buf)
	err := fs.FlagSet.Parse(args)
	fs.FlagSet.SetOutput(errOut)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		out := fs.out
		if out == nil {
			out = errOut
		}
		_, _ = buf.WriteTo(out)
		return err
	}
	_, _ = buf.WriteTo(errOut)
	return fmt.Errorf("%w: %w", errFlagParse, err)
}

// parseTop parses the global flags before the command name (which ends
// them); `ferry --help` prints the command list.
func (c *cli) parseTop(top flagSet, args []string) error {
	top.FlagSet.Usage = func() { c.printUsage(top.FlagSet.Output(), top) }
	return top.parseOnce(args)
}

// help prints the command list, or with a command name that command's help,
// to standard output.
func (c *cli) help(ctx context.Context, top flagSet, args []string) error {
	if len(args) == 0 {
		c.printUsage(c.Out, top)
		return nil
	}
	for _, cmd := range commands() {
		if cmd.name == args[0] {
			return cmd.run(ctx, c, []string{"--help"})
		}
	}
	return unknownCommand(args[0])
}

// printUsage writes the command list and the global flags to w.
func (c *cli) printUsage(w io.Writer, top flagSet) {
	fmt.Fprintf(w, "usage: ferry [global flags] COMMAND [args]\n\ncommands:\n")
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintf(w, "  %-9s %s\n\n", "help", "show this list (`ferry help COMMAND` or `ferry COMMAND --help`: one command)")
	fmt.Fprintf(w, "Run without a command to open the desktop app.\n\nglobal flags:\n")
	printFlags(w, top.FlagSet)
}

// printFlags lists fs's flags as "--name ARG" with their help below. It
// replaces flag.PrintDefaults, which takes any `quoted` words in a help
// text for the argument's name (and so printed "-attempts ferry watch").
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		line := "  --" + f.Name
		arg, usage := argName(f)
		if arg != "" {
			line += " " + arg
		}
		fmt.Fprintf(w, "%s\n        %s", line, usage)
		if d := f.DefValue; d != "" && d != "0" && d != "false" && !strings.Contains(f.Usage, "default") {
			fmt.Fprintf(w, " (default %s)", d)
		}
		fmt.Fprintln(w)
	})
}

// argName names a flag's argument and returns its help text: a `NAME` in
// capitals in the help names it (Go's convention, the quotes dropped);
// otherwise the type does: "" for a switch, N for a number, VALUE else.
// Quoted words that are not one capitalised name stay text.
func argName(f *flag.Flag) (name, usage string) {
	usage = f.Usage
	if i := strings.Index(usage, "`"); i >= 0 {
		if j := strings.Index(usage[i+1:], "`"); j >= 0 {
			if word := usage[i+1 : i+1+j]; argWord.MatchString(word) {
				return word, usage[:i] + word + usage[i+2+j:]
			}
		}
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return "", usage
	}
	switch reflect.TypeOf(f.Value).String() {
	case "*flag.intValue", "*flag.int64Value", "*flag.uintValue", "*flag.uint64Value":
		return "N", usage
	case "*flag.durationValue":
		return "DURATION", usage
	}
	return "VALUE", usage
}

// argWord is an argument name in a flag's help: capitals, digits, '_'.
var argWord = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// unknownCommand is the usage error for a command name that does not
// exist, with the nearest one when the name is close to it.
func unknownCommand(name string) error {
	names := []string{"help"}
	for _, cmd := range commands() {
		names = append(names, cmd.name)
	}
	if near := nearest(name, names); near != "" {
		return usagef("unknown command %q: did you mean %s? (see `ferry help`)", name, near)
	}
	return usagef("unknown command %q (see `ferry help`)", name)
}

// nearest returns the candidate closest to s when it is close enough to be
// a typing slip (a prefix of it, or at most a third of it different), else "".
func nearest(s string, candidates []string) string {
	if a, ok := commonAliases[strings.ToLower(s)]; ok && slices.Contains(candidates, a) {
		return a
	}
	best, bestD := "", 0
	for _, cand := range candidates {
		d := editDistance(strings.ToLower(s), cand)
		if len(s) >= 2 && strings.HasPrefix(cand, strings.ToLower(s)) {
			d = 0
		}
		if best == "" || d < bestD {
			best, bestD = cand, d
		}
	}
	if best == "" || bestD > max(1, len(best)/3) {
		return ""
	}
	return best
}

// commonAliases are the names other tools use for Ferry's subcommands.
var commonAliases = map[string]string{
	"rm": "remove", "del": "remove", "delete": "remove", "ls": "list", "new": "add", "create": "add",
	"send": "upload", "put": "upload", "push": "upload", "sync": "watch", "serve": "sandbox",
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// subcommand runs the subcommand args[0] of the command named cmd from
// subs: `help`, -h or --help print usage to standard output, a missing or
// unknown one is a usage error that suggests the nearest name.
func (c *cli) subcommand(ctx context.Context, cmd, usage string, subs map[string]func(context.Context, *cli, []string) error, args []string) error {
	if len(args) == 0 {
		return usagef("%s needs a subcommand:\n%s", cmd, usage)
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprintf(c.Out, "usage: %s\n\n`ferry %s SUBCOMMAND --help` lists a subcommand's flags.\n", usage, cmd)
		return nil
	}
	if run := subs[args[0]]; run != nil {
		return run(ctx, c, args[1:])
	}
	names := make([]string, 0, len(subs))
	for name := range subs {
		names = append(names, name)
	}
	if near := nearest(args[0], names); near != "" {
		return usagef("unknown %s subcommand %q: did you mean %s?\nusage: %s", cmd, args[0], near, usage)
	}
	return usagef("unknown %s subcommand %q\nusage: %s", cmd, args[0], usage)
}
