// Package provider defines the contract between the transfer engine and the
// four upload services, the value types that cross it, and the error kinds
// with the one classifier that decides what the engine does after a failure.
//
// A provider only speaks its service's API. The engine owns chunking,
// concurrency, retries, rate limits, persistence and progress; one generic
// chunk loop (package transfer) drives every provider through this interface.
package provider

import (
	"context"
	"io"
	"time"
)

// Provider is one configured target: a service kind with its base URL,
// credentials and settings already bound. It is safe for concurrent use by
// many uploads at once.
type Provider interface {
	// Kind names the service: "quatrix", "twake", "filesro" or "selfcommunity".
	Kind() string

	// Capabilities tells the engine how it may chunk and schedule uploads.
	// It is constant for the life of the Provider.
	Capabilities() Capabilities

	// Begin starts a new upload session on the server (creating missing
	// remote folders first where the service needs it). Nothing is
	// transferred yet. Errors carry a kind (see Classify).
	Begin(ctx context.Context, u Upload) (Session, error)

	// Resume reattaches to a session whose State was persisted by an earlier
	// run (after a crash, a quit or a retry). It returns an error wrapping
	// ErrSessionGone when the server no longer knows the session, or when the
	// service cannot resume at all; in both cases the provider first cleans up
	// what the old session left behind (best effort), and the engine then
	// calls Begin and restarts the file from byte 0.
	Resume(ctx context.Context, u Upload, state []byte) (Session, error)
}

// Session is one file's upload in progress. The engine calls PutChunk for
// every chunk (concurrently only when Capabilities.ParallelChunks), then
// Finish once; or Abort instead of Finish when it gives up.
type Session interface {
	// State returns the opaque bytes that let Resume reattach to this
	// session. The engine persists it after every acknowledged chunk, so it
	// must reflect exactly the chunks acknowledged so far. It never contains
	// secrets (no tokens, passwords or keys): it is stored in the queue file.
	State() []byte

	// PutChunk sends one chunk. body yields exactly c.Size bytes and may be
	// rewound with Seek to resend them. A nil return means the server has
	// acknowledged the chunk durably. PutChunk is safe to repeat for the same
	// chunk after a failure: the provider makes a repeat harmless or returns
	// an error wrapping ErrSessionGone so the engine restarts the file.
	PutChunk(ctx context.Context, c Chunk, body io.ReadSeeker) error

	// Finish completes the upload after every chunk was acknowledged and
	// verifies the server's view (size, chunk count, checksum where the API
	// gives one). A mismatch is an error, never a silent success.
	Finish(ctx context.Context) (Result, error)

	// Abort cleans up server-side leftovers (placeholders, partial files) on
	// a best-effort basis. It never deletes a file that existed before this
	// session started (an interrupted overwrite keeps the original).
	Abort(ctx context.Context) error
}

// Capabilities describes what a provider's API allows.
type Capabilities struct {
	// MinChunkSize and MaxChunkSize bound the chunk size the engine may pick;
	// DefaultChunkSize is used when the target does not override it.
	// Every chunk but the last has exactly the chosen size.
	MinChunkSize, MaxChunkSize, DefaultChunkSize int64

	// LargeFileChunkSize, when not 0, replaces DefaultChunkSize for files
	// of more than LargeFileSize bytes. It is for services whose own
	// client uses small parts and never sends large files: their small
	// files keep the size the server is known to take, and large ones are
	// not held to a round trip per small part. A target's configured
	// chunk size overrides both, and a size refused with 413 lowers both.
	LargeFileSize, LargeFileChunkSize int64

	// ParallelChunks means chunks of one file may be sent concurrently and in
	// any order; MaxParallelChunks bounds that concurrency (0 = no bound).
	ParallelChunks    bool
	MaxParallelChunks int

	// Resumable means Resume can continue a session after a restart, so
	// only unacknowledged chunks are sent again.
	Resumable bool

	// LastChunkCommits means the request carrying the last chunk stores the
	// file (there is no separate finishing call to repeat) and the service
	// cannot be asked afterwards whether it did. When a process died while
	// such an upload's last chunk could have been in flight, the engine
	// sends the file again and warns that the server may hold it twice.
	LastChunkCommits bool

	// LastChunkStores means the request carrying the last chunk makes the
	// file visible on the server (SelfCommunity sends its done call inside
	// the last part), but, unlike LastChunkCommits, the provider recognises
	// its own stored upload after a restart, so nothing is sent again
	// blindly. The engine still treats that chunk as the commit: it waits
	// for the file to be quiet and re-checks it before sending it, and
	// warns when the file changed while it was sent (the stored copy may mix
	// two versions).
	LastChunkStores bool

	// MaxFileSize is the largest file the target accepts; 0 means unknown.
	MaxFileSize int64

	// Folders says how the remote folder path is recreated.
	Folders FolderModel

	// Conflicts lists the conflict policies the provider implements; the
	// engine refuses others with a permanent error before starting.
	Conflicts []ConflictPolicy

	// SameNameCopies says that under ConflictRename the service keeps both
	// files under the SAME name (it neither renames nor refuses): the
	// second upload of a name makes a second file called that name
	// (files.ro). Result.RemoteName is then the name sent.
	SameNameCopies bool

	// BeginNeedsNoSave means a session with no chunk acknowledged holds
	// nothing Resume needs and nothing a restart must clean up with it:
	// Begin sends nothing and leaves nothing on the server (files.ro), or
	// the provider itself removes what an earlier Begin
	// of the same upload left when the engine begins it again (Twake's
	// pending records). The engine then persists State only once a chunk is
	// acknowledged (or a Checkpoint asks), which spares a small file one
	// queue commit. A process that dies before that begins the file again;
	// under LastChunkCommits the engine then warns, for a one-chunk file,
	// as it does for an interrupted last chunk.
	BeginNeedsNoSave bool

	// SaveBeforeFinish asks the engine to persist State after the last
	// chunk too, before Finish. It is for services whose finish call
	// stores the file and cannot be looked up afterwards: the state then
	// lets a resumed session recognise a finish the server performed
	// while its answer was lost, instead of uploading a second copy.
	SaveBeforeFinish bool

	// IncompleteChunkNotStored means the server stores a chunk only once
	// its whole body arrived: a request cut short, even one byte before its
	// end, stores nothing. For chunks sent in series the engine then saves
	// a chunk's acknowledgement while it already sends the next chunk,
	// holding back that chunk's last byte until the save is durable, so a
	// chunk can be on the server only once the one before it is recorded,
	// exactly as when the save ran before the next chunk began. It spares a
	// queue commit's wait per chunk (two fdatasyncs, 5-15 ms while the disk
	// is busy).
	IncompleteChunkNotStored bool
}

// FolderModel is how a service represents the remote folder path.
type FolderModel int

const (
	// FoldersNone: the service has no folders (the path may go into a
	// message or the name, per target settings).
	FoldersNone FolderModel = iota
	// FoldersClientCreated: the client resolves and creates each level.
	FoldersClientCreated
	// FoldersServerCreated: the server creates folders from a path field.
	FoldersServerCreated
)

// ConflictPolicy says what happens when the remote name already exists.
type ConflictPolicy string

const (
	// ConflictRename keeps both: the server (or provider) picks "name(1).ext".
	ConflictRename ConflictPolicy = "rename"
	// ConflictOverwrite replaces the remote content, keeping its identity
	// where the API allows (same file id).
	ConflictOverwrite ConflictPolicy = "overwrite"
	// ConflictSkip leaves the remote file alone; Begin returns ErrConflict.
	ConflictSkip ConflictPolicy = "skip"
)

// Upload describes one file to send. Dir and Name are already validated and
// NFC-normalised; they never contain "." or ".." segments or separators.
type Upload struct {
	// Dir is the remote folder as path segments below the target's root
	// (the target's remote folder followed by the file's relative folder).
	Dir []string
	// Name is the remote file name.
	Name string
	// RelPath is the path relative to the watched folder or dropped tree,
	// slash-separated, for services that have no folders (messages, names).
	RelPath string
	// Size is the exact number of bytes the chunks will carry.
	Size int64
	// ModTime is the local modification time, sent where the API takes one.
	ModTime time.Time
	// ChunkSize is the size of every chunk but the last, chosen by the engine
	// within Capabilities bounds. A resumed session gets the same value.
	ChunkSize int64
	// Conflict is the policy for an existing remote name.
	Conflict ConflictPolicy
}

// Chunks is the number of chunks the upload is cut into (at least 1: a
// zero-byte file is one empty chunk).
func (u Upload) Chunks() int {
	if u.Size <= 0 || u.ChunkSize <= 0 {
		return 1
	}
	return int((u.Size + u.ChunkSize - 1) / u.ChunkSize)
}

// Chunk returns the i-th chunk (0-based) of the upload's plan.
func (u Upload) Chunk(i int) Chunk {
	n := u.Chunks()
	off := int64(i) * u.ChunkSize
	size := u.ChunkSize
	if i == n-1 {
		size = u.Size - off
	}
	if u.Size <= 0 {
		off, size = 0, 0
	}
	return Chunk{Index: i, Offset: off, Size: size, Total: n, Last: i == n-1}
}

// Chunk is one piece of a file: bytes [Offset, Offset+Size) of the local file.
type Chunk struct {
	Index  int   // 0-based position in the plan
	Offset int64 // first byte
	Size   int64 // number of bytes (0 only for the single chunk of an empty file)
	Total  int   // number of chunks in the plan
	Last   bool  // Index == Total-1
}

// Result is what the server reports for a finished upload.
type Result struct {
	RemoteID   string // the service's id of the file
	RemoteName string // the final name (it differs from Upload.Name after a rename)
	RemotePath string // slash-separated folder path and name as stored, where known
	Link       string // a URL a person can open, when the service gives one
	Size       int64  // size the server reports

	// Recorded, when not nil, is called by the engine once the upload is
	// durably recorded as done (the queue's finish commit), and never when
	// that record failed. A provider keeps what lets a restart clean up
	// after a crash between its Finish and that commit (Twake's pending
	// record, when no session was saved: Capabilities.BeginNeedsNoSave)
	// until then, and drops it here.
	Recorded func()
}
