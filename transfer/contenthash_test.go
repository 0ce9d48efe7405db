package transfer

import (
	"bytes"
	"crypto/sha256"
	"hash"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/contentsum"
	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// TestResavedSameContentNotSentAgain: a file saved again with the same
// bytes (new mtime) is not uploaded again; the sent index moves to the new
// mtime; a file saved with other bytes of the same size is uploaded. The
// hash recorded is that of the bytes sent, taken while reading the chunks.
func TestResavedSameContentNotSentAgain(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 1024, DefaultChunkSize: 4096, Resumable: true}}, TargetSettings{}, fastOpts())
	r.run()
	data := randBytes(9, 10_000) // three chunks, read in order
	j := r.file("doc.txt", data)
	r.wait(r.enqueue(j)...)
	fp, ok, err := r.q.Sent("fake", "up/doc.txt")
	if err != nil || !ok {
		t.Fatalf("sent index: %v %v", ok, err)
	}
	want := preferredSum(data)
	if string(fp.SHA256) != string(want[:]) {
		t.Fatalf("sent index hash %x, want %x", fp.SHA256, want)
	}
	begins := r.okCalls(fakeprovider.OpBegin)

	// Saved again, same bytes, a new mtime.
	j = r.resaved(j)
	ids := r.enqueue(j)
	r.wait(ids...)
	if n := r.okCalls(fakeprovider.OpBegin); n != begins {
		t.Fatalf("same content uploaded again (%d begins, want %d)", n, begins)
	}
	if h := r.history()[ids[0]]; !strings.Contains(h.Warning, "same content") {
		t.Errorf("history does not say why nothing was sent: %+v", h)
	}
	fp2, _, _ := r.q.Sent("fake", "up/doc.txt")
	if !fp2.ModTime.Equal(j.ModTime) || string(fp2.SHA256) != string(want[:]) {
		t.Errorf("sent index not moved to the new mtime: %+v", fp2)
	}

	// Same size, other bytes: uploaded.
	other := randBytes(10, 10_000)
	j = r.file("doc.txt", other)
	ids = r.enqueue(j)
	r.wait(ids...)
	if n := r.okCalls(fakeprovider.OpBegin); n != begins+1 {
		t.Fatalf("changed content not uploaded (%d begins, want %d)", n, begins+1)
	}
	h := r.history()[ids[0]]
	if got, _, _ := r.fake.Data(h.RemotePath); string(got) != string(other) {
		t.Fatalf("server does not hold the new content at %s", h.RemotePath)
	}
}

func TestSeqHashOutOfOrder(t *testing.T) {
	s := newSeqHash()
	s.feed(5, []byte("world"))
	s.feed(0, []byte("hello"))
	if s.sum(10) != nil {
		t.Fatal("a hash with a gap claimed complete")
	}
	s.feed(0, []byte("hello")) // a resend: ignored
	s.feed(5, []byte("world"))
	want := preferredSum([]byte("helloworld"))
	if string(s.sum(10)) != string(want[:]) {
		t.Fatal("wrong hash")
	}
}

// TestWatcherJobForSentVersionNotSentAgain: a watcher may hand on the very
// version an upload is recording (its scan read the sent index just before
// that upload finished, and the upload's job was gone when the candidate
// was queued): the engine settles that job as sent instead of storing a
// second copy. The user's own request for an unchanged file is uploaded
// as asked, and a watcher's job whose bytes differ although the size and
// mtime were kept is uploaded too.
func TestWatcherJobForSentVersionNotSentAgain(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 1024, DefaultChunkSize: 4096, Resumable: true}}, TargetSettings{}, fastOpts())
	r.run()
	data := randBytes(11, 5_000)
	j := r.file("a.txt", data)
	j.Origin = "watch:docs"
	r.wait(r.enqueue(j)...)
	begins := r.okCalls(fakeprovider.OpBegin)

	ids := r.enqueue(j) // the same version, from the watcher again
	r.wait(ids...)
	if n := r.okCalls(fakeprovider.OpBegin); n != begins {
		t.Fatalf("a version already sent was uploaded again (%d begins, want %d)", n, begins)
	}
	if h := r.history()[ids[0]]; h.Outcome != queue.Done || !strings.Contains(h.Warning, "already uploaded") {
		t.Errorf("history does not say the version was already uploaded: %+v", h)
	}

	asked := j
	asked.Origin = "upload"
	r.wait(r.enqueue(asked)...)
	if n := r.okCalls(fakeprovider.OpBegin); n != begins+1 {
		t.Fatalf("the user's upload of an unchanged file was not sent (%d begins, want %d)", n, begins+1)
	}

	// Other bytes, same size, the mtime put back: uploaded.
	other := randBytes(12, 5_000)
	p := filepath.Join(r.root, "a.txt")
	if err := os.WriteFile(p, other, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, j.ModTime, j.ModTime); err != nil {
		t.Fatal(err)
	}
	ids = r.enqueue(j)
	r.wait(ids...)
	if n := r.okCalls(fakeprovider.OpBegin); n != begins+2 {
		t.Fatalf("new bytes under a kept mtime were not uploaded (%d begins, want %d)", n, begins+2)
	}
	h := r.history()[ids[0]]
	if got, _, _ := r.fake.Data(h.RemotePath); string(got) != string(other) {
		t.Fatalf("server does not hold the new content at %s", h.RemotePath)
	}
}

// Past asyncHashFrom bytes the hash runs on its own goroutine: the sum is
// the same for any size and any way the bytes are cut, a gap still gives
// no sum, and close ends the goroutine whether or not sum was taken.
func TestSeqHashBesideTheUpload(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, size := range []int{0, 1, asyncHashFrom - 1, asyncHashFrom, asyncHashFrom + 1, asyncHashFrom + 3*hashBlock + 17, 5 << 20} {
		data := randBytes(uint64(size)+1, size)
		want := preferredSum(data)
		for _, step := range []int{1000, 32 << 10, hashBlock + 1, 1 << 20} {
			s := newSeqHash()
			for off := 0; off < size; off += step {
				s.feed(int64(off), data[off:min(off+step, size)])
			}
			if got := s.sum(int64(size)); !bytes.Equal(got, want[:]) {
				t.Fatalf("size %d in steps of %d: wrong hash", size, step)
			}
			s.close()
		}
	}
	s := newSeqHash()
	big := randBytes(5, 3<<20)
	s.feed(0, big[:2<<20])
	s.feed(2<<20+1, big[2<<20+1:]) // a gap
	if s.sum(int64(len(big))) != nil {
		t.Fatal("a hash with a gap claimed complete")
	}
	abandoned := newSeqHash()
	abandoned.feed(0, big) // the hasher runs; the upload fails: no sum taken
	abandoned.close()
	abandoned.close()
	abandoned.feed(int64(len(big)), big) // after close: ignored, no new goroutine
	s.close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after close, %d before", n, before)
	}
}

// preferredSum is the stored content sum of data in this machine's
// preferred algorithm.
func preferredSum(data []byte) []byte {
	sum, _, err := contentsum.Reader(contentsum.Preferred(), bytes.NewReader(data))
	if err != nil {
		panic(err)
	}
	return sum
}

// TestResavedSameContentLegacySum: a sent record an older Ferry wrote, with
// a bare SHA-256 sum, still recognises a file saved again with the same
// bytes (hashed by SHA-256, whichever algorithm new sums use), and other
// bytes of the same size are uploaded.
func TestResavedSameContentLegacySum(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 1024, DefaultChunkSize: 4096, Resumable: true}}, TargetSettings{}, fastOpts())
	data := randBytes(11, 10_000)
	j := r.file("doc.txt", data)
	// The record as an older Ferry left it, before the engine runs.
	ids, err := r.q.Enqueue(j)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := r.q.Claim(time.Now(), nil); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	legacy := sha256.Sum256(data)
	fp := &queue.Fingerprint{Size: j.Size, ModTime: j.ModTime, SHA256: legacy[:], Uploaded: j.ModTime}
	if err := r.q.Finish(ids[0], queue.HistoryEntry{}, fp); err != nil {
		t.Fatal(err)
	}
	r.run()
	r.wait(r.enqueue(r.resaved(j))...)
	if n := r.okCalls(fakeprovider.OpBegin); n != 0 {
		t.Fatalf("same content uploaded again over a SHA-256 record (%d begins)", n)
	}
	r.wait(r.enqueue(r.file("doc.txt", randBytes(12, 10_000)))...)
	if n := r.okCalls(fakeprovider.OpBegin); n != 1 {
		t.Fatalf("other bytes of the same size not uploaded over a SHA-256 record (%d begins)", n)
	}
}

// resaved gives j's file a new mtime a minute ahead, its bytes unchanged
// (a save of the same content), and returns j with that mtime.
func (r *rig) resaved(j queue.Job) queue.Job {
	r.t.Helper()
	p := filepath.Join(r.root, filepath.FromSlash(j.RelPath))
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(p, later, later); err != nil {
		r.t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		r.t.Fatal(err)
	}
	j.ModTime = fi.ModTime()
	return j
}

// A big upload's hash allocates its blocks once: feeding 64 MiB (256
// blocks) to a hasher that stalls now and then, as one does on a busy
// machine, allocates hashBlocks blocks, not one each time the hasher had
// not handed one back yet (41 MB per GiB before, in `ferry upload`).
func TestSeqHashReusesItsBlocks(t *testing.T) {
	data := randBytes(9, 32<<10) // what a request body reads at a time
	const size = 64 << 20
	a := contentsum.Preferred()
	s := &seqHash{algo: a, h: &stallingHash{Hash: a.New()}}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for off := 0; off < size; off += len(data) {
		s.feed(int64(off), data)
	}
	sum := s.sum(size)
	runtime.ReadMemStats(&after)
	s.close()
	if sum == nil {
		t.Fatal("no sum after every byte was fed in order")
	}
	most := uint64(hashBlocks*hashBlock + 256<<10)
	if got := after.TotalAlloc - before.TotalAlloc; got > most {
		t.Errorf("hashing 64 MiB allocated %d bytes, want at most %d (%d blocks of %d and the rest)", got, most, hashBlocks, hashBlock)
	}
}

// stallingHash is a hash whose every eighth Write first sleeps a
// millisecond: a hasher goroutine the scheduler left waiting.
type stallingHash struct {
	hash.Hash
	writes int
}

func (h *stallingHash) Write(p []byte) (int, error) {
	if h.writes++; h.writes%8 == 0 {
		time.Sleep(time.Millisecond)
	}
	return h.Hash.Write(p)
}
