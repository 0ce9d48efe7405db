package twake

import (
	"slices"
	"testing"
)

// chunkSet answers like the map it replaced: set replaces, del forgets,
// numbers are ascending whatever the order of arrival, absent is zero.
func TestChunkSet(t *testing.T) {
	var cs chunkSet
	if cs.numbers() != nil {
		t.Fatal("an empty set lists numbers")
	}
	for _, n := range []int{5, 1, 3, 9, 2} {
		cs.set(n, chunk{size: int64(n)})
	}
	cs.set(3, chunk{size: 33})
	cs.del(9)
	cs.del(7)
	if got := cs.numbers(); !slices.Equal(got, []int{1, 2, 3, 5}) {
		t.Fatalf("numbers %v", got)
	}
	if c, ok := cs.get(3); !ok || c.size != 33 {
		t.Fatalf("get(3) = %v, %v", c, ok)
	}
	if _, ok := cs.get(9); ok || cs.at(9).size != 0 {
		t.Fatal("a deleted chunk is still there")
	}
}
