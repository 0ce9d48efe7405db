package transfer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// A file is sent again when an earlier attempt's outcome is unknown. With a
// service that stores the file with its last chunk and cannot be asked
// afterwards (provider.Capabilities.LastChunkCommits), that resend may
// leave two copies. Ferry prefers a second copy to a lost file, and says so
// on the job: the warning reaches the history, the window and the command
// line, and the log line names the file.

// MaybeTwiceNote ends the warning left on a job that was sent again while
// an earlier attempt may have stored it.
const MaybeTwiceNote = "the server may hold it twice"

// interruptedAtLast reports whether a crash may have cut off the storing
// request of session s: the job was recovered from Running, the provider
// stores the file with its last chunk, and every chunk but the last had
// been acknowledged (for a one-chunk file: none).
func interruptedAtLast(j queue.Job, caps provider.Capabilities, s queue.Session) bool {
	if !j.Interrupted || !caps.LastChunkCommits || s.ChunkSize <= 0 {
		return false
	}
	u := provider.Upload{Size: s.Size, ChunkSize: s.ChunkSize}
	return len(s.Acked) >= u.Chunks()-1
}

// interruptedUnsaved reports whether job j, found with no saved session,
// was left running by a process that died while the one request of a
// one-chunk file may have been on its way: a provider whose Begin sends
// nothing has no session saved before that request (see
// provider.Capabilities.BeginNeedsNoSave), so the job's Interrupted mark
// is all there is to go by. It errs towards the warning: a process that
// died before sending anything gives it too, as a session saved after
// Begin did.
func interruptedUnsaved(j queue.Job, caps provider.Capabilities, u provider.Upload) bool {
	return j.Interrupted && caps.LastChunkCommits && caps.BeginNeedsNoSave && u.Chunks() == 1
}

// warnMaybeStored records on the job that the server may now hold the file
// twice, and why.
func (fu *fileUpload) warnMaybeStored(why string) {
	fu.warn("transfer: file may be stored twice",
		fmt.Sprintf("sent again because %s; %s cannot be asked whether that attempt stored the file, so %s", why, fu.t.p.Kind(), MaybeTwiceNote),
		"why", why)
}

// warnTorn records on the job that the copy a LastChunkCommits service
// stored may mix two versions: the file changed after the check before its
// last chunk, so the stored bytes may be old ones followed by new ones.
// The new version is uploaded as usual; the service offers no call to
// remove the suspect copy, so the user is told where it is.
func (fu *fileUpload) warnTorn() {
	fu.warn("transfer: stored copy may mix two versions",
		fmt.Sprintf("the file changed while its last chunk was sent: the copy %s stored then may mix two versions; the new version is sent as well", fu.t.p.Kind()))
}

// warn logs msg (with the job, target, path and attrs) and stores w as the
// job's warning. A failure to store it is logged, never returned: the
// upload itself is unaffected.
func (fu *fileUpload) warn(msg, w string, attrs ...any) {
	j := fu.a.job
	fu.e.opts.Log.Warn(msg, append([]any{"job", j.ID, "target", j.Target, "path", j.RelPath}, attrs...)...)
	if err := fu.e.q.SetWarning(j.ID, w); err != nil {
		fu.e.opts.Log.Error("transfer: set warning", "job", j.ID, "err", err)
	}
}

// waitQuiet waits until the local file's planned mtime is CommitQuiet old
// (at most CommitQuiet, so a clock skewed into the future cannot hold the
// upload), so that the request that stores the file does not read a file
// that is still being written. A change meanwhile is then caught by the
// caller's checkUnchanged. It returns ctx's error if ctx ends first.
func (fu *fileUpload) waitQuiet(ctx context.Context) error {
	quiet := fu.e.opts.CommitQuiet
	age := fu.e.opts.Now().Sub(fu.u.ModTime)
	if age >= quiet {
		return nil
	}
	wait := quiet - max(age, 0)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maybeStored reports whether err ends a session whose storing request may
// have reached the server (provider.ErrMaybeStored).
func maybeStored(err error) bool { return errors.Is(err, provider.ErrMaybeStored) }

// vanishedGrace is how many attempts a job claimed Interrupted waits for
// its missing file to come back before it is cancelled (see
// vanishedMayReturn).
const vanishedGrace = 3

// vanishedInterruptedNote is the history warning of a job cancelled
// because its file vanished after a process died while sending it.
const vanishedInterruptedNote = "Ferry stopped while this file was being sent, and the file is gone now: the server may hold the copy that was under way"

// vanishedMayReturn reports whether an attempt that found job j's file
// missing (kind) waits for it instead of cancelling the job: the job was
// claimed Interrupted, so a request of the process that died may have
// stored the file, and only the saved session and that mark let the next
// attempt recognise or announce it. A file is missing for a moment when
// its folder is moved away and back, or a tool deletes it before writing
// it anew; cancelled then, the file would come back as a new job that
// knows nothing of the copy that may be stored, and upload it again in
// silence. After vanishedGrace attempts the job is cancelled, with a
// warning that the server may hold a copy.
func vanishedMayReturn(j queue.Job, kind string) bool {
	return kind == KindVanished && j.Interrupted && j.Attempts < vanishedGrace
}
