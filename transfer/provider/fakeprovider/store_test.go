package fakeprovider

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The memory store's folder index answers list as a walk of every key
// would, through puts, overwrites and deletes of nested keys.
func TestMemStoreListMatchesAWalk(t *testing.T) {
	s := newMemStore()
	want := map[string]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	key := func() string {
		return fmt.Sprintf("%s/%d/%d", []string{"ack", "chunk", "meta", "meta/d"}[r.IntN(4)], r.IntN(5), r.IntN(4))
	}
	walk := func(prefix string) []string {
		var out []string
		for k := range want {
			if strings.HasPrefix(k, prefix) {
				out = append(out, k)
			}
		}
		sort.Strings(out)
		return out
	}
	for range 2000 {
		k := key()
		if r.IntN(3) == 0 {
			if err := s.del(k); err != nil {
				t.Fatal(err)
			}
			delete(want, k)
		} else {
			if err := s.put(k, []byte(k)); err != nil {
				t.Fatal(err)
			}
			want[k] = true
		}
		for _, prefix := range []string{"ack/", "meta/", "meta/d/", "chunk/3/", "meta/d/1/", "me", "chunk/3", ""} {
			got, err := s.list(prefix)
			if err != nil {
				t.Fatal(err)
			}
			if w := walk(prefix); !slices.Equal(got, w) {
				t.Fatalf("list(%q) = %v, want %v", prefix, got, w)
			}
		}
	}
	for k := range want {
		if err := s.del(k); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.dirs) > 0 {
		t.Errorf("folders still indexed after every key was deleted: %v", s.dirs)
	}
}
