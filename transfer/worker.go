package transfer

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// work uploads one claimed job and records its outcome. It is the one
// "run a job, report its outcome" path; it runs on the job's worker
// goroutine.
func (e *Engine) work(ctx context.Context, a *active) {
	if a.job.MoveFrom != "" {
		e.workMove(ctx, a)
		return
	}
	res, fi, err := e.upload(ctx, a)
	e.settle(ctx, a, res, fi, err)
}

// settle moves the job to the state its outcome calls for, then publishes
// the change. Queue errors that only mean the user acted meanwhile
// (ErrNotFound: cancelled; ErrState: paused) are expected and quiet.
func (e *Engine) settle(ctx context.Context, a *active, res provider.Result, fi os.FileInfo, err error) {
	j, now := a.job, e.opts.Now()
	jobLog := func() *slog.Logger { return e.opts.Log.With("job", j.ID, "target", j.Target, "path", j.RelPath) }
	if err == nil {
		// Finish commits outside pubMu so that the finishes of several
		// workers (and the dispatcher's next claim) can share one commit.
		// Only this worker changes the job after that: a Cancel or Pause
		// meanwhile finds it gone and announces nothing, so its events
		// still come in the order the queue committed them.
		e.serverReached(j.Target) // before the claim below: the target's jobs may go again
		fp := &queue.Fingerprint{Size: fi.Size(), ModTime: fi.ModTime(), SHA256: a.sum, RemoteID: res.RemoteID, Uploaded: now}
		entry := queue.HistoryEntry{Outcome: queue.Done, RemotePath: res.RemotePath, Link: res.Link, Size: fi.Size()}
		if e.finishBehind(jobLog, a, res, fi, entry, fp, now) {
			return
		}
		kept, isKept, qerr := e.finishDone(jobLog, a, entry, fp, now)
		e.announceDone(jobLog, j, res, fi, kept, isKept, qerr)
		return
	}
	log := jobLog()
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	if errors.Is(err, errSameContent) {
		e.settleSame(log, a, fi, now)
		return
	}

	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errCancelled), errors.Is(cause, errPaused):
		return // Cancel and Pause changed the queue and published already
	case errors.Is(cause, errPausedAll), errors.Is(cause, errShutdown), errors.Is(cause, errHeld):
		if qerr := e.q.Requeue(j.ID); qerr != nil {
			e.queueError(log, "requeue", qerr)
		}
		e.publishID(j.ID, j, queue.Queued)
		return
	}

	kind, msg := kindFor(err), err.Error()
	_, retryAfter := provider.Classify(err)
	var qerr error
	outcome := queue.Failed
	switch {
	case vanishedMayReturn(j, kind):
		outcome = queue.Waiting
		qerr = e.q.RetryInterrupted(j.ID, now.Add(e.jobDelay(j.Attempts, 0)), kind, msg)
	case kind == KindVanished:
		outcome = queue.Cancelled
		entry := queue.HistoryEntry{Outcome: queue.Cancelled, ErrMsg: Explain(kind) + " (" + msg + ")"}
		if j.Interrupted {
			entry.Warning = vanishedInterruptedNote
		}
		qerr = e.q.Finish(j.ID, entry, nil)
	case kind == KindConflict && a.policy == provider.ConflictSkip:
		outcome = queue.Cancelled
		qerr = e.q.Finish(j.ID, queue.HistoryEntry{Outcome: queue.Cancelled, ErrMsg: "skipped: a file with this name already exists on the server"}, nil)
	case kind == KindChanged:
		// Start over at once, but back off if it keeps changing.
		next := now
		if j.Attempts >= 2 {
			next = now.Add(e.jobDelay(j.Attempts-2, 0))
		}
		outcome = queue.Waiting
		qerr = e.q.Retry(j.ID, next, kind, msg)
	case kind == KindRetryable && unreachable(err):
		// The server itself is out of reach: the target's other jobs wait
		// with this one, their attempts untouched (see Outage).
		outcome = queue.Waiting
		qerr = e.q.Retry(j.ID, e.serverUnreachable(a, err, now), kind, msg)
	case kind == KindRetryable || kind == KindSession:
		outcome = queue.Waiting
		qerr = e.q.Retry(j.ID, now.Add(e.jobDelay(j.Attempts, retryAfter)), kind, msg)
	default:
		if kind == KindConflict && a.policy != "" {
			msg = conflictMsg(a.policy, msg)
		}
		qerr = e.q.Fail(j.ID, kind, msg)
	}
	if qerr != nil {
		e.queueError(log, "record outcome", qerr)
	}
	log.Info("transfer: upload did not complete", "outcome", outcome, "kind", kind, "err", msg)
	e.publishID(j.ID, j, outcome)
}

// announceDone runs what follows the commit of j's upload as done:
// the provider's Recorded callback, the log line and the events (the job
// done, and kept when Finish kept it for newer content). qerr is the
// finish's error.
func (e *Engine) announceDone(log func() *slog.Logger, j queue.Job, res provider.Result, fi os.FileInfo, kept queue.Job, isKept bool, qerr error) {
	if qerr == nil && res.Recorded != nil {
		res.Recorded()
	}
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	if qerr != nil {
		e.queueError(log(), "finish", qerr)
	}
	// The attributes log would attach, in the same order, without
	// building a logger for the one line most files log.
	e.opts.Log.Info("transfer: uploaded", "job", j.ID, "target", j.Target, "path", j.RelPath, "remote", res.RemotePath, "bytes", fi.Size())
	done := j
	done.State, done.Size, done.ModTime = queue.Done, fi.Size(), fi.ModTime()
	e.publishJob(done, res.RemotePath, res.Link)
	if isKept {
		// Changed during the upload: the queue kept it for the new content.
		e.publishJob(kept, "", "")
	}
}

// finishDone records a's upload as done. Where the engine may, the same
// commit claims the worker's next job (a.next), so a file costs one queue
// commit on its worker's path, not two. It returns the job as it stays
// queued for newer content, if it does.
func (e *Engine) finishDone(log func() *slog.Logger, a *active, entry queue.HistoryEntry, fp *queue.Fingerprint, now time.Time) (queue.Job, bool, error) {
	var pick *queue.Picker
	if e.mayClaimNext() {
		p := e.picker(a.job.Target)
		pick = &p
	}
	f, err := e.finishCommit(log, a.job, entry, fp, now, pick)
	if f.claimed {
		a.next = &f.next
	}
	return f.kept, f.isKept, err
}

// finished is what finishCommit did besides the finish.
type finished struct {
	next    queue.Job // claimed in the same commit, when claimed
	claimed bool
	kept    queue.Job // the job as it stays queued for newer content, when isKept
	isKept  bool
}

// finishCommit commits job j's upload as done and, when pick is not nil,
// claims a job with it in the same commit. The error is the finish's.
func (e *Engine) finishCommit(log func() *slog.Logger, j queue.Job, entry queue.HistoryEntry, fp *queue.Fingerprint, now time.Time,
	pick *queue.Picker,
) (finished, error) {
	if pick == nil {
		if err := e.q.Finish(j.ID, entry, fp); err != nil {
			return finished{}, err
		}
		cur, err := e.q.Get(j.ID)
		return finished{kept: cur, isKept: err == nil}, nil
	}
	r, err := e.q.FinishClaim(j.ID, entry, fp, now, *pick)
	if err != nil {
		return finished{}, err
	}
	if r.ClaimErr != nil {
		log().Error("transfer: claim a job", "err", r.ClaimErr)
		e.poke() // the dispatcher goes past the damaged record
	}
	return finished{next: r.Next, claimed: r.Claimed, kept: r.Kept, isKept: r.IsKept}, r.FinishErr
}

// settleSame finishes a job whose file holds the bytes last sent: done,
// nothing sent, the sent index moved to the new mtime (so the watcher
// does not hand the file on again) and the history saying why.
func (e *Engine) settleSame(log *slog.Logger, a *active, fi os.FileInfo, now time.Time) {
	j := a.job
	prev, _, _ := e.q.Sent(j.Target, j.RemotePath())
	fp := &queue.Fingerprint{Size: fi.Size(), ModTime: fi.ModTime(), SHA256: a.sum, RemoteID: prev.RemoteID, Uploaded: prev.Uploaded}
	note := "saved again with the same content as the last upload; not sent again"
	if prev.ModTime.Equal(fi.ModTime()) {
		note = "this version was already uploaded; not sent again"
	}
	entry := queue.HistoryEntry{Outcome: queue.Done, RemotePath: j.RemotePath(), Size: fi.Size(), Warning: note}
	if qerr := e.q.Finish(j.ID, entry, fp); qerr != nil {
		e.queueError(log, "finish", qerr)
	}
	log.Info("transfer: same content as the last upload, not sent again")
	done := j
	done.State, done.Size, done.ModTime, done.Warning = queue.Done, fi.Size(), fi.ModTime(), note
	e.publishJob(done, j.RemotePath(), "")
	if cur, gerr := e.q.Get(j.ID); gerr == nil {
		e.publishJob(cur, "", "")
	}
}

// kindFor is the ErrKind of a worker error.
func kindFor(err error) string {
	var fe *fileError
	var ce *configError
	switch {
	case errors.As(err, &fe):
		return fe.kind
	case errors.As(err, &ce):
		return KindConfig
	}
	return KindOf(err)
}

// queueError logs a failed queue write unless it only means the user
// cancelled or paused the job meanwhile.
func (e *Engine) queueError(log *slog.Logger, op string, err error) {
	if errors.Is(err, queue.ErrNotFound) || errors.Is(err, queue.ErrState) {
		return
	}
	log.Error("transfer: "+op, "err", err)
}
