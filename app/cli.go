// Package app is Ferry's composition root: the command line, the config
// file, the secrets store and logging are wired together here, and the
// desktop app and the headless commands are started from here.
package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/logging"
	"github.com/ferry-sync/ferry/app/secrets"
)

// Exit codes of Run.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// EnvSecrets selects the secrets backend like --secrets (for tests and
// service managers); the flag wins over it, and it wins over the config.
const EnvSecrets = "FERRY_SECRETS"

// IO is what a command may touch outside its arguments. Tests pass buffers
// and a map-backed Getenv; StdIO is the real process.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
	Getenv   func(string) string
	// ReadSecret asks for a secret on the terminal without echo. nil means
	// there is no terminal (the command then needs --secret-stdin).
	ReadSecret func(prompt string) (string, error)
}

// StdIO returns the process's standard streams and environment; it offers a
// no-echo prompt only when standard input is a terminal.
func StdIO() IO {
	io := IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv}
	fd := int(os.Stdin.Fd())
	if term.IsTerminal(fd) {
		io.ReadSecret = func(prompt string) (string, error) {
			fmt.Fprint(os.Stderr, prompt)
			b, err := term.ReadPassword(fd)
			fmt.Fprintln(os.Stderr)
			return string(b), err
		}
	}
	return io
}

// command is one entry of the dispatch table. run gets the arguments after
// the command name and parses them with its own flag.FlagSet (built with
// cli.flags so the global flags work after the command too).
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, c *cli, args []string) error
}

// commands is the dispatch table, in the order `ferry help` lists them.
// Add a command by appending an entry (the lead adds upload and watch).
func commands() []command {
	return []command{
		{"target", "add, list, remove, test targets and set their secrets", runTarget},
		{"folder", "add, list and remove watched folders", runFolder},
		{"upload", "upload files and folders, with their structure, and wait until they are through", runUpload},
		{"watch", "upload new and changed files of the watched folders until stopped", runWatch},
		{"sandbox", "run the local test server that speaks all four APIs", runSandbox},
		{"version", "print the version and build information", runVersion},
	}
}

// globals are the flags every command accepts.
type globals struct {
	config, dataDir, secrets, logLevel string
}

// cli is the state one Run shares with its command.
type cli struct {
	IO
	g     globals
	redac *logging.Redactor
	stdin *bufio.Reader // standard input for --secret-stdin, made on first use
	// fileLog keeps log records off the terminal (unless --log-level asks
	// for them): the command prints its own lines for people.
	fileLog bool
}

// usageError makes Run exit with ExitUsage after printing the message.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// Run executes one command line (without the program name) and returns the
// exit code: 0 on success, 1 when the command failed, 2 for a usage error.
// Errors are printed to io.Err as "ferry: ...". It is safe to call from
// tests in the same process: it keeps no global state.
func Run(ctx context.Context, io IO, args []string) int {
	c := &cli{IO: io, redac: &logging.Redactor{}}
	top := c.flags("ferry", "ferry [global flags] COMMAND [args]")
	showVersion := top.Bool("version", false, "print the version and exit")
	// The top level stops at the command name: the rest is the command's.
	if err := c.parseTop(top, args); err != nil {
		return c.exit(err)
	}
	if *showVersion {
		return c.exit(runVersion(ctx, c, nil))
	}
	rest := top.FlagSet.Args()
	if len(rest) == 0 {
		c.printUsage(c.Err, top)
		return ExitUsage
	}
	name := rest[0]
	if name == "help" {
		return c.exit(c.help(ctx, top, rest[1:]))
	}
	i := slices.IndexFunc(commands(), func(cmd command) bool { return cmd.name == name })
	if i < 0 {
		return c.exit(unknownCommand(name))
	}
	return c.exit(commands()[i].run(ctx, c, rest[1:]))
}

func (c *cli) exit(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintln(c.Err, "ferry:", c.redac.Redact(ue.msg))
		return ExitUsage
	case errors.Is(err, errFlagParse):
		return ExitUsage // flag already printed the error and the usage
	}
	fmt.Fprintln(c.Err, "ferry:", c.redac.Redact(err.Error()))
	return ExitFailure
}

// errFlagParse marks a flag parsing error flag has already reported.
var errFlagParse = errors.New("invalid flags")

// flagSet wraps flag.FlagSet so that flags may follow positional
// arguments (`ferry target test work --log-level debug`) and Parse errors
// map to the usage exit code.
type flagSet struct {
	*flag.FlagSet
	args *[]string // positional arguments, set by Parse
	out  io.Writer // where --help goes (standard output); errors go to the FlagSet's output
}

// Parse parses flags anywhere in args; everything after "--" is positional.
func (fs flagSet) Parse(args []string) error {
	var pos, tail []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, tail = args[:i], args[i+1:]
	}
	for {
		if err := fs.parseOnce(args); err != nil {
			return err
		}
		rest := fs.FlagSet.Args()
		if len(rest) == 0 {
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	*fs.args = append(pos, tail...)
	return nil
}

// Args returns the positional arguments.
func (fs flagSet) Args() []string { return *fs.args }

// NArg is the number of positional arguments.
func (fs flagSet) NArg() int { return len(*fs.args) }

// Arg returns the i-th positional argument, or "".
func (fs flagSet) Arg(i int) string {
	if i < 0 || i >= len(*fs.args) {
		return ""
	}
	return (*fs.args)[i]
}

// flags returns a FlagSet for a command with the global flags registered,
// writing errors and help to c.Err.
func (c *cli) flags(name, usage string) flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.Err)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s\n\nflags:\n", usage)
		printFlags(fs.Output(), fs)
	}
	fs.StringVar(&c.g.config, "config", c.g.config, "config file (default $"+config.EnvConfig+" or the user config dir's ferry/config.toml)")
	fs.StringVar(&c.g.dataDir, "data-dir", c.g.dataDir, "folder for the queue and logs (default $"+config.EnvDataDir+" or the user data dir)")
	fs.StringVar(&c.g.secrets, "secrets", c.g.secrets, `secrets store: "keyring", "file:PATH" or "env" (default $`+EnvSecrets+`, then the config's secrets, then keyring)`)
	fs.Func("log-level", "debug, info, warn or error (default info)", func(v string) error {
		if _, err := logging.ParseLevel(v); err != nil {
			return err
		}
		c.g.logLevel = v
		return nil
	})
	return flagSet{FlagSet: fs, args: new([]string), out: c.Out}
}

// paths resolves the config file and data dir from flags and environment.
func (c *cli) paths() (config.Paths, error) {
	return config.ResolvePaths(c.g.config, c.g.dataDir, c.Getenv)
}

// loadConfig reads the config file (an empty Config when there is none).
func (c *cli) loadConfig() (*config.Config, config.Paths, error) {
	p, err := c.paths()
	if err != nil {
		return nil, p, err
	}
	cfg, err := config.Load(p.ConfigFile)
	if err != nil {
		return nil, p, err
	}
	return cfg, p, nil
}

// store opens the secrets store chosen by --secrets, then $FERRY_SECRETS,
// then the config's secrets key, then the OS keyring. Every value it
// yields is registered with the log redactor.
func (c *cli) store(cfg *config.Config) (secrets.Store, error) {
	spec := c.g.secrets
	if spec == "" {
		spec = c.Getenv(EnvSecrets)
	}
	if spec == "" {
		spec = cfg.Secrets
	}
	s, err := secrets.Open(spec, c.Getenv)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return secrets.Observe(s, c.redac.Add), nil
}

// logger returns a logger writing to c.Err at --log-level, with the file
// in the data dir when toFile is set. close flushes and closes the file.
func (c *cli) logger(toFile bool) (log *slog.Logger, close func() error, err error) {
	level := slog.LevelInfo
	if c.g.logLevel != "" {
		if level, err = logging.ParseLevel(c.g.logLevel); err != nil {
			return nil, nil, usagef("%v", err)
		}
	}
	o := logging.Options{Level: level, Stderr: c.Err, Redactor: c.redac}
	if toFile {
		// The command prints a line per file itself; stderr gets warnings
		// and errors unless --log-level asks for more.
		switch {
		case c.g.logLevel == "" && c.fileLog:
			o.Stderr = nil
		case c.g.logLevel == "":
			o.StderrLevel = slog.LevelWarn
		}
		p, err := c.paths()
		if err != nil {
			return nil, nil, err
		}
		o.Dir = p.LogDir()
	}
	log, _, close, err = logging.Setup(o)
	return log, close, err
}

// readSecret gets a secret from standard input (fromStdin: the next line,
// so several secrets come one per line in the order they are asked for) or
// from a no-echo terminal prompt.
func (c *cli) readSecret(prompt string, fromStdin bool) (string, error) {
	var v string
	switch {
	case fromStdin:
		if c.stdin == nil {
			c.stdin = bufio.NewReaderSize(io.LimitReader(c.In, 1<<20), 64<<10)
		}
		line, err := c.stdin.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read secret from standard input: %w", err)
		}
		v = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	case c.ReadSecret != nil:
		s, err := c.ReadSecret(prompt + ": ")
		if err != nil {
			return "", fmt.Errorf("read secret: %w", err)
		}
		v = s
	default:
		return "", usagef("no terminal to ask for the %s: pipe it in with --secret-stdin", prompt)
	}
	if strings.TrimSpace(v) == "" {
		return "", usagef("the %s is empty", prompt)
	}
	return v, nil
}
