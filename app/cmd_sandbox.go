package app

import (
	"context"
	"fmt"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
	sbquatrix "github.com/ferry-sync/ferry/transfer/sandbox/quatrix"
	sbselfcommunity "github.com/ferry-sync/ferry/transfer/sandbox/selfcommunity"
	sbtwake "github.com/ferry-sync/ferry/transfer/sandbox/twake"
)

// sandboxAPI is one service `ferry sandbox` serves: how to make its
// handler and how to tell the user to point a target at it.
type sandboxAPI struct {
	kind string
	make func() (sandbox.API, error)
	// addFlags are the kind-specific `ferry target add` flags for this API.
	addFlags func(api sandbox.API) string
	// controls are the API's test hooks, served as POST
	// /_sandbox/control/<kind>-<name> (nil: none).
	controls func(api sandbox.API) map[string]func() error
}

// sandboxOptions are the per-run API settings `ferry sandbox` takes; the
// zero value is every API's default.
type sandboxOptions struct {
	// dialect is the one SelfCommunity field dialect the run accepts
	// (plain when empty).
	dialect sbselfcommunity.Dialect
}

// sandboxAPIs lists the APIs the sandbox command serves, one entry per
// service; adding one is one entry here.
func sandboxAPIs() []sandboxAPI { return sandboxAPIsWith(sandboxOptions{}) }

// sandboxAPIsWith is sandboxAPIs with the per-run settings o.
func sandboxAPIsWith(o sandboxOptions) []sandboxAPI {
	return []sandboxAPI{
		{
			kind:     "quatrix",
			make:     func() (sandbox.API, error) { return sbquatrix.New(sbquatrix.Config{}) },
			addFlags: func(sandbox.API) string { return "" },
			controls: func(a sandbox.API) map[string]func() error {
				q := a.(*sbquatrix.API)
				return map[string]func() error{
					// Every session login ends now: the next API call with one
					// gets 401 and the client must log in again.
					"expire-sessions": func() error { q.ExpireSessions(); return nil },
					// Every open upload key ends now (code 60).
					"expire-upload-keys": func() error { q.ExpireUploadKeys(); return nil },
				}
			},
		},
		{
			kind: "twake",
			make: func() (sandbox.API, error) { return sbtwake.New(sbtwake.Config{}), nil },
			addFlags: func(a sandbox.API) string {
				return "--company-id " + a.(*sbtwake.API).CompanyID()
			},
		},
		{
			kind:     "filesro",
			make:     func() (sandbox.API, error) { return sbfilesro.New(sbfilesro.Options{}) },
			addFlags: func(sandbox.API) string { return "" },
		},
		{
			kind: "selfcommunity",
			make: func() (sandbox.API, error) {
				return sbselfcommunity.New(sbselfcommunity.Options{Dialect: o.dialect})
			},
			addFlags: func(a sandbox.API) string {
				for _, c := range a.Credentials() {
					if c.Kind == "dialect" {
						return "--dialect " + c.Value
					}
				}
				return ""
			},
		},
	}
}

func runSandbox(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("sandbox", "ferry sandbox [--dir DIR] [--addr 127.0.0.1:PORT] [--tls] [--faults SPEC] [--strict] [--dialect plain|qq] [--log-size N]")
	dir := fs.String("dir", "", "folder for uploaded files (default: a temporary folder removed on exit)")
	addr := fs.String("addr", "127.0.0.1:8765", "listen address; must be loopback")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a certificate generated for this run (pin it with --tls-pin)")
	faults := fs.String("faults", "", `inject faults, e.g. "500=0.05,429=0.02,reset=0.03,latency=20ms,bw=5MB"`)
	strict := fs.Bool("strict", false, "also enforce the checks stricter than the real servers (docs/protocols lists them); by default the sandbox behaves as the real servers' code does")
	switches := fs.String("switch", "", `turn single checks on or off, e.g. "filesro.accept=off"`)
	dialect := fs.String("dialect", string(sbselfcommunity.Plain), `selfcommunity: the form field names this run accepts, "plain" or "qq"`)
	logSize := fs.Int("log-size", 0, "requests kept in the /_sandbox/log view (default 2000)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("sandbox: unexpected argument %q", fs.Arg(0))
	}
	fp, err := sandbox.ParseFaults(*faults)
	if err != nil {
		return usagef("sandbox: %v", err)
	}
	sw, err := sandbox.ParseSwitches(sandbox.Switches{All: *strict}, *switches)
	if err != nil {
		return usagef("sandbox: %v", err)
	}
	switch d := sbselfcommunity.Dialect(*dialect); d {
	case sbselfcommunity.Plain, sbselfcommunity.QQ:
	default:
		return usagef("sandbox: --dialect must be plain or qq, not %q", d)
	}
	if *logSize < 0 {
		return usagef("sandbox: --log-size must not be negative")
	}
	defer tuneSandboxGC()()
	specs := sandboxAPIsWith(sandboxOptions{dialect: sbselfcommunity.Dialect(*dialect)})
	apis := make([]sandbox.API, len(specs))
	for i, s := range specs {
		if apis[i], err = s.make(); err != nil {
			return fmt.Errorf("sandbox: %w", err)
		}
	}
	srv, err := sandbox.New(sandbox.Config{
		Dir: *dir, Addr: *addr, TLS: *useTLS, Faults: fp, Strict: *strict, Switches: sw.Named, APIs: apis,
		LogSize: *logSize,
	})
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	for i, s := range specs {
		if s.controls == nil {
			continue
		}
		for name, fn := range s.controls(apis[i]) {
			if err := srv.Control(s.kind+"-"+name, fn); err != nil {
				srv.Close()
				return fmt.Errorf("sandbox: %w", err)
			}
		}
	}
	if err := srv.Start(); err != nil {
		srv.Close()
		return fmt.Errorf("sandbox: %w", err)
	}
	printSandbox(c, srv, specs, apis)
	if err := srv.Serve(ctx); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	fmt.Fprintln(c.Out, "sandbox stopped")
	return nil
}

// printSandbox tells the user where each API is, its credentials (the
// sandbox's own, printed on purpose: they guard nothing but this local
// process) and the command that makes a target of it.
func printSandbox(c *cli, srv *sandbox.Server, specs []sandboxAPI, apis []sandbox.API) {
	base := srv.BaseURL()
	fmt.Fprintf(c.Out, "ferry sandbox listening on %s (Ctrl-C to stop)\n", base)
	pin := ""
	if fp := srv.CertFingerprint(); fp != "" {
		fmt.Fprintf(c.Out, "TLS certificate SHA-256: %s\n", fp)
		pin = " --tls-pin " + fp
	}
	fmt.Fprintf(c.Out, "inspect: %s/_sandbox/\n\n", base)
	creds := srv.Credentials()
	for i, s := range specs {
		fmt.Fprintf(c.Out, "%s: base URL %s\n", s.kind, base)
		tw := tabwriter.NewWriter(c.Out, 0, 4, 2, ' ', 0)
		for _, cr := range creds {
			if cr.API != apis[i].Name() {
				continue
			}
			note := ""
			if cr.Note != "" {
				note = "(" + cr.Note + ")"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", cr.Kind, cr.Name, cr.Value, note)
		}
		tw.Flush()
		extra := strings.TrimSpace(s.addFlags(apis[i]) + pin)
		if extra != "" {
			extra = " " + extra
		}
		fmt.Fprintf(c.Out, "  add it: ferry target add --name sandbox-%s --kind %s --url %s%s\n", s.kind, s.kind, base, extra)
		if s.controls != nil {
			for _, name := range slices.Sorted(maps.Keys(s.controls(apis[i]))) {
				fmt.Fprintf(c.Out, "  test hook: POST %s/_sandbox/control/%s-%s\n", base, s.kind, name)
			}
		}
		fmt.Fprintln(c.Out)
	}
}

// sandboxGCPercent is the garbage collector's target `ferry sandbox` runs
// with when GOGC does not set one: the sandbox keeps a record of every
// file it stored for its whole run, and at Go's default (100) the heap
// grows to twice that before a collection, memory the process then
// holds as its peak RSS (issue 20: under 80 MiB after 80,000 files). At
// 50 the heap stays within 1.5 times what is live, for a few percent more
// of the sandbox's CPU (measured: 17.3 vs 16.7 s for 20,000 files).
const sandboxGCPercent = 50

// tuneSandboxGC sets sandboxGCPercent unless the GOGC environment
// variable chose a target, and returns what restores the previous one.
func tuneSandboxGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(sandboxGCPercent)
	return func() { debug.SetGCPercent(old) }
}
