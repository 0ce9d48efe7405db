package sandbox

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// A record reads back as written, whatever it holds: nil Meta and empty
// Meta stay apart, content or none, any link; a cut or padded one is an
// error, never a different record.
func TestRecordRoundTrip(t *testing.T) {
	sum := [32]byte{1, 2, 3, 31: 9}
	for i, r := range []record{
		{},
		{meta: []string{}},
		{link: "http://127.0.0.1:1/file/x.txt"},
		{data: &content{blob: 1<<40 + 7, sum: sum, summed: true}},
		{data: &content{blob: 9, md5: &md5Meta{key: "md5"}}},
		{data: &content{blob: 9, sum: sum, summed: true, md5: &md5Meta{key: "md5", sum: [16]byte{7, 15: 1}, known: true}}},
		{link: "l", data: &content{blob: 3}, meta: []string{"a", "", "b", strings.Repeat("v", 300)}},
	} {
		b := r.encode(nil)
		got, err := decodeRecord(b)
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("record %d read back as %+v, %v; want %+v", i, got, err, r)
		}
		for cut := range len(b) {
			if _, err := decodeRecord(b[:cut]); !errors.Is(err, errRecord) {
				t.Errorf("record %d cut to %d bytes: %v, want errRecord", i, cut, err)
			}
		}
		if _, err := decodeRecord(append(b, 0)); !errors.Is(err, errRecord) {
			t.Errorf("record %d with a byte more: %v, want errRecord", i, err)
		}
	}
}

// A node whose record grows moves to a new slot and one that shrinks
// stays in its own; every node reads back its latest record, and nodes
// whose records never grow never add to the file.
func TestRecordSlots(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	var ids []string
	for i := range 20 {
		n, err := s.Create("x", root, Node{Name: fmt.Sprintf("n%d", i), Kind: KindPlaceholder, Link: "v", Meta: map[string]string{"k": fmt.Sprintf("v%d", i)}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, n.ID)
	}
	end := s.recEnd
	for round, v := range []string{"w", strings.Repeat("long", 40), "s", ""} {
		for i, id := range ids {
			want := fmt.Sprintf("%s%d", v, i)
			if _, err := s.Update("x", id, func(n *Node) { n.Meta["k"] = want; n.Link = v }); err != nil {
				t.Fatal(err)
			}
			n, err := s.Get("x", id)
			if err != nil || n.Meta["k"] != want || n.Link != v {
				t.Fatalf("round %d: node %d reads %+v, %v; want Meta k=%q, Link %q", round, i, n, err, want, v)
			}
		}
		if round == 0 && s.recEnd != end {
			t.Errorf("records that fit their slots grew the file from %d to %d bytes", end, s.recEnd)
		}
	}
}

// A closed store refuses nodes with records with an error (no panic, no
// other node's record), and closing again is harmless.
func TestStoreClose(t *testing.T) {
	s := newTestStore(t)
	n, err := s.Create("x", s.Root("x").ID, Node{Name: "p", Kind: KindPlaceholder, Link: "l"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("x", n.ID); err == nil {
		t.Error("a closed store read a record")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
