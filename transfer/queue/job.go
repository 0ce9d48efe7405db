package queue

import (
	"log/slog"
	"path"
	"path/filepath"
	"time"
)

// JobID identifies a job; ids grow with creation order.
type JobID uint64

// LogValue logs a job id as the number it is. Without it slog sees a
// named type and formats it through fmt (app/logging's redaction does),
// once for every line that names a job: a few per uploaded file.
func (id JobID) LogValue() slog.Value { return slog.Uint64Value(uint64(id)) }

// State is where a job is in its life.
//
//	queued → running → done
//	running → waiting (retry at NextAttempt) → running …
//	running → failed (needs the user: auth, permanent, too large, quota)
//	any live state → paused → queued;  any live state → cancelled
type State string

const (
	Queued    State = "queued"
	Running   State = "running"
	Waiting   State = "waiting"
	Done      State = "done"
	Failed    State = "failed"
	Paused    State = "paused"
	Cancelled State = "cancelled"
)

// Live reports whether a job in state s still has work ahead of it (it holds
// its target+path key, so a new change to the same file coalesces into it).
func (s State) Live() bool {
	switch s {
	case Queued, Running, Waiting, Paused, Failed:
		return true
	}
	return false
}

// Job is one file to upload to one target.
type Job struct {
	ID     JobID
	Target string // target name from the config
	Origin string // what queued it: "watch:<folder name>", "upload", "drop"

	Root    string // absolute local root (watched folder or the dropped tree's parent)
	RelPath string // slash-separated path below Root, NFC; never "..", never absolute
	// LocalPath is the absolute path to open when the name on disk is not
	// the NFC RelPath (a file named on macOS in NFD, say); "" means
	// Root/RelPath. It always lies below Root.
	LocalPath string
	RemoteDir string // slash-separated remote folder below the target's root ("" = root)
	Conflict  string // provider.ConflictPolicy; "" means the target's default

	// MoveFrom, when set, makes the job a move: the file at RelPath (or,
	// with MoveDir, the folder RelPath as a whole) was at MoveFrom (below
	// the same Root and RemoteDir) when Ferry last uploaded it. The engine
	// moves it on the server instead of uploading it again, or uploads
	// RelPath when it cannot (see transfer's move.go). A new version of
	// the file enqueued onto a move job turns it back into an upload.
	MoveFrom string
	MoveDir  bool

	Size    int64     // bytes at enqueue time
	ModTime time.Time // local mtime at enqueue time

	State       State
	Attempts    int       // failed attempts so far (reset when the file changes)
	NextAttempt time.Time // for Waiting: not before this time
	ErrKind     string    // last error kind ("retryable", "auth", ...), "" if none
	ErrMsg      string    // last error, human-readable, never containing secrets
	Warning     string    // a note that does not stop the job (e.g. "file never settled")

	// Changed is set when the file was enqueued again while the job was
	// Running: the engine's final re-stat must not trust the size and mtime
	// it started with. Claim and ClearChanged reset it; it is always false
	// outside Running (see Queue.Changed for the protocol).
	Changed bool

	// Interrupted is set by crash recovery on a job a dead process left
	// Running: whatever request it had in flight may or may not have
	// reached the server. Claim returns the job with the mark and clears
	// it in the store (a crash after the claim sets it again).
	Interrupted bool

	Created time.Time
	Updated time.Time
}

// RemotePath is the slash-separated path of the file below the target's root.
func (j Job) RemotePath() string { return path.Join(j.RemoteDir, j.RelPath) }

// OnDisk is the local file to read.
func (j Job) OnDisk() string {
	if j.LocalPath != "" {
		return j.LocalPath
	}
	return filepath.Join(j.Root, filepath.FromSlash(j.RelPath))
}

// Key is the coalescing key: one live job per target and remote path.
func (j Job) Key() string { return j.Target + "\x00" + j.RemotePath() }

// Session is a job's upload progress that survives a restart.
type Session struct {
	ChunkSize int64  // the chunk plan the session was begun with
	State     []byte // provider.Session.State() after the last acknowledged chunk
	Acked     []int  // acknowledged chunk indexes, ascending
	Size      int64  // file size the plan was made for
	ModTime   time.Time
}

// Fingerprint records the last good upload of a target+path ("sent" index).
type Fingerprint struct {
	Size     int64
	ModTime  time.Time
	SHA256   []byte // content hash when it was computed, else nil
	RemoteID string
	Uploaded time.Time
}

// HistoryEntry is one finished job (done, failed for good, or cancelled),
// kept in a bounded log, newest last.
type HistoryEntry struct {
	JobID      JobID
	Target     string
	Root       string
	RelPath    string
	RemotePath string // as stored (after a server-side rename)
	Link       string
	Size       int64
	Outcome    State
	ErrMsg     string
	Warning    string
	Finished   time.Time
}
