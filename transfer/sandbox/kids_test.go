package sandbox

import (
	"fmt"
	"slices"
	"testing"
)

// kids answers like the map it replaced across the switch from the slice
// to the map: put replaces, remove forgets, names come sorted.
func TestKids(t *testing.T) {
	var nilKids *kids
	if _, ok := nilKids.get("a"); ok || nilKids.names() != nil || nilKids.ids() != nil {
		t.Fatal("a folder without children has some")
	}
	nilKids.remove("a") // no panic
	k := &kids{}
	want := map[string]string{}
	for i := range 2 * fewKids {
		name := fmt.Sprintf("n%02d", (i*7)%(2*fewKids))
		k.put(name, "id-"+name)
		want[name] = "id-" + name
		k.put(name, "id2-"+name) // replaced, not added
		want[name] = "id2-" + name
		if i%3 == 0 {
			k.remove(name)
			delete(want, name)
		}
		for n, id := range want {
			if got, ok := k.get(n); !ok || got != id {
				t.Fatalf("after %d puts: get(%s) = %q, %v; want %q", i+1, n, got, ok, id)
			}
		}
		names := k.names()
		if len(names) != len(want) || !slices.IsSorted(names) || len(k.ids()) != len(want) {
			t.Fatalf("after %d puts: names %v, want the %d of %v sorted", i+1, names, len(want), want)
		}
	}
	if k.many == nil {
		t.Fatal("the children never moved to a map")
	}
}
