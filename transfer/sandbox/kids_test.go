package sandbox

import (
	"fmt"
	"slices"
	"testing"
)

// kids answers like the map it replaced across the switch from the slice
// to the map: put replaces, remove forgets, the children come sorted.
func TestKids(t *testing.T) {
	var nilKids *kids
	if _, ok := nilKids.get("a"); ok || nilKids.sorted() != nil || nilKids.all() != nil {
		t.Fatal("a folder without children has some")
	}
	nilKids.remove("a") // no panic
	k := &kids{}
	want := map[string]*node{}
	for i := range 2 * fewKids {
		name := fmt.Sprintf("n%02d", (i*7)%(2*fewKids))
		k.put(&node{name: name, size: 1})
		second := &node{name: name, size: 2}
		k.put(second) // replaced, not added
		want[name] = second
		if i%3 == 0 {
			k.remove(name)
			delete(want, name)
		}
		for n, c := range want {
			if got, ok := k.get(n); !ok || got != c {
				t.Fatalf("after %d puts: get(%s) = %v, %v; want %v", i+1, n, got, ok, c)
			}
		}
		sorted := k.sorted()
		names := make([]string, len(sorted))
		for i, c := range sorted {
			names[i] = c.name
		}
		if len(names) != len(want) || !slices.IsSorted(names) || len(k.all()) != len(want) {
			t.Fatalf("after %d puts: names %v, want the %d of %v sorted", i+1, names, len(want), want)
		}
	}
	if k.many == nil {
		t.Fatal("the children never moved to a map")
	}
}

// An id reads back as the node it was spelt from, and only the spelling
// NewID gives names a node (a map keyed by that string answered so).
func TestNodeIDSpelling(t *testing.T) {
	for range 100 {
		id := newNodeID()
		s := id.String()
		back, ok := parseNodeID(s)
		if !ok || back != id {
			t.Fatalf("%s read back as %x, %v", s, back, ok)
		}
		for _, bad := range []string{
			"", s[:35], s + "0", s[:8] + "x" + s[9:], upperHex(s), s[:35] + "g",
		} {
			if bad == s {
				continue
			}
			if _, ok := parseNodeID(bad); ok {
				t.Errorf("%q names a node", bad)
			}
		}
	}
	if got := NewID(); len(got) != 36 || got[14] != '4' {
		t.Errorf("NewID() = %q, want a version 4 UUID", got)
	}
}

func upperHex(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
