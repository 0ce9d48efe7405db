package selfcommunity

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash"
	"sync"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// md5Follower computes the MD5 of a chunked upload's accepted bytes on a
// goroutine of its own, reading them back from the blob (the page cache)
// behind the requests, so no part waits for its bytes to be hashed and
// done finds the sum (nearly) ready. It runs only for a user whose last
// done sent an md5 (API.followsMD5): a rule will need the sum, and done
// would otherwise hash the whole file while the client waits. For anyone
// else the MD5 is computed only when needed (done.go md5Of, or the store
// on first need). It only ever reads bytes of accepted parts, which are
// never undone, so a refused part needs no hash state restored.
//
// The catch-up goroutine runs only while accepted bytes are unhashed, so
// an upload that is abandoned leaves nothing running.
type md5Follower struct {
	blob *sandbox.Blob

	mu      sync.Mutex
	h       hash.Hash     // written only by the catch-up goroutine
	target  int64         // bytes accepted
	hashed  int64         // bytes in h
	running chan struct{} // closed when the catch-up goroutine ends; nil when none runs
	err     error         // reading the blob failed; the sum is then unknown
}

func newMD5Follower(b *sandbox.Blob) *md5Follower {
	return &md5Follower{blob: b, h: md5.New()}
}

// advance records that the first end bytes of the blob are accepted and
// starts hashing those not hashed yet. Calls come in series (the
// upload's lock); end never decreases.
func (f *md5Follower) advance(end int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.target = max(f.target, end)
	if f.running == nil && f.hashed < f.target && f.err == nil {
		f.running = make(chan struct{})
		go f.catchUp(f.running)
	}
}

// followBufs are the catch-up goroutines' read buffers.
var followBufs = sync.Pool{New: func() any { b := make([]byte, followBuf); return &b }}

// followBuf is the size of a pooled read buffer; a catch-up that starts
// with fewer bytes to hash reads them into a buffer of their size (a
// small file's part must not hold a MiB: a curl baseline of 20,000 files
// sends every part before any done, and each part has its catch-up).
const followBuf = 1 << 20

// catchUp hashes accepted bytes until none are left, then closes done.
func (f *md5Follower) catchUp(done chan struct{}) {
	defer close(done)
	f.mu.Lock()
	need := f.target - f.hashed
	f.mu.Unlock()
	var buf []byte
	if need < followBuf/16 {
		buf = make([]byte, need)
	} else {
		bufp := followBufs.Get().(*[]byte)
		defer followBufs.Put(bufp)
		buf = *bufp
	}
	for {
		f.mu.Lock()
		from, to := f.hashed, f.target
		if from >= to || f.err != nil {
			f.running = nil
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
		n := int(min(to-from, int64(len(buf))))
		err := f.read(buf[:n], from)
		f.mu.Lock()
		if err != nil {
			f.err = err
		} else {
			f.hashed += int64(n)
		}
		f.mu.Unlock()
	}
}

// read fills p from the blob at off and hashes it.
func (f *md5Follower) read(p []byte, off int64) error {
	if err := f.blob.HashAt(f.h, p, off); err != nil {
		return fmt.Errorf("hash accepted bytes at %d: %w", off, err)
	}
	return nil
}

// sum waits until every accepted byte is hashed and returns the hex MD5.
func (f *md5Follower) sum() (string, error) {
	for {
		f.mu.Lock()
		ch, err := f.running, f.err
		if ch == nil {
			defer f.mu.Unlock()
			if err != nil {
				return "", err
			}
			return hex.EncodeToString(f.h.Sum(nil)), nil
		}
		f.mu.Unlock()
		<-ch
	}
}
