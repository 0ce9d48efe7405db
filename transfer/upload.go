package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// configError is a target that cannot be used as configured.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// resumeGiveUp is how many failed attempts of a job may end in a
// retryable Resume failure before its session is abandoned.
const resumeGiveUp = 2

// maxRestarts bounds the clean restarts of one file within one attempt
// (session gone, chunk size stepped down) before the job retries later.
const maxRestarts = 8

// upload sends job a's file and returns the server's result with the
// stat the upload was made from. Errors are *fileError, *configError,
// errFileChanged, or provider errors (classified by settle).
func (e *Engine) upload(ctx context.Context, a *active) (provider.Result, os.FileInfo, error) {
	j := a.job
	_, known := e.targets.cached(j.Target)
	// The claim could not ask the provider about folders (later) before
	// the target was resolved: this job leads its folder.
	t, err := e.targets.getFirst(ctx, j.Target, func(t *resolved) { e.leadsWait(j, t) })
	if err != nil {
		return provider.Result{}, nil, &configError{err}
	}
	if !known {
		// The dispatcher holds back a target's jobs until it is resolved
		// (allow); now that it is, let it claim more. Only then: a poke
		// per file woke the dispatcher for nothing (a read of the pause
		// state and a look at full slots) once per small file.
		e.poke()
	}
	f, fi, err := openRegular(localPath(j))
	if err != nil {
		var fe *fileError
		if errors.As(err, &fe) && fe.kind != KindUnreadable && !vanishedMayReturn(j, fe.kind) {
			// The file is gone for good: an earlier attempt's server-side
			// session (a placeholder, a partial file) must not outlive it.
			e.dropStale(ctx, a, t)
		}
		return provider.Result{}, nil, err
	}
	defer f.Close()
	if e.tornStat(j, fi) {
		return provider.Result{}, fi, fmt.Errorf("stat: the size moved without the modification time: %w", errFileChanged)
	}
	if fi.Size() != j.Size || !fi.ModTime().Equal(j.ModTime) {
		// Keep the queue's record in step with what is actually sent.
		if err := e.q.Update(j.ID, func(q *queue.Job) error {
			q.Size, q.ModTime = fi.Size(), fi.ModTime()
			return nil
		}); err != nil {
			return provider.Result{}, nil, err
		}
	}
	a.total.Store(fi.Size())
	caps := t.caps
	if caps.MaxFileSize > 0 && fi.Size() > caps.MaxFileSize {
		return provider.Result{}, nil, &provider.Error{
			Kind: provider.ErrTooLarge, Op: "check size",
			Message: fmt.Sprintf("the file has %d bytes; the target accepts at most %d", fi.Size(), caps.MaxFileSize),
		}
	}
	policy, err := conflictPolicy(j, t)
	if err != nil {
		return provider.Result{}, nil, err
	}
	a.policy = policy
	// The chunk size learned for the target, the saved session and the
	// sent record: one read of the queue instead of three.
	rec := e.q.UploadRecords(j.ID, j.Target, j.RemotePath())
	cs, err := chunkSize(t, fi.Size(), rec)
	if err != nil {
		return provider.Result{}, nil, err
	}
	saved := &loadedSession{s: rec.Session, ok: rec.SessionOK, err: rec.SessionErr}
	if saved.err == nil && !saved.ok {
		// A session left by an earlier attempt is resumed or cleaned up
		// by open; only a fresh upload may end here.
		if same, sum := e.sameAsSent(j, f, fi, rec); same {
			a.sum = sum
			return provider.Result{}, fi, errSameContent
		}
	}
	fu := &fileUpload{e: e, a: a, t: t, f: f, sum: newSeqHash(), saved: saved, u: provider.Upload{
		Dir: remoteDir(j), Name: path.Base(j.RelPath), RelPath: j.RelPath,
		Size: fi.Size(), ModTime: fi.ModTime(), ChunkSize: cs, Conflict: policy,
	}}
	defer fu.sum.close()
	var resetAt int64 // the chunk size a connection was last cut at, not yet stepped down from
	for restarts := 0; ; restarts++ {
		res, err := fu.run(ctx)
		if err == nil {
			a.sum = fu.sum.sum(fi.Size())
			return res, fi, nil
		}
		if cause := context.Cause(ctx); cause != nil {
			if errors.Is(cause, errCancelled) {
				fu.discard(ctx)
			}
			return provider.Result{}, fi, err
		}
		kind, _ := provider.Classify(err)
		if kind == provider.ErrSessionGone && maybeStored(err) {
			fu.warnMaybeStored("the answer to the request that stores the file was lost")
		}
		switch {
		case errors.Is(err, errFileChanged):
			fu.discard(ctx)
			return provider.Result{}, fi, err
		case kind == provider.ErrTooLarge && fu.sending:
			fu.discard(ctx)
			// A 413 is the server's word on the body size: step down and
			// remember it for the target. A connection cut mid-chunk
			// (a proxy's body limit, or just a bad network) steps down for
			// this file only, and at the smallest size it is retried later
			// like any network failure instead of failing the file. A body
			// limit cuts every body over it, a bad network now and then:
			// one cut is retried at the same size, and only a second cut
			// at that size steps down. Smaller chunks are no cure for a bad
			// network, and where every failure restarts the file (files.ro)
			// more chunks make it less likely ever to get through.
			limit := serverSaid(err)
			if !limit && resetAt != fu.u.ChunkSize && restarts < maxRestarts {
				resetAt = fu.u.ChunkSize
				e.opts.Log.Info("transfer: connection cut mid-chunk, trying the same size again", "target", j.Target, "size", fu.u.ChunkSize)
				continue
			}
			if fu.u.ChunkSize <= caps.MinChunkSize || restarts >= maxRestarts {
				if !limit {
					return provider.Result{}, fi, &provider.Error{
						Kind: provider.ErrRetryable, Op: "put chunk",
						Message: fmt.Sprintf("the connection broke even with %d-byte chunks: %v", fu.u.ChunkSize, err),
					}
				}
				return provider.Result{}, fi, fmt.Errorf("the server refused even the smallest chunk size (%d bytes): %w", fu.u.ChunkSize, err)
			}
			next := max(fu.u.ChunkSize/2, caps.MinChunkSize)
			if limit {
				if err := e.q.SetTargetChunkSize(j.Target, next); err != nil {
					return provider.Result{}, fi, err
				}
			}
			e.opts.Log.Info("transfer: chunk too large, stepping down", "target", j.Target, "from", fu.u.ChunkSize, "to", next)
			fu.u.ChunkSize = next
		case kind == provider.ErrSessionGone && restarts < maxRestarts:
			fu.discard(ctx)
		case kind == provider.ErrRetryable, kind == provider.ErrAuth:
			// Keep the session: the next attempt resumes where this stopped.
			return provider.Result{}, fi, err
		default:
			fu.discard(ctx)
			return provider.Result{}, fi, err
		}
	}
}

// serverSaid reports whether err carries an HTTP status, as opposed to a
// connection that broke before the server answered.
func serverSaid(err error) bool {
	var pe *provider.Error
	return errors.As(err, &pe) && pe.Status != 0
}

// dropStale aborts and forgets a saved session of job a, if any.
func (e *Engine) dropStale(ctx context.Context, a *active, t *resolved) {
	s, ok, err := e.q.LoadSession(a.job.ID)
	if err != nil || !ok {
		return // nothing saved, or unreadable: nothing to clean up with
	}
	fu := &fileUpload{e: e, a: a, t: t, u: provider.Upload{
		Dir: remoteDir(a.job), Name: path.Base(a.job.RelPath), RelPath: a.job.RelPath,
		Conflict: provider.ConflictPolicy(a.job.Conflict),
	}}
	fu.cleanup(ctx, s)
	fu.discard(ctx)
}

// conflictPolicy is the job's policy, else the target's, else the
// provider's first; one the provider does not implement is a config error.
func conflictPolicy(j queue.Job, t *resolved) (provider.ConflictPolicy, error) {
	p := provider.ConflictPolicy(j.Conflict)
	if p == "" {
		p = t.set.Conflict
	}
	if p == "" && len(t.caps.Conflicts) > 0 {
		p = t.caps.Conflicts[0]
	}
	if !slices.Contains(t.caps.Conflicts, p) {
		return "", &configError{fmt.Errorf("conflict policy %q is not supported by %s targets", p, t.p.Kind())}
	}
	return p, nil
}

// chunkSize is the target's override or the provider's default for a file
// of size bytes, lowered to a size remembered after a step-down (rec's,
// read from the queue), clamped to the provider's bounds.
func chunkSize(t *resolved, size int64, rec queue.UploadRecords) (int64, error) {
	c := t.caps
	cs := c.DefaultChunkSize
	if c.LargeFileChunkSize > 0 && size > c.LargeFileSize {
		cs = c.LargeFileChunkSize
	}
	if t.set.ChunkSize > 0 {
		cs = t.set.ChunkSize
	}
	learned, ok, err := rec.ChunkSize, rec.ChunkSizeOK, rec.ChunkSizeErr
	if err != nil {
		return 0, err
	}
	if ok && learned < cs {
		cs = learned
	}
	if c.MaxChunkSize > 0 {
		cs = min(cs, c.MaxChunkSize)
	}
	return max(cs, c.MinChunkSize, 1), nil
}

// remoteDir is the remote folder as segments: the job's remote folder and
// the folders of its relative path.
func remoteDir(j queue.Job) []string {
	var out []string
	for _, s := range strings.Split(path.Join(j.RemoteDir, path.Dir(j.RelPath)), "/") {
		if s != "" && s != "." {
			out = append(out, s)
		}
	}
	return out
}

// fileUpload is one file's trip through a provider session.
type fileUpload struct {
	e *Engine
	a *active
	t *resolved
	f *os.File
	u provider.Upload

	sess    provider.Session
	sending bool     // the current failure came from PutChunk
	sum     *seqHash // the content hash, fed by the chunk reads

	// saved is the job's session as upload read it, for the first open
	// only (nothing writes it in between); later opens read it again,
	// since a failed run may have saved or dropped it.
	saved *loadedSession

	mu    sync.Mutex // guards acked; serialises SaveSession
	acked chunkSet   // acknowledged chunks of sess

	// behind is the save of the last acknowledged chunk while the next
	// one is sent (see saveBehind); nil when none runs. Used by the
	// goroutines of send, which run one after another.
	behind *behindSave

	// confirmed: the last chunk's bytes, as sent, were read from the
	// planned version of the file (commitSource, confirmUnchanged), so
	// what the service stored is a whole version even if the file
	// changed afterwards.
	confirmed atomic.Bool
}

// loadedSession is one LoadSession's answer.
type loadedSession struct {
	s   queue.Session
	ok  bool
	err error
}

// run opens (resumes or begins) a session, sends the missing chunks,
// re-checks the file and finishes.
func (fu *fileUpload) run(ctx context.Context) (provider.Result, error) {
	fu.sending = false
	fu.confirmed.Store(false)
	if err := fu.open(ctx); err != nil {
		return provider.Result{}, err
	}
	fu.sending = true
	if err := fu.send(ctx); err != nil {
		return provider.Result{}, err
	}
	fu.sending = false
	return fu.finish(ctx)
}

// open resumes the job's saved session when it matches the file, else
// cleans the old one up and begins a new one, saved at once so that a
// crash before the first chunk still lets the provider clean up.
func (fu *fileUpload) open(ctx context.Context) error {
	e, id := fu.e, fu.a.job.ID
	fu.sess, fu.acked = nil, newChunkSet(fu.u.Chunks())
	var (
		s   queue.Session
		ok  bool
		err error
	)
	if fu.saved != nil {
		s, ok, err = fu.saved.s, fu.saved.ok, fu.saved.err
		fu.saved = nil
	} else {
		s, ok, err = e.q.LoadSession(id)
	}
	if errors.Is(err, queue.ErrCorrupt) {
		e.opts.Log.Warn("transfer: dropping a damaged upload session", "job", id, "err", err)
		ok, err = true, nil
		s = queue.Session{}
	}
	if err != nil {
		return err
	}
	if ok {
		if s.ChunkSize > 0 && s.Size == fu.u.Size && s.ModTime.Equal(fu.u.ModTime) && len(s.State) > 0 {
			u := fu.u
			u.ChunkSize = s.ChunkSize
			var sess provider.Session
			err := e.request(ctx, "resume", func(actx context.Context, _ func()) error {
				var err error
				sess, err = fu.t.p.Resume(actx, u, s.State)
				return err
			})
			if err == nil {
				fu.sess, fu.u = sess, u
				fu.acked = newChunkSet(u.Chunks())
				for _, i := range s.Acked {
					fu.acked.add(i)
				}
				return nil
			}
			if errors.Is(err, provider.ErrSessionGone) && interruptedAtLast(fu.a.job, fu.t.caps, s) {
				fu.warnMaybeStored("Ferry stopped while the request carrying the last chunk may have been on its way")
			}
			if !errors.Is(err, provider.ErrSessionGone) {
				// A server that keeps failing to reattach one session (Twake
				// answers 500 for a file it forgot) would hold the job
				// forever: after a few failed attempts the file starts over.
				if fu.a.job.Attempts < resumeGiveUp || !provider.IsRetryable(err) {
					return err
				}
				e.opts.Log.Warn("transfer: resume keeps failing, starting the file over", "job", id, "err", err)
			}
		} else if len(s.State) > 0 {
			fu.cleanup(ctx, s)
		}
		if err := e.q.DropSession(id); err != nil {
			return err
		}
	}
	if !ok && interruptedUnsaved(fu.a.job, fu.t.caps, fu.u) {
		fu.warnMaybeStored("Ferry stopped while the request carrying the file may have been on its way")
	}
	var sess provider.Session
	err = e.request(ctx, "begin", func(actx context.Context, _ func()) error {
		var err error
		sess, err = fu.t.p.Begin(actx, fu.u)
		return err
	})
	if err != nil {
		return err
	}
	fu.sess = sess
	if fu.t.caps.BeginNeedsNoSave {
		return nil // saved with the first acknowledged chunk or a checkpoint
	}
	if beginSaveMayTrail(fu.t.caps) {
		fu.saveBeginBehind()
		return nil
	}
	return e.q.SaveSession(id, fu.sessionRecord())
}

// beginSaveMayTrail reports whether the session saved after Begin may
// commit while the chunks go out, for a provider whose service stores the
// file only at Finish (no chunk commits or stores it) and cannot resume:
// what that session names is only what a restart must delete (Quatrix's
// placeholder, created by Begin). A crash leaves the same either way: the
// placeholder exists from Begin on, and its deletion is possible once the
// save is durable, whether a chunk went out meanwhile or not. The save is
// durable before send returns (settleBehind), so before Finish stores the
// file. A small file's upload then waits for one queue commit fewer.
func beginSaveMayTrail(c provider.Capabilities) bool {
	return !c.Resumable && !c.LastChunkCommits && !c.LastChunkStores
}

// saveBeginBehind starts saving the session begun by open
// (beginSaveMayTrail) and returns: send sends meanwhile and settles the
// save before it returns. Chunks do not wait for it (behindSave.trail).
// Nobody waits for the save until then, so it may share a queue commit
// with the saves, claims and finishes of other workers
// (Queue.SaveSessionPatient); settling it ends that wait.
func (fu *fileUpload) saveBeginBehind() {
	fu.behind = &behindSave{trail: fu.e.q.SaveSessionPatient(fu.a.job.ID, fu.sessionRecord())}
}

// cleanup lets the provider remove what a session for an older version of
// the file left on the server (Resume then Abort, best effort).
func (fu *fileUpload) cleanup(ctx context.Context, s queue.Session) {
	old := fu.u
	old.Size, old.ModTime, old.ChunkSize = s.Size, s.ModTime, s.ChunkSize
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	sess, err := fu.t.p.Resume(cctx, old, s.State)
	if err != nil {
		return // ErrSessionGone: the provider cleaned up; anything else: best effort
	}
	if err := sess.Abort(cctx); err != nil {
		fu.e.opts.Log.Warn("transfer: abort a stale session", "job", fu.a.job.ID, "err", err)
	}
}

// discard aborts the current session (best effort, even when ctx is
// cancelled) and forgets it, so the next run begins from byte 0.
func (fu *fileUpload) discard(ctx context.Context) {
	if fu.sess != nil {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		if err := fu.sess.Abort(actx); err != nil {
			fu.e.opts.Log.Warn("transfer: abort upload session", "job", fu.a.job.ID, "err", err)
		}
		cancel()
		fu.sess = nil
	}
	if err := fu.e.q.DropSession(fu.a.job.ID); err != nil && !errors.Is(err, queue.ErrNotFound) {
		fu.e.opts.Log.Error("transfer: drop upload session", "job", fu.a.job.ID, "err", err)
	}
}

// send puts every chunk not yet acknowledged, in parallel where allowed.
// No save started by saveBehind outlives it; a failed one is its error.
func (fu *fileUpload) send(ctx context.Context) (err error) {
	defer func() {
		if serr := fu.settleBehind(); serr != nil {
			err = serr // a chunk's failure may only be its consequence
		}
	}()
	var pending []int
	var done int64
	for i := range fu.u.Chunks() {
		if fu.acked.contains(i) {
			done += fu.u.Chunk(i).Size
		} else {
			pending = append(pending, i)
		}
	}
	fu.a.done.Store(done)
	fu.a.last.Store(done)
	fu.a.base.Store(done)
	fu.a.since.Store(time.Now().UnixNano())
	par := 1
	if c := fu.t.caps; c.ParallelChunks {
		par = fu.t.set.ChunkParallel
		if par <= 0 {
			par = fu.e.opts.ChunkParallel
		}
		if c.MaxParallelChunks > 0 {
			par = min(par, c.MaxParallelChunks)
		}
	}
	// Where chunks go in series the last one may be the commit (files.ro
	// stores the file when it arrives), so the re-check before Finish would
	// come too late to keep a file rewritten meanwhile from being stored
	// half old, half new: check before sending it. Where the last chunk is
	// known to be the commit, a one-chunk file is checked too, after the
	// file has been quiet for CommitQuiet.
	last := fu.u.Chunks() - 1
	lastCommits := fu.t.caps.LastChunkCommits || fu.t.caps.LastChunkStores
	commitLast := par == 1 && (last > 0 || lastCommits) && slices.Contains(pending, last)
	// In series, a chunk's acknowledgement may be saved while the next
	// chunk (never the last) is sent: see saveBehind.
	behind := par == 1 && fu.t.caps.IncompleteChunkNotStored
	group := pending
	if commitLast {
		group = pending[:len(pending)-1] // pending is in index order: last is its end
	}
	switch len(group) {
	case 0:
	case 1:
		// One chunk, a small file's whole body most often: sent from this
		// goroutine rather than handed to a group's.
		i := group[0]
		err = fu.sendChunk(ctx, i, false, behind && i < last)
	default:
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(par)
		for _, i := range group {
			if gctx.Err() != nil {
				break
			}
			g.Go(func() error { return fu.sendChunk(gctx, i, false, behind && i < last) })
		}
		err = g.Wait()
	}
	if err != nil || !commitLast {
		return err
	}
	// The last chunk goes only once every acknowledgement before it is
	// durable, as without saveBehind.
	if err := fu.settleBehind(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if lastCommits {
		if err := fu.waitQuiet(ctx); err != nil {
			return err
		}
		// The check runs before every attempt of the committing chunk
		// (commitSource), not once: a retry reads the file again, maybe
		// after a rewrite.
		return fu.sendChunk(ctx, last, true, false)
	}
	if err := fu.checkUnchanged("before the last chunk"); err != nil {
		return err
	}
	return fu.sendChunk(ctx, last, false, false)
}

// deletedWhole reports whether the local file is gone from its path
// while the open file the chunks were read from still has the planned
// size and mtime (deleted, not rewritten, after it was read).
func (fu *fileUpload) deletedWhole() bool {
	if _, err := os.Stat(localPath(fu.a.job)); !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	fi, err := fu.f.Stat()
	return err == nil && fi.Size() == fu.u.Size && fi.ModTime().Equal(fu.u.ModTime)
}

// checkUnchanged re-stats the local file: errFileChanged (named op) when
// its size or mtime is not what the upload was planned from.
func (fu *fileUpload) checkUnchanged(op string) error {
	same, err := sameFile(localPath(fu.a.job), fu.u.Size, fu.u.ModTime)
	if err != nil || !same {
		return fmt.Errorf("%s: %w", op, errFileChanged)
	}
	return nil
}

// sendChunk puts chunk i with per-request retries, each attempt reading
// the chunk from disk again, then records the acknowledgement durably.
// commit marks the last chunk of a service where it stores the file (see
// commitSource): each attempt then re-checks the file first. behind lets
// the acknowledgement be saved while the next chunk is sent (saveBehind);
// a save still running behind the chunk before holds back this chunk's
// last byte until it is durable.
func (fu *fileUpload) sendChunk(ctx context.Context, i int, commit, behind bool) error {
	e, c := fu.e, fu.u.Chunk(i)
	gate := fu.behind.chunkGate()
	err := e.request(ctx, fmt.Sprintf("put chunk %d", i), func(actx context.Context, touch func()) error {
		var src io.ReaderAt = fu.f
		pctx := provider.WithCheckpoint(actx, fu.saveSession)
		if commit {
			var err error
			if src, err = fu.commitSource(c); err != nil {
				return err
			}
			pctx = provider.WithUnchanged(pctx, fu.confirmUnchanged)
		}
		r := newChunkReader(actx, src, c.Offset, c.Size, e.bw, &fu.a.done, touch)
		r.sum = fu.sum
		r.gate = gate
		err := fu.sess.PutChunk(pctx, c, r)
		if err == nil && r.high != c.Size {
			// The contract says a nil return means all c.Size bytes arrived;
			// a provider that stopped reading early would store a short file.
			err = &provider.Error{
				Kind: provider.ErrPermanent, Op: fmt.Sprintf("put chunk %d", i),
				Message: fmt.Sprintf("acknowledged after reading %d of %d bytes", r.high, c.Size),
			}
		}
		if err != nil {
			r.uncount()
			if gerr := gate.failed(); gerr != nil {
				return gerr // the chunk broke off at the failed save; retrying cannot help
			}
			if r.short.Load() {
				return fmt.Errorf("read chunk %d: %w", i, errFileChanged)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	if gate != nil {
		// Passed: this chunk's last byte waited for it.
		if err := fu.settleBehind(); err != nil {
			return err
		}
	}
	if behind {
		fu.saveBehind(i)
		return nil
	}
	fu.mu.Lock()
	defer fu.mu.Unlock()
	fu.acked.add(i)
	if fu.acked.len() == fu.u.Chunks() && !fu.t.caps.SaveBeforeFinish {
		// Finish follows at once. Saving now would only spare a crash in
		// the next instant one chunk's resend, and costs a queue write per
		// file, which dominates for small files. The session saved after
		// Begin still lets a restart clean up or resume. A provider whose
		// Finish cannot be repeated safely without it asks for the save.
		return nil
	}
	return fu.saveSessionLocked()
}

// saveBehind records chunk i as acknowledged and saves the session on a
// goroutine of its own, so the next chunk is read and sent meanwhile. Only
// for a provider whose server stores a chunk only from its whole body
// (provider.Capabilities.IncompleteChunkNotStored): the next chunk's last
// byte waits for this save (chunkReader.gate), so no chunk can be on the
// server before the acknowledgement of the one before it is durable, and
// a crash leaves what the synchronous save left. The last chunk of a file
// is never sent while a save runs behind (send settles first).
func (fu *fileUpload) saveBehind(i int) {
	b := &behindSave{done: make(chan struct{})}
	fu.behind = b
	fu.mu.Lock()
	fu.acked.add(i)
	fu.mu.Unlock()
	go func() {
		defer close(b.done)
		b.err = fu.saveSession()
	}()
}

// settleBehind waits for the save running behind, if any, and returns its
// error. It does not give up on a cancelled context: the save is a queue
// commit that ends on its own, and nothing may outlive send.
func (fu *fileUpload) settleBehind() error {
	b := fu.behind
	if b == nil {
		return nil
	}
	fu.behind = nil
	if b.trail != nil {
		return b.trail.Wait()
	}
	<-b.done
	return b.err
}

// saveSession persists the session's state with the chunks acknowledged so
// far; a provider asks for it in the middle of a chunk through
// provider.Checkpoint.
func (fu *fileUpload) saveSession() error {
	fu.mu.Lock()
	defer fu.mu.Unlock()
	return fu.saveSessionLocked()
}

// saveSessionLocked is saveSession; caller holds fu.mu, so a save with
// fewer chunks never overwrites a later one.
func (fu *fileUpload) saveSessionLocked() error {
	return fu.e.q.SaveSession(fu.a.job.ID, fu.sessionRecord())
}

// sessionRecord is what the queue keeps of the current session: its
// state, the chunks acknowledged so far and the plan it was begun with.
// Callers hold fu.mu once chunks may be acknowledged concurrently.
func (fu *fileUpload) sessionRecord() queue.Session {
	return queue.Session{
		ChunkSize: fu.u.ChunkSize, State: fu.sess.State(), Acked: fu.acked.list(), Size: fu.u.Size, ModTime: fu.u.ModTime,
	}
}

// finish checks that every planned byte was acknowledged and that the file
// still is what was read, then completes the session.
func (fu *fileUpload) finish(ctx context.Context) (provider.Result, error) {
	e, j := fu.e, fu.a.job
	var sent int64
	for i := range fu.u.Chunks() {
		if !fu.acked.contains(i) {
			return provider.Result{}, fmt.Errorf("finish: chunk %d was never acknowledged: %w", i, provider.ErrSessionGone)
		}
		sent += fu.u.Chunk(i).Size
	}
	if sent != fu.u.Size {
		return provider.Result{}, fmt.Errorf("finish: %d bytes acknowledged, file has %d: %w", sent, fu.u.Size, provider.ErrPermanent)
	}
	// A file written to during the upload would be stored as a mix of two
	// versions; re-stat and start over instead.
	if err := fu.checkUnchanged("finish"); err != nil {
		if fu.deletedWhole() {
			// Deleted after every byte was read from the unchanged file:
			// the server holds the whole file, so finish and say so
			// instead of reporting that nothing was sent.
			fu.warn("transfer: file deleted after it was sent",
				"the local file was deleted after all of it was sent; the server holds the whole file")
		} else {
			if (fu.t.caps.LastChunkCommits || fu.t.caps.LastChunkStores) && !fu.confirmed.Load() {
				fu.warnTorn()
			}
			return provider.Result{}, err
		}
	}
	changed, err := e.q.Changed(j.ID)
	if err != nil {
		return provider.Result{}, err
	}
	if changed {
		// Re-enqueued meanwhile, but the stat above proves what was sent is
		// current: the queue protocol is to clear the mark and finish.
		if err := e.q.ClearChanged(j.ID); err != nil {
			return provider.Result{}, err
		}
	}
	var res provider.Result
	err = e.request(ctx, "finish", func(actx context.Context, _ func()) error {
		var err error
		res, err = fu.sess.Finish(actx)
		return err
	})
	return res, err
}
