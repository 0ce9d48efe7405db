package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/zalando/go-keyring"
)

// TestMain swaps go-keyring for its in-memory mock for the whole binary, so
// CLI tests never touch the developer's real keyring (the real Secret
// Service is tested in app/secrets).
func TestMain(m *testing.M) {
	keyring.MockInit()
	os.Exit(m.Run())
}

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is one isolated Ferry installation in temp dirs.
type env struct {
	t       *testing.T
	dir     string
	vars    map[string]string
	prompts []string // answers for a fake terminal; nil means no terminal
}

func newEnv(t *testing.T) *env {
	dir := t.TempDir()
	return &env{t: t, dir: dir, vars: map[string]string{
		"FERRY_CONFIG":   filepath.Join(dir, "cfg", "config.toml"),
		"FERRY_DATA_DIR": filepath.Join(dir, "data"),
		"HOME":           dir,
	}}
}

func (e *env) configPath() string { return e.vars["FERRY_CONFIG"] }

type result struct {
	code        int
	out, errOut string
}

// run executes one command line in-process with stdin.
func (e *env) run(ctx context.Context, stdin string, args ...string) result {
	e.t.Helper()
	var out, errOut syncBuffer
	io := IO{In: strings.NewReader(stdin), Out: &out, Err: &errOut, Getenv: func(k string) string { return e.vars[k] }}
	if e.prompts != nil {
		io.ReadSecret = func(string) (string, error) {
			v := e.prompts[0]
			e.prompts = e.prompts[1:]
			return v, nil
		}
	}
	code := Run(ctx, io, args)
	return result{code, out.String(), errOut.String()}
}

func (e *env) mustRun(stdin string, args ...string) result {
	e.t.Helper()
	r := e.run(context.Background(), stdin, args...)
	if r.code != ExitOK {
		e.t.Fatalf("ferry %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.out, r.errOut)
	}
	return r
}

func TestUsageAndExitCodes(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{nil, ExitUsage, "commands:"},
		{[]string{"help"}, ExitOK, "target"},
		{[]string{"frobnicate"}, ExitUsage, `unknown command "frobnicate"`},
		{[]string{"--nope"}, ExitUsage, "flag provided but not defined"},
		{[]string{"target"}, ExitUsage, "target needs a subcommand"},
		{[]string{"target", "fly"}, ExitUsage, "unknown target subcommand"},
		{[]string{"target", "add", "--no-test", "--name", "x"}, ExitUsage, "needs --name, --kind and --url"},
		{[]string{"target", "add", "--no-test", "-h"}, ExitOK, "--secret-stdin"},
		{[]string{"target", "remove"}, ExitUsage, "exactly one target name"},
		{[]string{"target", "remove", "ghost"}, ExitFailure, `no target "ghost"`},
		{[]string{"folder", "remove", "ghost"}, ExitFailure, `no folder "ghost"`},
		{[]string{"folder", "list", "--log-level", "loud"}, ExitUsage, "want debug, info, warn or error"},
		{
			[]string{"--secrets", "vault", "target", "add", "--no-test", "--name", "a", "--kind", "filesro", "--url", "https://f"},
			ExitUsage,
			`"vault" is not "keyring", "env" or "file:PATH"`,
		},
		{[]string{"version", "extra"}, ExitUsage, "no arguments"},
	} {
		r := e.run(context.Background(), "", tc.args...)
		if r.code != tc.code || !strings.Contains(r.out+r.errOut, tc.says) {
			t.Errorf("ferry %v: exit %d, output %q; want exit %d containing %q", tc.args, r.code, r.out+r.errOut, tc.code, tc.says)
		}
	}
}

func TestVersion(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := e.mustRun("", args...)
		if !strings.HasPrefix(r.out, "ferry "+Version()+"\n") || !strings.Contains(r.out, "go: go1.") {
			t.Errorf("ferry %v = %q", args, r.out)
		}
	}
	old := version
	version = "1.2.3-test"
	defer func() { version = old }()
	if r := e.mustRun("", "version"); !strings.HasPrefix(r.out, "ferry 1.2.3-test\n") {
		t.Errorf("ldflags version not shown: %q", r.out)
	}
}

func TestGlobalFlagsAfterCommand(t *testing.T) {
	e := newEnv(t)
	other := filepath.Join(e.dir, "other.toml")
	e.mustRun("k-123456", "target", "add", "--no-test", "--config", other, "--name", "w", "--kind", "quatrix",
		"--url", "https://q.example", "--secret-stdin")
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("--config after the command was ignored: %v", err)
	}
	if _, err := os.Stat(e.configPath()); !os.IsNotExist(err) {
		t.Errorf("the environment's config was written too: %v", err)
	}
	if r := e.mustRun("", "--config", other, "target", "list"); !strings.Contains(r.out, "w ") {
		t.Errorf("list with --config before the command: %q", r.out)
	}
}

func TestFlagsAfterPositionals(t *testing.T) {
	c := &cli{IO: IO{Err: &bytes.Buffer{}}}
	fs := c.flags("x", "x")
	b := fs.Bool("b", false, "")
	if err := fs.Parse([]string{"a", "-b", "--log-level", "debug", "c", "--", "-d"}); err != nil {
		t.Fatal(err)
	}
	if !*b || c.g.logLevel != "debug" || strings.Join(fs.Args(), " ") != "a c -d" || fs.NArg() != 3 || fs.Arg(1) != "c" || fs.Arg(5) != "" {
		t.Errorf("b=%v level=%q args=%q", *b, c.g.logLevel, fs.Args())
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{
		50_000_000: "50 MB", 204800: "200 KiB", 4 << 20: "4 MiB", 1500: "1.5 kB", 12: "12 bytes", 64_000_000: "64 MB",
	} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestCLIConventions holds the command line to what people expect of one:
// help asked for goes to standard output with exit 0; a slip gets the
// nearest name; flag help names arguments in capitals, never with words
// of the help text; errors name flags; exit codes say usage (2) or failure (1).
func TestCLIConventions(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{
		{"help"},
		{"--help"},
		{"-h"},
		{"help", "upload"},
		{"upload", "--help"},
		{"watch", "-h"},
		{"target", "--help"},
		{"target", "help"},
		{"target", "add", "--help"},
		{"folder", "--help"},
	} {
		r := e.run(t.Context(), "", args...)
		if r.code != ExitOK || r.out == "" || r.errOut != "" || !strings.Contains(r.out, "usage:") {
			t.Errorf("%v: exit %d, stdout %d bytes, stderr %q", args, r.code, len(r.out), r.errOut)
		}
	}
	if r := e.run(t.Context(), ""); r.code != ExitUsage || r.out != "" || !strings.Contains(r.errOut, "commands:") {
		t.Errorf("no command: exit %d out %q", r.code, r.out)
	}

	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"uplod", "x"}, "did you mean upload?"},
		{[]string{"wach"}, "did you mean watch?"},
		{[]string{"targte", "list"}, "did you mean target?"},
		{[]string{"help", "foldr"}, "did you mean folder?"},
		{[]string{"target", "ad"}, "did you mean add?"},
		{[]string{"target", "rm"}, "did you mean remove?"},
		{[]string{"folder", "lst"}, "did you mean list?"},
	} {
		r := e.run(t.Context(), "", tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.errOut, tc.says) || r.out != "" {
			t.Errorf("%v: exit %d %q; want %q", tc.args, r.code, r.errOut, tc.says)
		}
	}
	if r := e.run(t.Context(), "", "zzzzzz"); r.code != ExitUsage || strings.Contains(r.errOut, "did you mean") {
		t.Errorf("far from every command: %q", r.errOut)
	}

	// Every flag line of every help is "--name" or "--name ARG" with ARG
	// in capitals (flag.PrintDefaults printed "-attempts ferry watch").
	flagLine := regexp.MustCompile(`^  --[a-z0-9-]+( [A-Z]+)?$`)
	for _, args := range [][]string{
		{"--help"},
		{"upload", "--help"},
		{"watch", "--help"},
		{"target", "add", "--help"},
		{"target", "test", "--help"},
		{"folder", "add", "--help"},
		{"sandbox", "--help"},
		{"version", "--help"},
	} {
		r := e.run(t.Context(), "", args...)
		n := 0
		for _, line := range strings.Split(r.out, "\n") {
			if strings.HasPrefix(line, "  -") {
				n++
				if !flagLine.MatchString(line) {
					t.Errorf("%v: flag line %q", args, line)
				}
			}
		}
		if n == 0 {
			t.Errorf("%v: no flags listed:\n%s", args, r.out)
		}
	}

	// A wrong flag is a usage error on standard error, with the usage.
	if r := e.run(t.Context(), "", "upload", "--nope", "x"); r.code != ExitUsage || r.out != "" ||
		!strings.Contains(r.errOut, "flag provided but not defined: -nope") || !strings.Contains(r.errOut, "--target") {
		t.Errorf("unknown flag: exit %d out %q err %q", r.code, r.out, r.errOut)
	}
}

// TestUploadRefusesToGuessTheTarget: with several targets and no --target,
// `ferry upload` names them and uploads nothing (it used to take the
// desktop app's last used one silently).
func TestUploadRefusesToGuessTheTarget(t *testing.T) {
	e := newEnv(t)
	e.mustRun("k-1", "target", "add", "--no-test", "--name", "work", "--kind", "quatrix", "--url", "https://q.example", "--secret-stdin")
	e.mustRun("k-2", "target", "add", "--no-test", "--name", "home", "--kind", "quatrix", "--url", "https://h.example", "--secret-stdin")
	if err := os.WriteFile(e.configPath(), append(must(os.ReadFile(e.configPath())), []byte("\n[ui]\nlast_target = \"home\"\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(e.dir, "a.txt")
	if err := os.WriteFile(file, []byte("a"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run(t.Context(), "", "upload", "--progress", "none", file)
	if r.code != ExitUsage || !strings.Contains(r.errOut, "2 targets are configured (work, home); choose one with --target NAME") {
		t.Errorf("exit %d %q", r.code, r.errOut)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
