package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// node is a Node inside the store. Every folder and file ever stored keeps
// one in memory for the sandbox's whole run, so it is as small as the
// Store's API lets it be (issue 20: the sandbox's RSS after 80,000 files):
// its id is the UUID's 16 bytes, not the 36-byte string (spelt by clone);
// its parent is a pointer, not the parent's id; a folder's children hang
// off the folder itself (kids), not off a map of every folder; its link,
// content and Meta are its record, on disk (noderec.go). Callers only ever
// see Node copies (Store.clone).
type node struct {
	id     nodeID
	parent *node // nil only for the namespace root
	name   string
	kind   Kind
	size   int64
	mtime  time.Time
	under  int64 // bytes of the KindFile nodes strictly below this one (see FileBytes)
	kids   *kids // a folder's children by name, nil while it has none
	at     int64 // where its record starts in the record file
	n      uint32
	slot   uint32 // the record's length (0: an empty record) and its slot's size
}

// nodeID is a node's id: the 16 bytes of an RFC 4122 version 4 UUID.
type nodeID [16]byte

// newNodeID returns a random version 4 UUID.
func newNodeID() nodeID {
	var b nodeID
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it panics on a broken OS)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}

// String spells id as NewID does: lower-case hex in 8-4-4-4-12 groups.
func (id nodeID) String() string {
	var s [36]byte
	hex.Encode(s[0:8], id[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], id[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], id[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], id[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], id[10:16])
	return string(s[:])
}

// parseNodeID reads an id spelt by String; anything else (upper case,
// other lengths, missing dashes) names no node, as a map keyed by the
// string did.
func parseNodeID(s string) (nodeID, bool) {
	var id nodeID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, false
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++
			continue
		}
		hi, ok1 := lowerHex(s[i])
		lo, ok2 := lowerHex(s[i+1])
		if !ok1 || !ok2 {
			return nodeID{}, false
		}
		id[j] = hi<<4 | lo
		i, j = i+2, j+1
	}
	return id, j == 16
}

func lowerHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// idOf is n's id as callers see it ("" for nil: the root's parent).
func (n *node) idOf() string {
	if n == nil {
		return ""
	}
	return n.id.String()
}

// clone returns a copy of the stored node n for a caller, its Meta a new
// map. Caller holds s.mu.
func (s *Store) clone(n *node) (Node, error) {
	r, err := s.load(n)
	if err != nil {
		return Node{}, err
	}
	return n.with(r), nil
}

// with is the Node a caller sees of n with record r.
func (n *node) with(r record) Node {
	return Node{
		ID: n.id.String(), Parent: n.parent.idOf(), Name: n.name, Kind: n.kind, Size: n.size,
		MTime: n.mtime, Link: r.link, Meta: metaMap(r.meta),
	}
}
