package sandbox

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
)

// entryAt returns the Snapshot entry of path in namespace ns.
func entryAt(t *testing.T, s *Store, ns, path string) Entry {
	t.Helper()
	for _, e := range s.Snapshot(ns) {
		if e.Path == path {
			return e
		}
	}
	t.Fatalf("no %s in the snapshot", path)
	return Entry{}
}

// TestSumIsComputedOnFirstNeed: storing a file hashes none of its bytes;
// the first Snapshot computes its SHA-256 (once: a second Snapshot hashes
// nothing), and the sum is the SHA-256 of the bytes stored.
func TestSumIsComputedOnFirstNeed(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	data := bytes.Repeat([]byte("lazy sums "), 300_000) // 3 MB: many read buffers
	b, err := s.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ReadFrom(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit("x", root, "f.bin", b, CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	if h := s.HashedBytes(); h != 0 {
		t.Fatalf("storing %d bytes hashed %d of them; want 0 until a sum is needed", len(data), h)
	}
	want := sha256.Sum256(data)
	if e := entryAt(t, s, "x", "/f.bin"); e.SHA256 != hex.EncodeToString(want[:]) {
		t.Fatalf("snapshot sha256 %s, want %x", e.SHA256, want)
	}
	if h := s.HashedBytes(); h != int64(len(data)) {
		t.Fatalf("the first snapshot hashed %d bytes, want %d", h, len(data))
	}
	entryAt(t, s, "x", "/f.bin")
	if h := s.HashedBytes(); h != int64(len(data)) {
		t.Fatalf("a second snapshot hashed again: %d bytes in all, want %d", h, len(data))
	}
}

// TestLazySumEqualsEager: whatever built a blob (appends, writes out of
// order, a truncation, a replaced or filled node), the sum a Snapshot
// gives is the one computed eagerly over the intended bytes.
func TestLazySumEqualsEager(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	piece := bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz012345"), 20_000) // 640,000 bytes
	build := map[string]func(b *Blob) ([]byte, error){
		"appends": func(b *Blob) ([]byte, error) {
			if _, err := b.ReadFrom(bytes.NewReader(piece)); err != nil {
				return nil, err
			}
			_, err := b.Write([]byte("tail"))
			return append(append([]byte{}, piece...), "tail"...), err
		},
		"out of order": func(b *Blob) ([]byte, error) {
			half := int64(len(piece) / 2)
			if _, err := b.WriteAt(piece[half:], half); err != nil {
				return nil, err
			}
			_, err := b.WriteAt(piece[:half], 0)
			return piece, err
		},
		"truncated": func(b *Blob) ([]byte, error) {
			if _, err := b.ReadFrom(bytes.NewReader(piece)); err != nil {
				return nil, err
			}
			if err := b.Truncate(1000); err != nil {
				return nil, err
			}
			_, err := b.Write([]byte("after"))
			return append(append([]byte{}, piece[:1000]...), "after"...), err
		},
		"empty": func(*Blob) ([]byte, error) { return nil, nil },
	}
	for name, fn := range build {
		b, err := s.NewBlob()
		if err != nil {
			t.Fatal(err)
		}
		want, err := fn(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := s.Commit("x", root, name, b, CommitOptions{}); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(want)
		if e := entryAt(t, s, "x", "/"+name); e.SHA256 != hex.EncodeToString(sum[:]) || e.Size != int64(len(want)) {
			t.Errorf("%s: snapshot %d bytes sha256 %s, want %d bytes %x", name, e.Size, e.SHA256, len(want), sum)
		}
	}
	// A replaced node and a filled placeholder give their new content's sum.
	for i, content := range []string{"first", "second"} {
		b, _ := s.NewBlob()
		_, _ = b.Write([]byte(content))
		if _, err := s.Commit("x", root, "replaced", b, CommitOptions{Conflict: ConflictReplace}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			entryAt(t, s, "x", "/replaced") // sums the first content
		}
	}
	ph, err := s.Create("x", root, Node{Name: "ph", Kind: KindPlaceholder})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.NewBlob()
	_, _ = b.Write([]byte("filled"))
	if _, err := s.Fill("x", ph.ID, b, ph.MTime); err != nil {
		t.Fatal(err)
	}
	for path, content := range map[string]string{"/replaced": "second", "/ph": "filled"} {
		sum := sha256.Sum256([]byte(content))
		if e := entryAt(t, s, "x", path); e.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: sha256 %s, want %x", path, e.SHA256, sum)
		}
	}
}

// TestMD5MetaIsComputedOnFirstNeed: a file committed with MD5Meta shows
// its MD5 under that key in the Snapshot, computed in the same pass as
// its SHA-256 when nobody gave it; a known MD5 is stored as given and not
// computed again.
func TestMD5MetaIsComputedOnFirstNeed(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	data := bytes.Repeat([]byte("md5 on demand "), 100_000)
	commit := func(name, known string) {
		b, err := s.NewBlob()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.ReadFrom(bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Commit("x", root, name, b, CommitOptions{MD5Meta: "md5", MD5: known, Meta: map[string]string{"k": "v"}}); err != nil {
			t.Fatal(err)
		}
	}
	m := md5.Sum(data)
	want := hex.EncodeToString(m[:])
	commit("lazy", "")
	commit("known", want)
	if h := s.HashedBytes(); h != 0 {
		t.Fatalf("storing hashed %d bytes", h)
	}
	for _, name := range []string{"lazy", "known"} {
		if e := entryAt(t, s, "x", "/"+name); e.Meta["md5"] != want || e.Meta["k"] != "v" {
			t.Errorf("%s: meta %v, want md5 %s and k=v", name, e.Meta, want)
		}
	}
	// lazy: SHA-256 and MD5 of every byte; known: SHA-256 only.
	if h, n := s.HashedBytes(), int64(len(data)); h != 3*n {
		t.Fatalf("hashed %d bytes, want %d (each digest of each byte once)", h, 3*n)
	}
}

// TestBlobMD5: Blob.MD5 is the MD5 of the blob's bytes, counted as
// hashed once.
func TestBlobMD5(t *testing.T) {
	s := newTestStore(t)
	b, err := s.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Discard()
	data := bytes.Repeat([]byte("0123456789"), 123_457)
	if _, err := io.Copy(b, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	got, err := b.MD5()
	if m := md5.Sum(data); err != nil || got != hex.EncodeToString(m[:]) {
		t.Fatalf("MD5 = %s, %v; want %x", got, err, m)
	}
	if h := s.HashedBytes(); h != int64(len(data)) {
		t.Fatalf("hashed %d bytes, want %d", h, len(data))
	}
}

// snapSHA is the SHA-256 a Snapshot gives the node id of namespace ns.
func snapSHA(t *testing.T, s *Store, ns, id string) string {
	t.Helper()
	for _, e := range s.Snapshot(ns) {
		if e.ID == id {
			return e.SHA256
		}
	}
	t.Fatalf("no node %s in the snapshot", id)
	return ""
}

// TestSnapshotSumsWhileFilesChange: Snapshots taken while files are
// replaced and deleted never show a sum of other bytes than the entry's
// (every entry's sum is one of the contents that name ever had, and the
// final Snapshot the last one's), and a content that vanished is skipped.
func TestSnapshotSumsWhileFilesChange(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	var last string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 60 {
			c := bytes.Repeat([]byte{byte(i)}, 200_000+i)
			b, err := s.NewBlob()
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = b.Write(c)
			if _, err := s.Commit("x", root, "f", b, CommitOptions{Conflict: ConflictReplace}); err != nil {
				t.Error(err)
				return
			}
			if i%10 == 5 {
				if n, err := s.Lookup("x", root, "f"); err == nil {
					_ = s.Delete("x", n.ID)
				}
			}
		}
	}()
	sums := map[string]bool{}
	for i := range 60 {
		c := bytes.Repeat([]byte{byte(i)}, 200_000+i)
		h := sha256.Sum256(c)
		sums[hex.EncodeToString(h[:])] = true
		if i == 59 {
			last = hex.EncodeToString(h[:])
		}
	}
	for range 30 {
		for _, e := range s.Snapshot("x") {
			if !sums[e.SHA256] {
				t.Fatalf("snapshot shows %s with sum %q, not one of its contents'", e.Path, e.SHA256)
			}
		}
	}
	<-done
	if e := entryAt(t, s, "x", "/f"); e.SHA256 != last {
		t.Fatalf("final sum %s, want the last content's %s", e.SHA256, last)
	}
}
