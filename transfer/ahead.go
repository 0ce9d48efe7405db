package transfer

import (
	"log/slog"
	"os"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// A small file's upload is over in a few milliseconds, about as long as
// the queue commit that records it (two fdatasyncs). Waiting for that
// commit before the next file, as a worker must when the commit also
// claims its next job, left a quarter of each worker's time idle. So,
// while it uploads a small file, a worker keeps jobs claimed ahead (a
// durable claim, committed while it sends): when the file is done, it
// hands the finish (and the claim of a job after) to a goroutine and
// starts the oldest job claimed ahead at once. Events, the log line and
// the provider's Recorded callback still follow the commit.
//
// With one job claimed ahead, the claim committed with the last finish
// was still on its way when the file ended in half the files to files.ro
// (883 of 1,656, a fifth of the workers' time): each commit waits for the
// one on disk before it. With two, the job a worker starts next was
// claimed one file earlier.
//
// A crash finds a job claimed ahead Running, as it finds one claimed with
// a finish and not started yet, and marks it Interrupted: the next
// attempt is as careful as after a real interruption (a service that
// cannot be asked may get the warning that it holds the file twice). The
// claim is only made while the job it will follow is small, so such a
// job waits milliseconds, not the length of a big upload, and the window
// never shows more uploads than its slots for longer than that.

// aheadMaxSize is the largest file a worker claims ahead behind: a job
// claimed ahead waits for the upload of the file it follows.
const aheadMaxSize = 256 << 10

// aheadDepth is how many jobs a worker keeps claimed ahead at most. With
// three, the job a worker starts was claimed two files earlier, so its
// claim has had that long to share a commit with other writes
// (queue.Options.GroupLinger) before the worker needs it. Against two, on
// 2,000 files of 1 KiB to files.ro, with the linger at 8 ms: 1,110-1,170
// fdatasyncs down to 720-745, Ferry's CPU 1-11 % lower in 4 pairs run in
// alternating order (optimisations.md, issue 20 round 11). The price:
// after a crash, up to three jobs per slot claimed and not started get the
// warning that the service may hold them twice.
const aheadDepth = 3

// aheadWorth reports whether a worker about to upload j should claim its
// next job ahead.
func aheadWorth(j queue.Job) bool { return j.Size <= aheadMaxSize && j.MoveFrom == "" }

// mayClaimAhead reports whether a worker may claim a job ahead: the engine
// is not stopping and every slot is taken. With a slot free, the
// dispatcher gives a ready job to that slot, where it runs at once,
// instead of behind another upload.
func (e *Engine) mayClaimAhead() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.running && !e.stopping && len(e.active) == e.parallel
}

// ahead is a job claimed for a worker before it needs one: the result of
// a commit that may still be under way.
type ahead struct {
	done    chan struct{} // closed when job and claimed are set
	job     queue.Job
	claimed bool
}

func newAhead() *ahead { return &ahead{done: make(chan struct{})} }

func (h *ahead) resolve(j queue.Job, claimed bool) {
	h.job, h.claimed = j, claimed
	close(h.done)
}

// wait returns the job claimed, if one was. While the claim's commit is
// not over, hurry (Queue.Hurry) keeps it from lingering for company: the
// caller now waits for it.
func (h *ahead) wait(hurry func()) (queue.Job, bool) {
	select {
	case <-h.done:
	default:
		hurry()
		<-h.done
	}
	return h.job, h.claimed
}

// claimAhead claims, behind a's upload, the job its worker runs next; nil
// when the engine may not claim now. The claim counts a's slot as free,
// as a finish's claim does.
func (e *Engine) claimAhead(a *active) *ahead {
	if !aheadWorth(a.job) || !e.mayClaimAhead() {
		return nil
	}
	h := newAhead()
	now := e.opts.Now()
	e.workers.Add(1)
	go func() {
		defer e.workers.Done()
		if until, err := e.q.PausedUntil(); err != nil || until.After(now) {
			h.resolve(queue.Job{}, false)
			return
		}
		j, ok, err := e.q.ClaimPassing(now, e.aheadPicker(a.job.Target))
		if err != nil {
			e.opts.Log.Error("transfer: claim a job", "err", err)
			e.poke() // the dispatcher goes past a damaged record
		}
		h.resolve(j, ok && err == nil)
	}()
	return h
}

// behind is a finish the worker left to commit once its next job started
// (finishBehind, Engine.commitBehind).
type behind struct {
	log   func() *slog.Logger
	res   provider.Result
	fi    os.FileInfo
	entry queue.HistoryEntry
	fp    *queue.Fingerprint
	now   time.Time
}

// finishBehind lets a's worker go on when a job was claimed ahead for it:
// the oldest becomes a.next, and a's finish is left to handOver, which
// commits it behind the next upload (commitBehind). It reports false,
// having changed nothing but consumed empty claims, when no job was
// claimed ahead.
func (e *Engine) finishBehind(log func() *slog.Logger, a *active, res provider.Result, fi os.FileInfo, entry queue.HistoryEntry, fp *queue.Fingerprint, now time.Time) bool {
	next, ok := a.popAhead(e.q.Hurry)
	if !ok {
		return false
	}
	a.next = &next
	a.behind = &behind{log: log, res: res, fi: fi, entry: entry, fp: fp, now: now}
	return true
}

// popAhead waits for a's jobs claimed ahead, oldest first, until one was
// claimed, and takes it out; false when none was. hurry is ahead.wait's.
func (a *active) popAhead(hurry func()) (queue.Job, bool) {
	for len(a.aheads) > 0 {
		h := a.aheads[0]
		a.aheads = a.aheads[1:]
		if j, ok := h.wait(hurry); ok {
			return j, true
		}
	}
	return queue.Job{}, false
}

// giveBack returns jobs claimed ahead that no worker will start to the
// queue, as startNext does with one that must not start: a job the user
// paused or cancelled meanwhile is left as it is.
func (e *Engine) giveBack(hs []*ahead) {
	for _, h := range hs {
		j, ok := h.wait(e.q.Hurry)
		if !ok {
			continue
		}
		e.leads.done(j.ID)
		e.pubMu.Lock()
		running, _, err := e.q.StillClaimed(j.ID, e.opts.Now())
		if running || err != nil {
			e.requeueClaimed(j)
		}
		e.pubMu.Unlock()
	}
}

// commitBehind commits a's finish (a.behind) on its own goroutine,
// followed by a's events. b is the job that took a's slot (nil if none
// did): while it is small, every slot is taken and b has fewer than
// aheadDepth jobs claimed ahead, the same commit claims one more to run
// after it, counting b's slot as free, and that claim is returned (nil
// when none is made).
func (e *Engine) commitBehind(a, b *active) *ahead {
	d := a.behind
	a.behind = nil
	var (
		after *ahead
		pick  *queue.Picker
	)
	if b != nil && len(b.aheads) < aheadDepth && aheadWorth(b.job) && e.mayClaimAhead() {
		p := e.aheadPicker(b.job.Target)
		after, pick = newAhead(), &p
	}
	j := a.job
	e.workers.Add(1)
	go func() {
		defer e.workers.Done()
		f, err := e.finishCommit(d.log, j, d.entry, d.fp, d.now, pick)
		if after != nil {
			after.resolve(f.next, f.claimed)
		}
		e.announceDone(d.log, j, d.res, d.fi, f.kept, f.isKept, err)
	}()
	return after
}
