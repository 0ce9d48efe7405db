package transfer

import (
	"bytes"
	"crypto/sha256"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
)

// storedVersions fails the test when a file the fake stores under dir is
// not one of versions, and returns how many copies of each it holds.
func storedVersions(t *testing.T, r *rig, versions ...[]byte) []int {
	t.Helper()
	files, err := r.fake.Files()
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, len(versions))
	for _, f := range files {
		found := false
		for i, v := range versions {
			if sum := sha256.Sum256(v); bytes.Equal(f.SHA256, sum[:]) {
				counts[i]++
				found = true
			}
		}
		if !found {
			t.Errorf("the server stores %s (%d bytes), which was never a whole local version", f.Path, f.Size)
		}
	}
	return counts
}

// A retry of the request that stores the file reads the file again: a
// rewrite between the first attempt and the retry must start the file
// over, never send the new bytes under the old plan (a prefix of the new
// version when it grew). Before each attempt was checked, the retry stored
// the new version's first bytes as a copy of the old size.
func TestCommitRetryAfterRewriteStartsOver(t *testing.T) {
	for _, caps := range []provider.Capabilities{
		lastChunkCommits,
		{MinChunkSize: 1000, DefaultChunkSize: 1000, Resumable: true, SaveBeforeFinish: true, LastChunkStores: true},
	} {
		r := newRig(t, fakeprovider.Options{Caps: caps}, TargetSettings{Conflict: provider.ConflictRename}, fastOpts())
		old, fresh := randBytes(41, 700), randBytes(42, 900) // one chunk each
		j := r.file("grow.bin", old)
		p := filepath.Join(r.root, "grow.bin")
		rewrite := rewriteOnce(t, p, fresh)
		r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Count: 1, Match: func(fakeprovider.Call) bool {
			// The first attempt fails (a 503), and the file grows meanwhile.
			rewrite()
			return true
		}})
		r.run()
		id := r.enqueue(j)[0]
		r.until("the new version is stored", func() bool {
			ok, err := r.fake.Holds("up/grow.bin", fresh)
			return err == nil && ok
		})
		r.wait(id)
		if n := storedVersions(t, r, old, fresh); n[1] != 1 || n[0] != 0 {
			t.Errorf("LastChunkStores=%v: copies of the old and new version: %v, want [0 1]", caps.LastChunkStores, n)
		}
		// (This fake drops what an aborted session stored, so the torn
		// copy itself is gone; the engine's warning says it was sent.)
		if w := r.history()[id].Warning; w != "" {
			t.Errorf("LastChunkStores=%v: warning %q: the retry sent bytes of the new version under the old plan", caps.LastChunkStores, w)
		}
	}
}

// A small committing chunk is read into memory and the file checked after
// the read, so a rewrite after that read leaves the server with whole
// versions only, and no "may mix two versions" warning. (The same rewrite
// under a chunk read from the file as it is sent: see
// TestRewriteDuringLastChunkWarnsOfTornCopy.)
func TestCommitChunkReadBeforeRewriteIsWhole(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Caps: lastChunkCommits}, TargetSettings{Conflict: provider.ConflictRename}, fastOpts())
	old, fresh := randBytes(43, 3000), randBytes(44, 3000)
	j := r.file("whole.bin", old)
	p := filepath.Join(r.root, "whole.bin")
	rewrite := rewriteOnce(t, p, fresh)
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Match: func(c fakeprovider.Call) bool {
		if c.Chunk == 2 {
			rewrite()
		}
		return false
	}})
	r.run()
	id := r.enqueue(j)[0]
	r.until("the new version is stored", func() bool {
		ok, err := r.fake.Holds("up/whole.bin", fresh)
		return err == nil && ok
	})
	r.wait(id)
	if n := storedVersions(t, r, old, fresh); n[1] != 1 {
		t.Errorf("copies of the old and new version: %v, want one of the new", n)
	}
	if w := r.history()[id].Warning; strings.Contains(w, "may mix two versions") {
		t.Errorf("warning %q: the stored copy was read whole before the rewrite", w)
	}
}

// A provider that confirms with provider.Unchanged before its storing
// request learns that the file changed, and the engine starts over.
func TestUnchangedHookSeesRewrite(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Caps: lastChunkCommits}, TargetSettings{}, fastOpts())
	data := randBytes(45, 500)
	j := r.file("hook.bin", data)
	a := &active{job: j}
	a.job.ID = 1
	fu := &fileUpload{e: r.e, a: a, u: provider.Upload{Size: j.Size, ModTime: j.ModTime}}
	ctx := provider.WithUnchanged(t.Context(), fu.confirmUnchanged)
	if err := provider.Unchanged(ctx); err != nil || !fu.confirmed.Load() {
		t.Fatalf("unchanged file: %v, confirmed %v", err, fu.confirmed.Load())
	}
	fu.confirmed.Store(false)
	if err := os.WriteFile(filepath.Join(r.root, "hook.bin"), randBytes(46, 600), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := provider.Unchanged(ctx); err == nil || fu.confirmed.Load() {
		t.Fatalf("rewritten file: %v, confirmed %v", err, fu.confirmed.Load())
	}
	if err := provider.Unchanged(t.Context()); err != nil {
		t.Fatalf("no engine listening: %v", err)
	}
}

// A stat taken while the file is being truncated sees the new size with
// the old mtime: the upload must not be planned from it (a one-chunk file
// of a service that stores with its last chunk was stored empty, as the
// old mtime made it look quiet). The attempt ends as "file changed" and
// the next one stats again; here the file keeps that state, as on a
// filesystem that keeps the mtime through size changes, so after
// tornStatTries refusals it is uploaded as it is.
func TestTornStatPlansNothing(t *testing.T) {
	var logs syncBuffer
	opts := fastOpts()
	opts.Log = slog.New(slog.NewTextHandler(&logs, nil))
	r := newRig(t, fakeprovider.Options{Caps: lastChunkCommits}, TargetSettings{}, opts)
	j := r.file("t.bin", randBytes(47, 3000))
	old := time.Now().Add(-time.Hour)
	p := filepath.Join(r.root, "t.bin")
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	j.ModTime = old // what the job saw: 3000 bytes at that mtime
	r.run()
	id := r.enqueue(j)[0]
	r.wait(id)
	if n := strings.Count(logs.String(), "the size moved without the modification time"); n != tornStatTries {
		t.Errorf("%d attempts refused the torn stat, want %d", n, tornStatTries)
	}
	if n := r.okCalls(fakeprovider.OpBegin); n != 1 {
		t.Errorf("%d uploads begun, want 1 (after the refusals)", n)
	}
	r.checkStored("up/t.bin", nil)
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// rewriteOnce returns a function that, the first time it is called,
// writes data over the file at p and moves its mtime 2 s ahead, so the
// change shows whatever the clock's granularity.
func rewriteOnce(t *testing.T, p string, data []byte) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Error(err)
			}
			later := time.Now().Add(2 * time.Second)
			if err := os.Chtimes(p, later, later); err != nil {
				t.Error(err)
			}
		})
	}
}
