package transfer

import (
	"bytes"
	"errors"
	"hash"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/ferry-sync/ferry/transfer/contentsum"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// Content hashes: a file saved again with the same bytes (an editor's
// "save", a tool that rewrites what it read) gets a new mtime and would be
// uploaded again, and a server or a rename policy that keeps same-name
// files makes "name (1)" of it. The engine keeps the content hash of what
// it sent in the sent index (queue.Fingerprint.SHA256, package
// contentsum: BLAKE3 or SHA-256, tagged) and, when a later
// version has the same size but another mtime, hashes the file first and
// skips the upload when the bytes are the same (as Nextcloud and Syncthing
// do). Both costs are small: the hash of an upload is taken from the bytes
// the chunks read anyway, and a file is hashed ahead only when its size
// matches what was sent and its mtime does not.

// seqHash hashes a file from the chunk reads, as long as they arrive in
// file order (one chunk at a time: the usual case, and always for small
// files). Bytes read out of order, or read again for a resend, are not
// fed; an upload whose bytes were not all fed in order (parallel chunks,
// a resumed session) ends without a hash, and its fingerprint has none.
//
// The first asyncHashFrom bytes are hashed in line. Beyond them the bytes
// are copied into blocks that a hasher goroutine hashes beside the upload:
// SHA-256 costs about 0.6 CPU s per GiB even with the CPU's SHA
// instructions, a third of a big upload's CPU, and on the upload's path
// it made a 1 GiB upload half as slow again as curl's. The owner calls
// close when the upload ends, whatever the outcome, so the goroutine ends.
type seqHash struct {
	mu   sync.Mutex
	algo contentsum.Algo
	h    hash.Hash
	next int64 // the offset of the next byte the hash expects

	blk    []byte        // the block being filled, once the hasher runs
	work   chan []byte   // full blocks for the hasher, in order; nil until it runs
	free   chan []byte   // blocks the hasher is done with
	made   int           // blocks made for this hasher run, at most hashBlocks
	idle   chan struct{} // closed when the hasher has hashed its last block
	closed bool          // close ran: nothing more is fed
}

const (
	asyncHashFrom = 1 << 20   // bytes hashed in line before the hasher takes over
	hashBlock     = 256 << 10 // bytes per block handed to the hasher
	hashQueue     = 4         // full blocks waiting at most (then feed waits)
	// hashBlocks is every block one hasher run uses: the queued ones, the
	// one being hashed and the one being filled. They go round between
	// feed and the hasher, so a big upload allocates 1.5 MiB for its hash
	// whatever its size (a block made whenever none was free at that
	// instant came to 41 MB per GiB, and the collector's cycles raised
	// the peak RSS of a 1 GiB upload by a third over a 128 MiB one).
	hashBlocks = hashQueue + 2
)

func newSeqHash() *seqHash {
	a := contentsum.Preferred()
	return &seqHash{algo: a, h: a.New()}
}

// feed offers the bytes p read at offset off. It may wait while the
// hasher is hashQueue blocks behind.
func (s *seqHash) feed(off int64, p []byte) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if off != s.next || s.closed {
		return
	}
	s.next += int64(len(p))
	if s.work == nil && s.next <= asyncHashFrom {
		s.h.Write(p) // hash.Hash.Write never fails
		return
	}
	if s.work == nil {
		s.start()
	}
	for len(p) > 0 {
		if s.blk == nil {
			s.blk = s.freeBlock()
		}
		n := copy(s.blk[len(s.blk):cap(s.blk)], p)
		s.blk, p = s.blk[:len(s.blk)+n], p[n:]
		if len(s.blk) == cap(s.blk) {
			s.work <- s.blk
			s.blk = nil
		}
	}
}

// freeBlock returns an empty block to fill: one the hasher is done with,
// a new one while fewer than hashBlocks were made, else the next one the
// hasher frees (it holds at least one then). Caller holds s.mu.
func (s *seqHash) freeBlock() []byte {
	select {
	case b := <-s.free:
		return b[:0]
	default:
	}
	if s.made < hashBlocks {
		s.made++
		return make([]byte, 0, hashBlock)
	}
	return (<-s.free)[:0]
}

// start runs the hasher. Caller holds s.mu.
func (s *seqHash) start() {
	// free holds every block there is, so the hasher never waits on it.
	s.work, s.free, s.made, s.idle = make(chan []byte, hashQueue), make(chan []byte, hashBlocks), 0, make(chan struct{})
	go func(h hash.Hash, work <-chan []byte, free chan<- []byte, idle chan<- struct{}) {
		defer close(idle)
		for b := range work {
			h.Write(b)
			free <- b
		}
	}(s.h, s.work, s.free, s.idle)
}

// drain hands the last block to the hasher, stops it and waits until it
// has hashed everything (a later feed starts it again). Caller holds s.mu.
func (s *seqHash) drain() {
	if s.work == nil {
		return
	}
	if len(s.blk) > 0 {
		s.work <- s.blk
		s.blk = nil
	}
	close(s.work)
	s.work = nil
	<-s.idle
}

// close stops the hasher, if it runs, and releases the hash; the
// upload's hash is not wanted (it failed) or was taken. Safe to call more
// than once.
func (s *seqHash) close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drain()
	if !s.closed {
		contentsum.Release(s.h)
		s.h = nil
	}
	s.closed = true
}

// sum is the file's content sum when all size bytes were fed so far,
// else nil (always nil after close).
func (s *seqHash) sum(size int64) []byte {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drain()
	if s.closed || s.next != size {
		return nil
	}
	return s.algo.Sum(s.h)
}

// hashFile is the stored content sum, taken with a, of f's first size
// bytes, read from offset 0 (f's own offset is left alone); a file
// shorter than size is an error.
func hashFile(a contentsum.Algo, f *os.File, size int64) ([]byte, error) {
	sum, n, err := contentsum.Reader(a, io.NewSectionReader(f, 0, size))
	if err != nil {
		return nil, err
	}
	if n != size {
		return nil, errFileChanged
	}
	return sum, nil
}

// errSameContent is upload's outcome for a file whose bytes equal the
// last upload's: nothing is sent, and settle records it as done.
var errSameContent = errors.New("the content is the same as the last upload")

// sameAsSent reports whether the file f (stat fi) holds exactly the bytes
// last sent to the job's remote path, by the sent index's hash (rec's
// record, read from the queue); it hashes f only when the size matches. Returns the hash it took (nil when it
// took none).
//
// An unchanged mtime means the watcher did not ask, the user did (`ferry
// upload`, a drop): such a job is uploaded as asked. A watcher's job for a
// file whose size and mtime equal the sent record is a race instead: the
// watcher handed on the version an upload was just recording (a rescan
// that read the sent index before that upload finished). Uploading it
// again would store a second copy where a service keeps same-name files,
// so it is settled as sent: after a hash comparison where the record has
// a hash (an edit that kept the mtime is still uploaded), and on the
// watcher's own rule (same size and mtime: unchanged) where it has none.
func (e *Engine) sameAsSent(j queue.Job, f *os.File, fi os.FileInfo, rec queue.UploadRecords) (bool, []byte) {
	fp, ok, err := rec.Sent, rec.SentOK, rec.SentErr
	if err != nil || !ok || fp.Size != fi.Size() {
		return false, nil
	}
	sameStamp := fp.ModTime.Equal(fi.ModTime())
	if sameStamp && !fromWatcher(j) {
		return false, nil
	}
	algo, ok := contentsum.Of(fp.SHA256)
	if !ok {
		return sameStamp, nil
	}
	// The record's algorithm, whichever is preferred now: a record written
	// before BLAKE3 is compared by SHA-256.
	sum, err := hashFile(algo, f, fi.Size())
	if err != nil {
		return false, nil // the upload reads it again and says what is wrong
	}
	return bytes.Equal(sum, fp.SHA256), sum
}

// fromWatcher reports whether a folder watcher queued j (Job.Origin
// "watch:<folder>").
func fromWatcher(j queue.Job) bool { return strings.HasPrefix(j.Origin, "watch:") }
