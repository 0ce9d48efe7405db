package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// recount is FileBytes computed the slow way: the sizes of the KindFile
// entries of a Snapshot whose path lies below id's.
func recount(t *testing.T, s *Store, ns, id string) int64 {
	t.Helper()
	p, err := s.Path(ns, id)
	if err != nil {
		t.Fatal(err)
	}
	prefix := strings.TrimSuffix(p, "/") + "/"
	var sum int64
	for _, e := range s.Snapshot(ns) {
		if e.Kind == KindFile && strings.HasPrefix(e.Path, prefix) {
			sum += e.Size
		}
	}
	return sum
}

// TestFileBytesMatchesRecount drives a random mix of every mutation the
// Store has (commit new, commit over, commit renamed, fill, create,
// update of the kind, move of files and folders, delete of files and
// folders) and checks after each step that FileBytes of every folder
// equals a full recount.
func TestFileBytesMatchesRecount(t *testing.T) {
	s := newTestStore(t)
	const ns = "x"
	root := s.Root(ns).ID
	rng := rand.New(rand.NewPCG(20, 7))
	folders := []string{root}
	var items []string // ids of non-root nodes, possibly deleted since
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	content := func() string { return strings.Repeat("z", rng.IntN(50)) }
	name := func() string { return fmt.Sprintf("n%d", rng.IntN(12)) }
	for step := range 600 {
		var op string
		switch k := rng.IntN(10); {
		case k == 0 || len(folders) < 3:
			op = "folder"
			if f, _, err := s.EnsureFolder(ns, pick(folders), name()); err == nil {
				folders = append(folders, f.ID)
				items = append(items, f.ID)
			}
		case k <= 3:
			op = "commit"
			c := []Conflict{ConflictFail, ConflictRename, ConflictReplace}[rng.IntN(3)]
			if n, err := s.Commit(ns, pick(folders), name(), blobOf(t, s, content()), CommitOptions{Conflict: c}); err == nil {
				items = append(items, n.ID)
			}
		case k == 4:
			op = "create"
			kind := []Kind{KindPlaceholder, KindPartial}[rng.IntN(2)]
			if n, err := s.Create(ns, pick(folders), Node{Name: name(), Kind: kind}); err == nil {
				items = append(items, n.ID)
			}
		case k == 5 && len(items) > 0:
			op = "fill"
			_, _ = s.Fill(ns, pick(items), blobOf(t, s, content()), time.Time{})
		case k == 6 && len(items) > 0:
			op = "update"
			id := pick(items)
			if n, err := s.Get(ns, id); err == nil && n.Kind != KindFolder {
				kind := []Kind{KindFile, KindPlaceholder, KindPartial}[rng.IntN(3)]
				_, _ = s.Update(ns, id, func(n *Node) { n.Kind = kind })
			}
		case k == 7 && len(items) > 0:
			op = "move"
			_, _ = s.Move(ns, pick(items), pick(folders), name())
		case k >= 8 && len(items) > 0 && rng.IntN(3) == 0:
			op = "delete"
			_ = s.Delete(ns, pick(items))
		default:
			continue
		}
		for _, f := range folders {
			got, err := s.FileBytes(ns, f)
			if err != nil {
				continue // deleted with a folder above it
			}
			if want := recount(t, s, ns, f); got != want {
				t.Fatalf("step %d (%s): FileBytes of %s = %d, recount %d", step, op, f, got, want)
			}
		}
	}
	if _, err := s.FileBytes(ns, "no-such-id"); err == nil {
		t.Fatal("FileBytes of an unknown id: no error")
	}
}
