package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/metered"
	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/queue"
)

const uploadUsage = "ferry upload [--target NAME] [--to REMOTE_DIR] [--conflict POLICY] [--force] [--progress MODE] [--attempts N] [--bwlimit LIMIT] [--print-links] [--no-wait] PATH..."

// enqueueBatch is how many jobs go into the queue per transaction (a
// variable only so that tests can make it small).
var enqueueBatch = 1000

// defaultUploadAttempts is how many times `ferry upload` tries a file that
// keeps failing with a temporary error before it exits non-zero: with the
// engine's growing delay between attempts (10 s, 20 s, 40 s, 80 s), about
// three minutes, enough to ride out a server restart, short enough for a
// script to learn that something is wrong.
const defaultUploadAttempts = 5

func runUpload(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("upload", uploadUsage)
	target := fs.String("target", "", "target to upload to (needed when more than one is configured)")
	to := fs.String("to", "", "remote folder below the target's root, slash-separated")
	conflict := fs.String("conflict", "", "when the remote name exists: rename, overwrite or skip (default: the target's)")
	force := fs.Bool("force", false, "upload files again even if this exact version was uploaded before")
	mode := fs.String("progress", "auto", "progress display: auto, bars, plain or none")
	noWait := fs.Bool("no-wait", false, "when the desktop app or ferry watch runs, hand the files to it and return at once")
	links := fs.Bool("print-links", false, "print \"path<TAB>link\" for each uploaded file whose service gave a link")
	var bwlimit bwlimitFlag
	fs.Var(&bwlimit, "bwlimit", bwlimitUsage)
	attempts := fs.Int("attempts", defaultUploadAttempts,
		"give up on a file after this many failed attempts (it stays queued for the next run or `ferry watch`); 0 = keep trying")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("upload needs at least one file or folder\nusage: %s", uploadUsage)
	}
	if *attempts < 0 {
		return usagef("upload: --attempts must be 0 or more, not %d", *attempts)
	}
	if err := checkRemoteDirArg("--to", *to); err != nil {
		return err
	}
	switch *conflict {
	case "", "rename", "overwrite", "skip":
	default:
		return usagef("upload: --conflict must be rename, overwrite or skip, not %q", *conflict)
	}

	// The target is chosen here, also for a hand-off: the running app
	// must not pick one the user did not name.
	if cfg, _, err := c.loadConfig(); err != nil {
		return err
	} else if *target, err = chooseTarget(cfg, *target); err != nil {
		return err
	}
	rt, err := c.openRuntime(true)
	if errors.Is(err, ErrBusy) {
		if bwlimit.tt != nil {
			fmt.Fprintln(c.Err, "ferry: --bwlimit does not apply: the running Ferry uploads these files with its own limit (set it in its settings or config)")
		}
		// The desktop app runs: it queues the files (handoff.go).
		return c.uploadViaRunning(ctx, err, handoffRequest{
			Op: handoffUpload, Paths: fs.Args(), Target: *target, To: *to, Conflict: *conflict, Force: *force,
		}, *noWait, *mode, *attempts)
	}
	if err != nil {
		return err
	}
	defer rt.close()
	rt.overrideBandwidth(bwlimit.tt)
	meter := metered.New()
	defer meter.Close()
	rt.followMetered(ctx, meter)
	if h := rt.engine.CurrentHold(); h.Active() {
		fmt.Fprintf(c.Err, "ferry: paused: %s; the uploads start when it is not (pause_on_metered in the config)\n", heldNote(h))
	}
	if rt.config().Target(*target) == nil { // removed since it was chosen
		return usagef("upload: no target named %q (see `ferry target list`)", *target)
	}
	set, err := collectUploads(fs.Args(), *target, *to, *conflict)
	if err != nil {
		return err
	}
	for _, s := range set.skipped {
		fmt.Fprintln(c.Err, "skipped", s)
	}
	unchanged, err := set.dropSent(rt.q, *force)
	if err != nil {
		return err
	}
	if unchanged > 0 {
		fmt.Fprintf(c.Err, "%d file(s) already uploaded in this exact version (use --force to send them again)\n", unchanged)
	}
	if len(set.files) == 0 {
		fmt.Fprintln(c.Out, "nothing to upload")
		return nil
	}

	watched := newWatchedJobs(len(set.files), set.bytes())
	view := c.newUploadView(*mode, watched)
	sub := rt.engine.Subscribe()
	viewDone := make(chan struct{})
	go func() {
		defer close(viewDone)
		for ev := range sub.C {
			view.event(ev)
		}
	}()

	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	runErr := make(chan error, 1)
	go func() { runErr <- rt.engine.Run(runCtx) }()
	ids, waitErr := feedUploads(ctx, rt, &set, watched, *attempts)
	if waitErr == nil {
		waitErr = rt.engine.WaitSettled(ctx, *attempts, ids...)
	}
	stop()
	engineErr := <-runErr
	sub.Close()
	<-viewDone
	view.close()

	if waitErr != nil && ctx.Err() != nil {
		fmt.Fprintln(c.Err, "interrupted: the files queued so far stay queued; run the same command again to send the rest")
		return errors.Join(ctx.Err(), engineErr)
	}
	if err := errors.Join(waitErr, engineErr); err != nil {
		return err
	}
	if *links {
		if err := printLinks(c, rt.q, ids); err != nil {
			return err
		}
	}
	return summarize(c, rt.q, ids, rt.engine.TargetOutage)
}

// sameReasonLines is how many files `ferry upload`'s summary names for one
// reason; the rest are counted in one line (a wrong setting fails every
// file in the same words).
const sameReasonLines = 5

// sameReasons counts the failed files of each reason (state and message)
// in the order they were met.
type sameReasons struct {
	order []reason
	n     map[reason]int
}

type reason struct {
	state queue.State
	msg   string
}

// show counts a file that failed for (state, msg) and reports whether it
// is among the first sameReasonLines of that reason, to be named.
func (s *sameReasons) show(state queue.State, msg string) bool {
	r := reason{state, msg}
	if s.n == nil {
		s.n = map[reason]int{}
	}
	if s.n[r] == 0 {
		s.order = append(s.order, r)
	}
	s.n[r]++
	return s.n[r] <= sameReasonLines
}

// printRest prints one line per reason for the files show did not name.
func (s *sameReasons) printRest(w io.Writer) {
	for _, r := range s.order {
		if more := s.n[r] - sameReasonLines; more > 0 {
			fmt.Fprintf(w, "not uploaded: %d more file(s) for the same reason: %s (%s)\n", more, r.state, r.msg)
		}
	}
}

// chooseTarget resolves --target: the named one, else the only target.
// With several targets and none named it refuses and lists them: a file
// never goes to a target the user did not choose (the desktop app's last
// used one included).
func chooseTarget(cfg *config.Config, name string) (string, error) {
	switch {
	case name != "":
		if cfg.Target(name) == nil {
			return "", usagef("upload: no target named %q (see `ferry target list`)", name)
		}
		return name, nil
	case len(cfg.Targets) == 1:
		return cfg.Targets[0].Name, nil
	case len(cfg.Targets) == 0:
		return "", usagef("upload: no target configured yet; add one with `ferry target add`")
	}
	names := make([]string, len(cfg.Targets))
	for i, t := range cfg.Targets {
		names[i] = t.Name
	}
	return "", usagef("upload: %d targets are configured (%s); choose one with --target NAME",
		len(cfg.Targets), strings.Join(names, ", "))
}

func (c *cli) newUploadView(mode string, jobs *watchedJobs) uploadView {
	if mode == "auto" {
		mode = "plain"
		if f, ok := c.Err.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = "bars"
		}
	}
	switch mode {
	case "bars":
		return newBarView(c.Err, jobs)
	case "none":
		return newPlainView(io.Discard, jobs)
	}
	return newPlainView(c.Out, jobs)
}

// summarize prints the outcome of ids and fails when any did not upload:
// a job still queued did not; of the others, the history's latest entry
// says whether it was cancelled (a job the history no longer holds counts
// as uploaded, the only way a job leaves the queue otherwise). The jobs
// that wait for a server outage (outage) are told in one line per target,
// not one per file: most of them were never tried.
func summarize(c *cli, q *queue.Queue, ids []queue.JobID, outage func(target string) (transfer.Outage, bool)) error {
	var done, failed, cancelled int
	unreached := map[string]int{}
	same := sameReasons{}
	// gone: left the queue; seen: its latest outcome is known. Sets of
	// bits, not maps: ids holds every file of the upload.
	gone, seen := newIDSet(), newIDSet()
	nGone := 0
	for start := 0; start < len(ids); start += sentLookupBatch {
		batch := ids[start:min(start+sentLookupBatch, len(ids))]
		jobs, errs := q.GetMany(batch)
		for i, err := range errs {
			switch {
			case err == nil:
				failed++
				if j := jobs[i]; j.State == queue.Queued || j.State == queue.Waiting {
					if _, down := outage(j.Target); down {
						unreached[j.Target]++
						continue
					}
				}
				if same.show(jobs[i].State, jobs[i].ErrMsg) {
					fmt.Fprintf(c.Err, "not uploaded: %s: %s (%s)\n", jobs[i].RelPath, jobs[i].State, jobs[i].ErrMsg)
				}
			case errors.Is(err, queue.ErrNotFound):
				if gone.add(batch[i]) {
					nGone++
				}
			default:
				return err
			}
		}
	}
	known := 0
	err := q.HistoryEach(func(h queue.HistoryEntry) bool {
		if gone.has(h.JobID) && seen.add(h.JobID) { // newest first: the latest outcome wins
			known++
			if h.Outcome == queue.Cancelled {
				cancelled++
			}
		}
		return known < nGone
	})
	if err != nil {
		return err
	}
	same.printRest(c.Err)
	for _, target := range slices.Sorted(maps.Keys(unreached)) {
		o, _ := outage(target)
		fmt.Fprintf(c.Err, "not uploaded: %d file(s) to %s: the server could not be reached (%d attempt(s) since %s; last error: %s)\n",
			unreached[target], target, o.Tries, o.Since.Format(time.TimeOnly), o.Cause)
	}
	done = nGone - cancelled
	fmt.Fprintf(c.Out, "%d uploaded, %d failed, %d cancelled\n", done, failed, cancelled)
	if failed > 0 {
		return fmt.Errorf("%d of %d files were not uploaded; they stay in the queue (the desktop app or `ferry watch` retries them)",
			failed, len(ids))
	}
	return nil
}
