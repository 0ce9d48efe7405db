package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func newTestStore(t *testing.T) *Store {
	t.Helper()
	s, err := NewStore(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() }) // before TempDir's removal (cleanups run last first)
	return s
}

func blobOf(t *testing.T, s *Store, content string) *Blob {
	t.Helper()
	b, err := s.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ReadFrom(strings.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	return b
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestStoreCommitAndSnapshot(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	dir, created, err := s.EnsureFolder("x", root, "docs")
	if err != nil || !created {
		t.Fatalf("EnsureFolder = %v, %v", created, err)
	}
	n, err := s.Commit("x", dir.ID, "a.txt", blobOf(t, s, "hello"), CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Size != 5 || snapSHA(t, s, "x", n.ID) != sum("hello") || n.Kind != KindFile {
		t.Fatalf("node = %+v", n)
	}
	f, err := s.Open("x", n.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if string(got) != "hello" {
		t.Fatalf("content = %q", got)
	}
	snap := s.Snapshot("")
	if len(snap) != 2 || snap[0].Path != "/docs" || snap[1].Path != "/docs/a.txt" || snap[1].SHA256 != sum("hello") {
		t.Fatalf("snapshot = %+v", snap)
	}
	if tmp, _ := os.ReadDir(s.tmpDir); len(tmp) != 0 {
		t.Fatalf("temp files left: %v", tmp)
	}
}

func TestStoreConflicts(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	first, err := s.Commit("x", root, "a.txt", blobOf(t, s, "one"), CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit("x", root, "a.txt", blobOf(t, s, "two"), CommitOptions{}); !errors.Is(err, ErrExists) {
		t.Fatalf("fail policy: err = %v, want ErrExists", err)
	}
	ren, err := s.Commit("x", root, "a.txt", blobOf(t, s, "two"), CommitOptions{Conflict: ConflictRename})
	if err != nil || ren.Name != "a (1).txt" {
		t.Fatalf("rename: %q, %v", ren.Name, err)
	}
	rep, err := s.Commit("x", root, "a.txt", blobOf(t, s, "three"), CommitOptions{Conflict: ConflictReplace})
	if err != nil || rep.ID != first.ID || snapSHA(t, s, "x", rep.ID) != sum("three") {
		t.Fatalf("replace: %+v, %v", rep, err)
	}
	blobs, _ := os.ReadDir(s.blobDir)
	if len(blobs) != 2 {
		t.Fatalf("blobs on disk = %d, want 2 (replaced and refused content removed)", len(blobs))
	}
	if tmp, _ := os.ReadDir(s.tmpDir); len(tmp) != 0 {
		t.Fatalf("temp files left: %v", tmp)
	}
}

func TestStoreEnsureFolderConcurrent(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	ids := make([]string, 16)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			n, _, err := s.EnsureFolder("x", root, "shared")
			if err != nil {
				t.Error(err)
			}
			ids[i] = n.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent creators got different folders: %v", ids)
		}
	}
	if n := len(s.Snapshot("x")); n != 1 {
		t.Fatalf("%d nodes, want 1", n)
	}
}

func TestStoreErrors(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	f, err := s.Commit("x", root, "f", blobOf(t, s, "x"), CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EnsureFolder("x", root, "f"); !errors.Is(err, ErrNotFolder) {
		t.Errorf("folder over file: %v", err)
	}
	if _, _, err := s.EnsureFolder("x", f.ID, "sub"); !errors.Is(err, ErrNotFolder) {
		t.Errorf("folder under file: %v", err)
	}
	for _, bad := range []string{"", ".", "..", "a/b"} {
		if _, _, err := s.EnsureFolder("x", root, bad); !errors.Is(err, ErrBadName) {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	if _, err := s.Get("x", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get unknown: %v", err)
	}
	if _, err := s.Create("x", root, Node{Name: "f", Kind: KindPlaceholder}); !errors.Is(err, ErrExists) {
		t.Errorf("create over existing: %v", err)
	}
}

func TestStorePlaceholderFillAndDelete(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	d, _, _ := s.EnsureFolder("x", root, "d")
	ph, err := s.Create("x", d.ID, Node{Name: "big.bin", Kind: KindPlaceholder})
	if err != nil {
		t.Fatal(err)
	}
	b := blobOf(t, s, "")
	if _, err := b.WriteAt([]byte("world"), 6); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WriteAt([]byte("hello "), 0); err != nil {
		t.Fatal(err)
	}
	n, err := s.Fill("x", ph.ID, b, ph.MTime)
	if err != nil {
		t.Fatal(err)
	}
	if n.ID != ph.ID || n.Kind != KindFile || snapSHA(t, s, "x", n.ID) != sum("hello world") {
		t.Fatalf("filled = %+v", n)
	}
	if !s.IsWithin("x", n.ID, d.ID) || s.IsWithin("x", d.ID, n.ID) {
		t.Fatal("IsWithin wrong")
	}
	if err := s.Delete("x", d.ID); err != nil {
		t.Fatal(err)
	}
	if len(s.Snapshot("x")) != 0 {
		t.Fatal("delete left nodes")
	}
	if blobs, _ := os.ReadDir(filepath.Join(s.blobDir)); len(blobs) != 0 {
		t.Fatalf("delete left blobs: %v", blobs)
	}
}
