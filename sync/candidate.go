package sync

import (
	"context"
	"time"
)

// Candidate is a file that is new or changed since its last good upload and
// has settled (or was forced out after Folder.MaxDelay, see Warning).
type Candidate struct {
	Folder  string    // Folder.ID
	Root    string    // Folder.Root
	RelPath string    // slash-separated path below Root, NFC; never absolute, never ".."
	Path    string    // absolute on-disk path to open; differs from Root/RelPath when the name on disk is not NFC
	Size    int64     // at the last stat
	ModTime time.Time // at the last stat
	Warning string    // non-empty when the file never settled, e.g. "file kept changing for 60 s; uploaded as it was then"
	// Refused is non-empty when the file must not be uploaded, with the
	// reason in words for the user: another file in its folder has a name
	// equal to its name in NFC (see twins.go). The app records such a
	// file as a failed job with this message instead of uploading it.
	Refused string
}

// SentIndex tells the watcher what was last uploaded, so unchanged files are
// not handed on again (EXPECTATIONS complaint 11). The app binds one per
// folder (target and remote folder fixed) over the queue's "sent" bucket.
type SentIndex interface {
	// Sent returns the size and mtime of the last good upload of relPath
	// (slash-separated, NFC, relative to the folder root), ok false if the
	// path was never sent. A file is handed on when ok is false or size or
	// mtime (compared with time.Time.Equal) differ. Sent is called
	// concurrently from scan goroutines and the owner goroutine and must be
	// safe for that. An error aborts the running scan: the watcher reports
	// HealthFailed with it and restarts with backoff.
	Sent(relPath string) (size int64, modTime time.Time, ok bool, err error)
}

// SentLister is what a SentIndex may add so that a full scan asks it once
// instead of once per file: SentSnapshot reads every record of the folder
// at once and returns an index that answers from them, exactly as the
// SentIndex itself would answer at that moment (it asks the SentIndex
// again where the records may have changed since). When SentSnapshot
// fails, the scan asks the SentIndex file by file as before.
type SentLister interface {
	SentSnapshot() (SentIndex, error)
}

// EmitFunc receives a batch of Candidates (at most Options.BatchSize), in one
// call per aggregation step, from the watcher's owner goroutine, one call at a
// time. It may block (back-pressure: events wait in the OS queue meanwhile)
// and may keep the slice. A Candidate counts as handed on only when EmitFunc
// returns nil; an error stops the current watch run (HealthFailed, restart
// with backoff, and the restart's scan finds the files again).
type EmitFunc func(ctx context.Context, batch []Candidate) error

// stamp is what the stability gate and the sent check compare.
type stamp struct {
	size  int64
	mtime time.Time
}

func (s stamp) equal(o stamp) bool { return s.size == o.size && s.mtime.Equal(o.mtime) }

// unchangedSince reports whether idx says relPath was uploaded with exactly st.
// A nil index means nothing was ever sent.
func unchangedSince(idx SentIndex, relPath string, st stamp) (bool, error) {
	if idx == nil {
		return false, nil
	}
	size, mtime, ok, err := idx.Sent(relPath)
	if err != nil {
		return false, err
	}
	return ok && st.equal(stamp{size, mtime}), nil
}
