package sandbox

import (
	"maps"
	"testing"
)

// Meta is stored flat but reads back as the map given, a nil map stays
// nil and an empty one empty, and neither the caller's map nor a returned
// one reaches into the store.
func TestMetaRoundTrip(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	in := map[string]string{"z": "last", "a": "first", "m": ""}
	n, err := s.Create("x", root, Node{Name: "p", Kind: KindPlaceholder, Meta: in})
	if err != nil {
		t.Fatal(err)
	}
	in["a"] = "changed by the caller"
	got, _ := s.Get("x", n.ID)
	want := map[string]string{"z": "last", "a": "first", "m": ""}
	if !maps.Equal(got.Meta, want) {
		t.Fatalf("Meta %v, want %v", got.Meta, want)
	}
	got.Meta["a"] = "changed in a copy"
	if again, _ := s.Get("x", n.ID); again.Meta["a"] != "first" {
		t.Fatalf("a returned map reached the store: %v", again.Meta)
	}
	if _, err := s.Update("x", n.ID, func(n *Node) { n.Meta["k"] = "v" }); err != nil {
		t.Fatal(err)
	}
	if e := s.Snapshot("x")[0]; e.Meta["k"] != "v" || e.Meta["z"] != "last" || len(e.Meta) != 4 {
		t.Fatalf("after Update, Snapshot Meta %v", e.Meta)
	}
	empty, _ := s.Commit("x", root, "e", blobOf(t, s, "x"), CommitOptions{Meta: map[string]string{}})
	none, _ := s.Commit("x", root, "n", blobOf(t, s, "x"), CommitOptions{})
	if g, _ := s.Get("x", empty.ID); g.Meta == nil || len(g.Meta) != 0 {
		t.Fatalf("empty Meta read back as %#v", g.Meta)
	}
	if g, _ := s.Get("x", none.ID); g.Meta != nil {
		t.Fatalf("nil Meta read back as %#v", g.Meta)
	}
	over, err := s.Commit("x", root, "n", blobOf(t, s, "y"), CommitOptions{Conflict: ConflictReplace, Meta: map[string]string{"r": "1"}})
	if err != nil || !maps.Equal(over.Meta, map[string]string{"r": "1"}) {
		t.Fatalf("replace: %v %v", over.Meta, err)
	}
}
