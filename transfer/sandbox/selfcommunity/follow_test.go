package selfcommunity

import (
	"crypto/md5"
	"encoding/hex"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

func newTestBlob(t *testing.T) *sandbox.Blob {
	t.Helper()
	st, err := sandbox.NewStore(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Discard)
	return b
}

// The follower hashes exactly the accepted prefix: bytes appended past it
// (a part not accepted yet, or refused and cut off) never reach the sum.
func TestMD5FollowerHashesAcceptedBytesOnly(t *testing.T) {
	b := newTestBlob(t)
	f := newMD5Follower(b)
	rng := rand.New(rand.NewPCG(1, 2))
	var accepted []byte
	for i, n := range []int{0, 1, 300 << 10, 1<<20 + 7, 5} {
		part := make([]byte, n)
		for j := range part {
			part[j] = byte(rng.Uint32())
		}
		if _, err := b.Write(part); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			// A refused part: appended, then cut off before acceptance.
			if _, err := b.Write([]byte("refused bytes")); err != nil {
				t.Fatal(err)
			}
			if err := b.Truncate(int64(len(accepted) + n)); err != nil {
				t.Fatal(err)
			}
		}
		accepted = append(accepted, part...)
		f.advance(int64(len(accepted)))
	}
	// Unaccepted bytes at the end.
	if _, err := b.Write([]byte("not accepted")); err != nil {
		t.Fatal(err)
	}
	got, err := f.sum()
	if err != nil {
		t.Fatal(err)
	}
	want := md5.Sum(accepted)
	if got != hex.EncodeToString(want[:]) {
		t.Fatalf("sum %s, want %x", got, want)
	}
}

func TestMD5FollowerOfAnEmptyUpload(t *testing.T) {
	f := newMD5Follower(newTestBlob(t))
	got, err := f.sum()
	want := md5.Sum(nil)
	if err != nil || got != hex.EncodeToString(want[:]) {
		t.Fatalf("sum %q, %v; want the MD5 of nothing", got, err)
	}
}

// Accepted bytes that cannot be read back make the sum an error, never a
// sum over fewer bytes.
func TestMD5FollowerReportsUnreadableBytes(t *testing.T) {
	b := newTestBlob(t)
	if _, err := b.Write(make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	f := newMD5Follower(b)
	f.advance(5000) // more than the blob holds
	if got, err := f.sum(); err == nil {
		t.Fatalf("sum %s over bytes the blob does not have", got)
	}
	b.Discard()
	f2 := newMD5Follower(b)
	f2.advance(10)
	if _, err := f2.sum(); err == nil {
		t.Fatal("sum of a discarded blob")
	}
}

// A small part's catch-up reads into a buffer of its size, not a pooled
// MiB: a curl baseline sends 20,000 one-part files' parts before any
// done, and every part has a catch-up of its own, so a MiB each made the
// sandbox's RSS follow the files in flight (issue 20). The pool is
// emptied (two collections) before each upload, as it is whenever many
// catch-ups run at once.
func TestMD5FollowerSmallPartSmallBuffer(t *testing.T) {
	part := []byte("a tiny file of the bench's tiny tree")
	var total uint64
	const uploads = 20
	for range uploads {
		b := newTestBlob(t)
		if _, err := b.Write(part); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f := newMD5Follower(b)
		f.advance(int64(len(part)))
		if _, err := f.sum(); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		total += after.TotalAlloc - before.TotalAlloc
	}
	if per := total / uploads; per > 16<<10 {
		t.Errorf("following a %d-byte part allocates %d bytes; want at most 16 KiB", len(part), per)
	}
}
