package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// maxMoveAttempts is how many times a move failing with a retryable error
// is tried before the engine uploads the new path instead.
const maxMoveAttempts = 3

// workMove runs a move job (Job.MoveFrom set): a file or folder Ferry
// uploaded was renamed or moved inside its watched folder. When the
// target's provider is a provider.Mover and the sent index holds the
// file's remote id, the server moves it (no second upload) and the sent
// record is re-keyed to the new path in the transaction that ends the job.
// Otherwise, and when the move fails for good, the job becomes an upload
// of the new path with a warning saying so (the old copy stays on the
// server: deletes are not mirrored). A folder the server cannot move as a
// whole (or whose server folder holds files Ferry did not upload) is
// split into one move job per file Ferry knows below it.
//
// Crash safety: the move is a single request keeping the item's id; a
// crash after the server moved the item but before FinishMove leaves the
// job queued, and its second try moves the same id again (Quatrix, where
// the file is addressed by id) or finds it gone from the old place and
// falls back to an upload.
func (e *Engine) workMove(ctx context.Context, a *active) {
	j := a.job
	t, err := e.targets.get(ctx, j.Target)
	if err != nil {
		e.settle(ctx, a, provider.Result{}, nil, &configError{err})
		return
	}
	e.poke()
	mv, ok := t.p.(provider.Mover)
	if j.MoveDir {
		e.moveFolder(ctx, a, mv, ok)
		return
	}
	old := j.OldRemotePath()
	if !ok {
		e.moveFallback(ctx, a, fmt.Sprintf("renamed from %s; %s cannot move files on the server, so it was uploaded again under the new name (the old copy stays)", j.MoveFrom, t.p.Kind()))
		return
	}
	fp, found, err := e.q.Sent(j.Target, old)
	if err != nil || !found || fp.RemoteID == "" {
		e.moveFallback(ctx, a, fmt.Sprintf("renamed from %s, which Ferry has no record of uploading; uploaded under the new name", j.MoveFrom))
		return
	}
	fi, err := os.Stat(localPath(j))
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != fp.Size || !fi.ModTime().Equal(fp.ModTime) {
		e.moveFallback(ctx, a, fmt.Sprintf("renamed from %s and changed since its upload; uploaded under the new name", j.MoveFrom))
		return
	}
	res, err := mv.Move(ctx, provider.Move{
		RemoteID: fp.RemoteID, FromDir: segments(path.Dir(old)), FromName: path.Base(old),
		ToDir: remoteDir(j), ToName: path.Base(j.RelPath), ModTime: fp.ModTime, Size: fp.Size,
	})
	if err != nil {
		e.moveFailed(ctx, a, err)
		return
	}
	e.finishMove(a, res, fp.Size, res.RemoteID)
}

// moveFolder moves folder job a as a whole, or splits it into file jobs.
func (e *Engine) moveFolder(ctx context.Context, a *active, mv provider.Mover, canMove bool) {
	j := a.job
	old := j.OldRemotePath()
	owned := map[string]bool{}
	var files []string // remote paths below old, relative to it
	err := e.q.SentAll(j.Target, func(p string, fp queue.Fingerprint) error {
		if tail, ok := strings.CutPrefix(p, old+"/"); ok {
			files = append(files, tail)
			if fp.RemoteID != "" {
				owned[fp.RemoteID] = true
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, queue.ErrCorrupt) {
		e.settle(ctx, a, provider.Result{}, nil, err)
		return
	}
	why := "the service cannot move folders"
	if canMove {
		res, err := mv.Move(ctx, provider.Move{
			Folder: true, FromDir: segments(path.Dir(old)), FromName: path.Base(old),
			ToDir: remoteDir(j), ToName: path.Base(j.RelPath), Owned: func(id string) bool { return owned[id] },
		})
		if err == nil {
			e.finishMove(a, res, 0, "")
			return
		}
		if cause := context.Cause(ctx); cause != nil {
			e.settle(ctx, a, provider.Result{}, nil, err)
			return
		}
		if kind, _ := provider.Classify(err); kind == provider.ErrRetryable && (j.Attempts+1 < maxMoveAttempts || unreachable(err)) {
			e.settle(ctx, a, provider.Result{}, nil, err)
			return
		}
		why = err.Error()
	}
	// File by file: each becomes its own move job (or upload).
	jobs := make([]queue.Job, 0, len(files))
	for _, tail := range files {
		nj := queue.Job{
			Target: j.Target, Origin: j.Origin, Root: j.Root, RemoteDir: j.RemoteDir, Conflict: j.Conflict,
			RelPath: path.Join(j.RelPath, tail), MoveFrom: path.Join(j.MoveFrom, tail),
		}
		fi, err := os.Stat(nj.OnDisk())
		if err != nil || !fi.Mode().IsRegular() {
			continue // no longer there: nothing to move or upload
		}
		nj.Size, nj.ModTime = fi.Size(), fi.ModTime()
		jobs = append(jobs, nj)
	}
	if _, err := e.Enqueue(jobs...); err != nil {
		e.settle(ctx, a, provider.Result{}, nil, err)
		return
	}
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	warn := fmt.Sprintf("folder renamed from %s; moved file by file (%d files): %s", j.MoveFrom, len(jobs), why)
	if err := e.q.Finish(j.ID, queue.HistoryEntry{Outcome: queue.Done, Warning: warn}, nil); err != nil {
		e.queueError(e.opts.Log, "finish folder move", err)
	}
	done := j
	done.State, done.Warning = queue.Done, warn
	e.publishJob(done, j.RemotePath(), "")
}

// moveFailed decides after a failed file move: the causes and retryable
// errors go through settle (a retry), anything else uploads the new path.
func (e *Engine) moveFailed(ctx context.Context, a *active, err error) {
	if context.Cause(ctx) != nil {
		e.settle(ctx, a, provider.Result{}, nil, err)
		return
	}
	kind, _ := provider.Classify(err)
	// A server out of reach says nothing about the move: it waits for the
	// server (see Outage) instead of using up the move's attempts.
	if (kind == provider.ErrRetryable || kind == provider.ErrAuth) && (a.job.Attempts+1 < maxMoveAttempts || unreachable(err)) {
		e.settle(ctx, a, provider.Result{}, nil, err)
		return
	}
	e.moveFallback(ctx, a, fmt.Sprintf("renamed from %s; the server could not move it (%v), so it was uploaded again under the new name", a.job.MoveFrom, err))
}

// moveFallback turns file move job a into an upload of its new path, with
// warning as its note, and announces it queued.
func (e *Engine) moveFallback(ctx context.Context, a *active, warning string) {
	if context.Cause(ctx) != nil {
		e.settle(ctx, a, provider.Result{}, nil, context.Cause(ctx))
		return
	}
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	j := a.job
	if err := e.q.MoveFailed(j.ID, warning); err != nil {
		e.queueError(e.opts.Log, "fall back to upload", err)
	}
	e.opts.Log.Info("transfer: move became an upload", "job", j.ID, "target", j.Target, "path", j.RelPath, "why", warning)
	e.publishID(j.ID, j, queue.Queued)
	e.poke()
}

// finishMove records a completed server-side move.
func (e *Engine) finishMove(a *active, res provider.Result, size int64, remoteID string) {
	e.serverReached(a.job.Target)
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	j := a.job
	remote := res.RemotePath
	if remote == "" {
		remote = j.RemotePath()
	}
	note := "moved on the server from " + j.MoveFrom + " (not uploaded again)"
	entry := queue.HistoryEntry{Outcome: queue.Done, RemotePath: remote, Link: res.Link, Size: size, Warning: note}
	if err := e.q.FinishMove(j.ID, entry, remoteID); err != nil {
		e.queueError(e.opts.Log, "finish move", err)
	}
	e.opts.Log.Info("transfer: moved on the server", "job", j.ID, "target", j.Target, "from", j.MoveFrom, "to", remote)
	done := j
	done.State, done.Warning = queue.Done, note
	e.publishJob(done, remote, res.Link)
	if cur, err := e.q.Get(j.ID); err == nil {
		e.publishJob(cur, "", "") // changed during the move: now an upload
	}
}

// segments splits a slash path into its non-empty segments ("." is none).
func segments(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" && s != "." {
			out = append(out, s)
		}
	}
	return out
}
