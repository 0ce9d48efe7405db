package app

import (
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// uploadView shows the progress of the jobs one `ferry upload` queued:
// live bars on a terminal (mpb), plain lines otherwise (logs, pipes, CI).
// It is fed from one goroutine (the event loop) and closed once.
type uploadView interface {
	event(ev transfer.Event)
	close()
}

// finalLine describes a job that reached a final state, or "" for others.
func finalLine(ev transfer.Event) string {
	j := ev.Job
	switch j.State {
	case queue.Done:
		where := ev.RemotePath
		if where == "" {
			where = j.RemotePath()
		}
		line := fmt.Sprintf("uploaded %s (%s) to %s:/%s", j.RelPath, sizeText(j.Size), j.Target, strings.TrimPrefix(where, "/"))
		if j.MoveFrom != "" {
			line = fmt.Sprintf("moved %s to %s:/%s on the server", j.MoveFrom, j.Target, strings.TrimPrefix(where, "/"))
		}
		if ev.Link != "" {
			line += " " + ev.Link
		}
		if j.Warning != "" && !strings.HasPrefix(j.Warning, "moved on the server") {
			line += " [warning: " + j.Warning + "]"
		}
		return line
	case queue.Failed:
		return fmt.Sprintf("FAILED %s: %s", j.RelPath, terminalReason(j))
	case queue.Cancelled:
		return "cancelled " + j.RelPath
	case queue.Paused:
		return "paused " + j.RelPath
	}
	return ""
}

// plainView prints one line per finished job and a summary line at most
// every interval.
type plainView struct {
	out      io.Writer
	jobs     *watchedJobs
	every    time.Duration
	last     time.Time
	finished int
}

func newPlainView(out io.Writer, jobs *watchedJobs) *plainView {
	return &plainView{out: out, jobs: jobs, every: 5 * time.Second, last: time.Now()}
}

func (v *plainView) event(ev transfer.Event) {
	if ev.Progress != nil {
		if time.Since(v.last) < v.every || len(ev.Progress.Jobs) == 0 {
			return
		}
		v.last = time.Now()
		fmt.Fprintf(v.out, "progress: %d of %d files finished; %d uploading at %s/s\n",
			v.finished, v.jobs.files, len(ev.Progress.Jobs), sizeText(ev.Progress.Speed))
		return
	}
	if _, ours := v.jobs.size(ev.Job.ID); !ours {
		return
	}
	if line := finalLine(ev); line != "" {
		if ev.Job.State != queue.Paused {
			v.finished++
			v.jobs.forget(ev.Job.ID) // done with: later events of it are not counted again
		}
		fmt.Fprintln(v.out, line)
	} else if ev.Job.State == queue.Waiting && ev.Job.ErrMsg != "" {
		fmt.Fprintf(v.out, "will retry %s at %s: %s\n", ev.Job.RelPath,
			ev.Job.NextAttempt.Local().Format("15:04:05"), ev.Job.ErrMsg)
	}
}

func (v *plainView) close() {}

// barView draws a total bar and one bar per file in flight on a terminal.
type barView struct {
	p     *mpb.Progress
	jobs  *watchedJobs
	total *mpb.Bar
	mu    sync.Mutex // guards speed (read by a decorator on mpb's goroutine)
	speed int64
	bars  map[queue.JobID]*mpb.Bar
	done  int   // jobs finished
	sent  int64 // bytes of finished jobs
}

func newBarView(out io.Writer, jobs *watchedJobs) *barView {
	v := &barView{jobs: jobs, bars: map[queue.JobID]*mpb.Bar{}}
	v.p = mpb.New(mpb.WithOutput(out), mpb.WithWidth(40), mpb.WithRefreshRate(150*time.Millisecond))
	files := decor.Any(func(decor.Statistics) string {
		return fmt.Sprintf("%d/%d files", v.done, v.jobs.files)
	})
	speed := decor.Any(func(decor.Statistics) string {
		v.mu.Lock()
		defer v.mu.Unlock()
		return sizeText(v.speed) + "/s"
	})
	v.total = v.p.AddBar(max(jobs.bytes, 1), mpb.BarPriority(1<<30),
		mpb.PrependDecorators(decor.Name("total ", decor.WCSyncWidthR), files),
		mpb.AppendDecorators(decor.Any(func(st decor.Statistics) string {
			// mpb's own counters print "0.0 b"; these use the units of every other line.
			return " " + sizeText(st.Current) + " / " + sizeText(st.Total)
		}), decor.Name("  "), speed))
	return v
}

func (v *barView) event(ev transfer.Event) {
	if p := ev.Progress; p != nil {
		inFlight := int64(0)
		for _, jp := range p.Jobs {
			if _, ours := v.jobs.size(jp.ID); !ours {
				continue
			}
			inFlight += jp.Done
			b, ok := v.bars[jp.ID]
			if !ok {
				b = v.p.AddBar(max(jp.Total, 1), mpb.BarRemoveOnComplete(),
					mpb.PrependDecorators(decor.Name(clipName(jp.RelPath, 28), decor.WCSyncWidthR)),
					mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5})))
				v.bars[jp.ID] = b
			}
			b.SetCurrent(min(jp.Done, max(jp.Total, 1)-1)) // complete only when the job is
		}
		v.mu.Lock()
		v.speed = p.Speed
		v.mu.Unlock()
		v.total.SetCurrent(min(v.sent+inFlight, v.total.Current()+1<<40))
		return
	}
	size, ours := v.jobs.size(ev.Job.ID)
	if !ours {
		return
	}
	line := finalLine(ev)
	if line == "" {
		return
	}
	if ev.Job.State != queue.Paused {
		v.done++
		v.sent += size
		v.total.SetCurrent(v.sent)
		v.jobs.forget(ev.Job.ID) // done with: later events of it are not counted again
	}
	if b, ok := v.bars[ev.Job.ID]; ok {
		b.Abort(true)
		delete(v.bars, ev.Job.ID)
	}
	fmt.Fprintln(v.p, line)
}

func (v *barView) close() {
	for id, b := range v.bars {
		b.Abort(true)
		delete(v.bars, id)
	}
	if !v.total.Completed() {
		v.total.Abort(false)
	}
	v.p.Wait()
}

func clipName(p string, n int) string {
	base := path.Base(p)
	if len(base) <= n {
		return base
	}
	return base[:n-1] + "…"
}

// sizeText formats a byte count for progress lines, rounded, binary units.
func sizeText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	// A value that would print as 1000.0 or more moves up a unit:
	// 1002.9 KiB is written 1.0 MiB, as file managers do.
	v, exp := float64(n)/unit, 0
	for v >= 999.95 && exp < 4 {
		v /= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[exp])
}

// terminalReason says why a job failed and what to do, for a terminal:
// the advice names commands, never buttons or settings windows, and the
// technical message follows in brackets.
func terminalReason(j queue.Job) string {
	if j.ErrKind == "" && j.ErrMsg == "" {
		return ""
	}
	var why string
	switch {
	case isReadOnlyShare(j.ErrMsg):
		why = "the share link only allows viewing; add the target again with an editor link " +
			"(`ferry target set-secret " + j.Target + "`)"
	case j.ErrKind == transfer.KindRetryable || j.ErrKind == transfer.KindSession:
		why = "a temporary problem with the server or the network; Ferry tries again on its own"
	case j.ErrKind == transfer.KindAuth:
		why = "the server refused the login; store new credentials with `ferry target set-secret " + j.Target +
			"`, then run the command again"
	case j.ErrKind == transfer.KindQuota:
		why = "the account's storage is full; free up space on the server, then run the command again"
	case j.ErrKind == transfer.KindConfig:
		why = "the target is not set up correctly; check it with `ferry target test " + j.Target + "`"
	case j.ErrKind == transfer.KindUnreadable:
		why = "Ferry cannot read this file; check its permissions, then run the command again"
	case j.ErrKind == transfer.KindConflict:
		why = "a file with this name exists on the server; use --conflict rename or overwrite"
	case j.ErrKind == transfer.KindTooLarge:
		why = "the file or a chunk of it is larger than the server accepts; lower the target's chunk size (--chunk-size)"
	default:
		// The remaining kinds' sentences name no buttons.
		why = strings.TrimSuffix(strings.ToLower(transfer.Explain(j.ErrKind)[:1])+transfer.Explain(j.ErrKind)[1:], ".")
		if strings.Contains(strings.ToLower(why), "press") || strings.Contains(strings.ToLower(why), "settings") {
			why = "the server rejected the upload and repeating the same request will not help; check the file and the target"
		}
	}
	if j.ErrMsg == "" {
		return why
	}
	return why + " (" + j.ErrMsg + ")"
}

// isReadOnlyShare tells a share link that only allows viewing (files.ro
// visitor permission, a 403 the provider files as an authentication
// error) from a refused login: the fix is another link, not a password.
func isReadOnlyShare(msg string) bool {
	return strings.Contains(msg, "visitor permission") || strings.Contains(msg, "Access Denied")
}
