package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/logging"
	"github.com/ferry-sync/ferry/app/metered"
	foldersync "github.com/ferry-sync/ferry/sync"
	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// watchShutdown bounds how long `ferry watch` waits for watchers after the
// engine stopped (the engine itself saves in-flight chunk state first).
const watchShutdown = 3 * time.Second

func runWatch(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("watch", "ferry watch [--folder NAME]... [--bwlimit LIMIT]")
	var only stringList
	fs.Var(&only, "folder", "watch only this folder (repeatable; default: every enabled folder)")
	var bwlimit bwlimitFlag
	fs.Var(&bwlimit, "bwlimit", bwlimitUsage)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("watch: unexpected argument %q", fs.Arg(0))
	}
	c.fileLog = true
	rt, err := c.openRuntime(true)
	if err != nil {
		return err
	}
	defer rt.close()
	if c.g.logLevel == "" {
		fmt.Fprintf(c.Err, "details go to the log: %s\n", filepath.Join(rt.paths.LogDir(), logging.LogFileName))
	}
	rt.overrideBandwidth(bwlimit.tt)

	cfg := rt.config()
	folders := cfg.Folders
	if len(only) > 0 {
		folders = nil
		for _, name := range only {
			f := cfg.Folder(name)
			if f == nil {
				return usagef("watch: no folder named %q (see `ferry folder list`)", name)
			}
			folders = append(folders, *f)
		}
	}
	enabled := countEnabled(folders)
	if enabled == 0 {
		return usagef("watch: no enabled folder to watch; add one with `ferry folder add`")
	}

	// Only outcomes are logged: a subscription to every event would queue
	// a scan's Queued announcements (100,000 for a first scan) in memory.
	sub := rt.engine.SubscribeStates(func(s queue.State) bool { return s == queue.Done || s == queue.Failed })
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		for ev := range sub.C {
			logOutcome(c, ev)
		}
	}()
	engineCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	meter := metered.New()
	defer meter.Close()
	rt.followMetered(engineCtx, meter)
	engineDone := make(chan error, 1)
	go func() { engineDone <- rt.engine.Run(engineCtx) }()

	ws := newWatchers(rt)
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	// `ferry upload` while this runs hands its files over; "quit" stops it.
	srv, err := listenEngineHandoff(rt, stopWatch)
	if err != nil {
		fmt.Fprintln(c.Err, "ferry: hand-off socket:", err)
	} else {
		defer srv.Close()
	}
	if err := ws.apply(watchCtx, folders); err != nil {
		fmt.Fprintln(c.Err, "ferry:", err)
	}
	if sb := watchSandbox(watchCtx, c, rt); sb != nil {
		defer func() {
			if err := sb.stop(); err != nil {
				rt.log.Warn("watch: stop the sandbox", "err", err)
			}
		}()
	}
	// Follow the config file: a folder or target added, changed or removed
	// with the CLI (or by hand) applies at once, and a secret replaced with
	// `ferry target set-secret` is used for the next attempt.
	err = rt.follow(watchCtx, func(cfg *config.Config) {
		next := cfg.Folders
		if len(only) > 0 {
			next = nil
			for _, name := range only {
				if f := cfg.Folder(name); f != nil {
					next = append(next, *f)
				}
			}
		}
		fmt.Fprintf(c.Err, "%s config changed: %d target(s), %d folder(s) watched\n",
			time.Now().Format("15:04:05"), len(cfg.Targets), countEnabled(next))
		if err := ws.apply(watchCtx, next); err != nil {
			fmt.Fprintln(c.Err, "ferry:", err)
		}
	}, func(err error) {
		fmt.Fprintf(c.Err, "%s ferry: the config file cannot be used; the settings it had stay: %v\n",
			time.Now().Format("15:04:05"), err)
	})
	if err != nil {
		fmt.Fprintln(c.Err, "ferry: changes to the config file apply only after a restart:", err)
	}
	fmt.Fprintf(c.Err, "watching %d folder(s); Ctrl-C to stop\n", enabled)
	reportHealth(watchCtx, c, ws)

	// ctx is done: stop watching, then let the engine save in-flight state.
	stopWatch()
	stopEngine()
	engineErr := <-engineDone
	ws.wait(watchShutdown)
	sub.Close()
	<-logged
	if engineErr != nil && !errors.Is(engineErr, context.Canceled) {
		return engineErr
	}
	fmt.Fprintln(c.Err, "stopped; unfinished uploads stay queued")
	return nil
}

// logOutcome prints one line per file that finished or needs the user.
func logOutcome(c *cli, ev transfer.Event) {
	if ev.Progress != nil {
		return
	}
	switch ev.Job.State {
	case queue.Done, queue.Failed:
		fmt.Fprintln(c.Out, time.Now().Format("15:04:05"), finalLine(ev))
	}
}

// reportHealth prints a line whenever a watcher's health changes, until
// ctx ends. Degraded and failed states carry the reason (for a watch limit
// it names the sysctl to raise).
func reportHealth(ctx context.Context, c *cli, ws *watchers) {
	last := map[string]string{}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		// Taken before the statuses are read, so no change slips between.
		changed, stop := ws.changed()
		for name, st := range ws.statuses() {
			line := st.State.String()
			if st.Reason != "" {
				line += ": " + st.Reason
			}
			if st.State == foldersync.HealthStarting && st.Scan.Running {
				line = "scanning" // counts change every tick; print the state once
			}
			if _, seen := last[name]; !seen && st.State == foldersync.HealthStopped {
				continue // not started yet
			}
			if last[name] != line {
				last[name] = line
				fmt.Fprintf(c.Err, "%s folder %s: %s\n", time.Now().Format("15:04:05"), name, line)
			}
		}
		select {
		case <-ctx.Done():
			stop()
			return
		case <-tick.C:
		case <-changed:
			// A scan ended or the health changed: say so now, not at the
			// next tick (a script, or the benchmark, times the scan by it).
		}
		stop()
	}
}

// countEnabled counts the enabled folders.
func countEnabled(folders []config.Folder) int {
	n := 0
	for _, f := range folders {
		if f.IsEnabled() {
			n++
		}
	}
	return n
}

// watchSandbox serves the first-run sandbox target (the one the desktop
// app set up) while `ferry watch` runs, so its folders upload here too,
// and says so on the terminal; when it cannot start, the terminal says why
// and that the target's uploads wait. Without that target it does nothing.
func watchSandbox(ctx context.Context, c *cli, rt *engineRuntime) *appSandbox {
	if !isAppSandbox(rt.config().Target(sandboxTarget), sandboxAddr) {
		return nil
	}
	sb, err := startConfiguredSandbox(ctx, rt, sandboxAddr)
	if err != nil {
		fmt.Fprintf(c.Err, "ferry: target %q is the sandbox built into Ferry, and it could not start here: %v\n"+
			"its uploads wait until it runs (in the desktop app, or `ferry watch` again)\n", sandboxTarget, err)
		return nil
	}
	fmt.Fprintf(c.Err, "target %q: serving Ferry's built-in sandbox at %s while this runs\n", sandboxTarget, sandboxURL(sandboxAddr))
	return sb
}
