package app

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/queue"
	"github.com/ferry-sync/ferry/ui"
)

// Items returns the queue's jobs (with the progress of those uploading)
// followed by the recent history, oldest first. A job id present in both
// (a history entry of a job that is live again) shows the live job.
// Queue errors are logged: a damaged record hides that record, not the list.
func (b *guiBackend) Items() []ui.Item {
	jobs, prog, err := b.rt.engine.Snapshot()
	if err != nil {
		b.rt.log.Warn("gui: list jobs", "err", err)
	}
	b.setSpeed(prog)
	hist, err := b.rt.q.History(historyLimit)
	if err != nil {
		b.rt.log.Warn("gui: list history", "err", err)
	}
	items := make([]ui.Item, 0, len(jobs)+len(hist))
	live := make(map[queue.JobID]bool, len(jobs))
	for _, js := range jobs {
		it := jobItem(js.Job)
		if js.Progress != nil {
			applyProgress(&it, *js.Progress)
		}
		live[js.Job.ID] = true
		items = append(items, it)
	}
	var done []ui.Item
	for _, h := range hist { // newest first
		if !live[h.JobID] {
			done = append(done, historyItem(h))
		}
	}
	slices.Reverse(done)
	return append(done, items...)
}

// Status returns the global figures. Queue errors are logged and leave
// the counts at what could be read.
func (b *guiBackend) Status() ui.Status {
	counts, err := b.rt.q.Counts()
	if err != nil {
		b.rt.log.Warn("gui: count jobs", "err", err)
	}
	paused, until, err := b.rt.engine.Paused()
	if err != nil {
		b.rt.log.Warn("gui: read pause", "err", err)
	}
	b.mu.Lock()
	speed := b.speed
	b.mu.Unlock()
	st := ui.Status{
		Paused: paused, PausedUntil: until,
		Bandwidth: b.rt.engine.Bandwidth(),
		Parallel:  b.config().Transfer.ParallelFilesOrDefault(),
		// The engine's count: the queue's Running also holds the jobs
		// claimed for a worker and not started yet.
		Uploading: min(b.rt.engine.Uploading(), counts[queue.Running]),
		Waiting:   counts[queue.Queued] + counts[queue.Waiting] + counts[queue.Paused],
		Failed:    counts[queue.Failed],
	}
	st.Waiting += counts[queue.Running] - st.Uploading
	if st.Uploading > 0 {
		st.Speed = speed
	}
	st.Unreachable = b.unreachable()
	b.limitsStatus(&st)
	return st
}

func (b *guiBackend) setSpeed(p transfer.Progress) {
	b.mu.Lock()
	b.speed = float64(p.Speed)
	b.mu.Unlock()
}

// Watch delivers engine events to fn until stop: a job's state change as
// its new Item, a progress snapshot as the Items of the uploads in flight,
// each followed by the new Status. fn runs on the watch's own goroutine;
// the engine never waits for it (its subscription queues state changes
// and coalesces progress for a slow reader). stop waits until fn is no
// longer called.
func (b *guiBackend) Watch(fn func(ui.Change)) (stop func()) {
	sub := b.rt.engine.Subscribe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := itemWatch{b: b, fn: fn, live: map[queue.JobID]ui.Item{}}
		lim := newLimitsWatch(b)
		defer lim.stop()
		for {
			select {
			case ev, ok := <-sub.C:
				if !ok {
					return
				}
				w.event(ev)
			case <-lim.tick():
				if st, changed := lim.check(); changed {
					fn(ui.Change{Status: &st})
				}
			}
		}
	}()
	return func() {
		sub.Close()
		<-done
	}
}

// itemWatch remembers the live items so a progress snapshot (ids and
// bytes only) becomes whole Items. Used by one goroutine.
type itemWatch struct {
	b    *guiBackend
	fn   func(ui.Change)
	live map[queue.JobID]ui.Item
}

func (w *itemWatch) event(ev transfer.Event) {
	if p := ev.Progress; p != nil {
		w.b.setSpeed(*p)
		for _, jp := range p.Jobs {
			it, ok := w.live[jp.ID]
			if !ok {
				j, err := w.b.rt.q.Get(jp.ID)
				if errors.Is(err, queue.ErrNotFound) {
					continue // finished meanwhile; its state event follows
				}
				if err != nil {
					w.b.rt.log.Warn("gui: read job", "id", jp.ID, "err", err)
					continue
				}
				it = jobItem(j)
			}
			applyProgress(&it, jp)
			if jp.Done > 0 {
				w.b.setDown(jp.Target, false)
			}
			w.live[jp.ID] = it
			w.fn(ui.Change{Item: &it})
		}
	} else {
		it := jobItem(ev.Job)
		switch {
		case ev.Job.State == queue.Done:
			w.b.setDown(ev.Job.Target, false)
		case ev.Job.State == queue.Waiting && ev.Job.ErrKind == transfer.KindRetryable:
			w.b.setDown(ev.Job.Target, true)
		}
		if ev.Job.State == queue.Done {
			it.Bytes = it.Total
			if ev.RemotePath != "" {
				it.Remote = remoteLabel(ev.Job.Target, ev.RemotePath)
			}
			it.Link = ev.Link
		}
		if !ev.Time.IsZero() {
			it.Updated = ev.Time
		}
		if ev.Job.State.Live() && ev.Job.State != queue.Failed {
			w.live[ev.Job.ID] = it
		} else {
			delete(w.live, ev.Job.ID)
		}
		w.fn(ui.Change{Item: &it})
	}
	st := w.b.Status()
	w.fn(ui.Change{Status: &st})
}

// jobItem maps a queue record to a row; progress comes separately.
func jobItem(j queue.Job) ui.Item {
	it := ui.Item{
		ID: uint64(j.ID), Name: path.Base(j.RelPath), LocalPath: j.OnDisk(), Target: j.Target,
		Remote: remoteLabel(j.Target, j.RemotePath()), Total: j.Size,
		Reason: j.ErrMsg, Warning: j.Warning, Updated: j.Updated,
	}
	if j.ErrKind != "" {
		it.Advice = desktopAdvice(j.ErrKind, j.ErrMsg)
	}
	switch j.State {
	case queue.Running:
		it.State = ui.Uploading
	case queue.Queued:
		it.State = ui.Waiting
	case queue.Waiting:
		it.State = ui.Waiting
		it.ServerWait = j.ErrKind == transfer.KindRetryable
		if !j.NextAttempt.IsZero() {
			it.Reason = fmt.Sprintf("next try at %s: %s", j.NextAttempt.Local().Format("15:04:05"), j.ErrMsg)
		}
	case queue.Paused:
		it.State, it.Paused = ui.Waiting, true
		if it.Reason == "" {
			it.Reason = "paused"
		}
	case queue.Failed:
		it.State = ui.Failed
	case queue.Done:
		it.State, it.Bytes = ui.Done, j.Size
	case queue.Cancelled:
		it.State = ui.Cancelled
	}
	return it
}

func applyProgress(it *ui.Item, p transfer.JobProgress) {
	it.State = ui.Uploading
	it.Bytes, it.Total, it.Speed = p.Done, p.Total, float64(p.Speed)
	it.ETA = max(p.ETA, 0)
}

// historyItem maps a finished job to a row.
func historyItem(h queue.HistoryEntry) ui.Item {
	it := ui.Item{
		ID: uint64(h.JobID), Name: path.Base(h.RelPath),
		LocalPath: filepath.Join(h.Root, filepath.FromSlash(h.RelPath)),
		Target:    h.Target, Remote: remoteLabel(h.Target, h.RemotePath), Total: h.Size,
		Reason: h.ErrMsg, Warning: h.Warning, Link: h.Link, Updated: h.Finished,
	}
	switch h.Outcome {
	case queue.Done:
		it.State, it.Bytes = ui.Done, h.Size
	case queue.Cancelled:
		it.State = ui.Cancelled
	default:
		it.State = ui.Failed
	}
	return it
}

// remoteLabel is where a file goes or went, as the window shows it:
// "target: dir/name" (servers report stored paths with a leading slash).
func remoteLabel(target, remotePath string) string {
	return target + ": " + strings.TrimPrefix(remotePath, "/")
}

// setDown records whether target's server is unreachable: a job that
// waits after a network or server failure marks it, an acknowledged byte
// or a finished upload clears it.
func (b *guiBackend) setDown(target string, down bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if down {
		if b.down == nil {
			b.down = map[string]bool{}
		}
		b.down[target] = true
	} else {
		delete(b.down, target)
	}
}

// unreachable names the targets whose server is down, sorted, for the
// window's header: those the events marked, and those the engine holds
// for an outage (transfer.Outage), whose jobs wait without an event each.
func (b *guiBackend) unreachable() string {
	down := map[string]bool{}
	for _, o := range b.rt.engine.Outages() {
		down[o.Target] = true
	}
	b.mu.Lock()
	maps.Copy(down, b.down)
	b.mu.Unlock()
	return strings.Join(slices.Sorted(maps.Keys(down)), ", ")
}

// desktopAdvice is the plain sentence a failed row leads with: the error
// kind's explanation, except that a view-only share link (which the
// provider files as an authentication error) is not called a login
// problem.
func desktopAdvice(kind, msg string) string {
	if isReadOnlyShare(msg) {
		return "The share link only allows viewing; uploads need a link with the editor permission. " +
			"Put an editor link's token in the target (Settings, Targets, Edit), then press Retry."
	}
	return transfer.Explain(kind)
}
