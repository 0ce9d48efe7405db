package sandbox

import (
	"errors"
	"testing"
)

func TestMoveKeepsIDAndSubtree(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	a, _, _ := s.EnsureFolder("x", root, "a")
	b, _, _ := s.EnsureFolder("x", root, "b")
	sub, _, _ := s.EnsureFolder("x", a.ID, "sub")
	f, err := s.Commit("x", sub.ID, "f.txt", blobOf(t, s, "hello"), CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	moved, err := s.Move("x", a.ID, b.ID, "renamed")
	if err != nil {
		t.Fatal(err)
	}
	if moved.ID != a.ID || moved.Parent != b.ID || moved.Name != "renamed" {
		t.Fatalf("moved = %+v", moved)
	}
	if p, _ := s.Path("x", f.ID); p != "/b/renamed/sub/f.txt" {
		t.Errorf("file path after the move = %q", p)
	}
	if _, err := s.Lookup("x", root, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("old name still listed: %v", err)
	}
	got, err := s.Get("x", f.ID)
	if err != nil || snapSHA(t, s, "x", got.ID) != sum("hello") {
		t.Errorf("content after the move: %+v, %v", got, err)
	}
}

func TestMoveRefusals(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	a, _, _ := s.EnsureFolder("x", root, "a")
	sub, _, _ := s.EnsureFolder("x", a.ID, "sub")
	taken, _, _ := s.EnsureFolder("x", root, "taken")
	if _, err := s.Move("x", a.ID, sub.ID, "a"); !errors.Is(err, ErrInsideItself) {
		t.Errorf("into its own child: %v", err)
	}
	if _, err := s.Move("x", a.ID, a.ID, "a"); !errors.Is(err, ErrInsideItself) {
		t.Errorf("into itself: %v", err)
	}
	if _, err := s.Move("x", a.ID, root, taken.Name); !errors.Is(err, ErrExists) {
		t.Errorf("onto a taken name: %v", err)
	}
	if _, err := s.Move("x", a.ID, root, "bad/name"); !errors.Is(err, ErrBadName) {
		t.Errorf("bad name: %v", err)
	}
	if _, err := s.Move("x", "nope", root, "n"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := s.Move("x", a.ID, root, "a"); err != nil {
		t.Errorf("a move onto its own name is a no-op: %v", err)
	}
}
