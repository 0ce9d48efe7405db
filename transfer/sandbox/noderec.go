package sandbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// A node's record is the part of it no tree operation needs: its link,
// content (blob number and the sums known so far, sum.go) and Meta. It lives in the store's
// record file, not in memory (issue 20: every file ever stored keeps its
// node for the sandbox's whole run, and these fields were most of it).
// A node keeps only where its record is (node.at, node.n, node.slot); a
// record with nothing in it (most folders) takes no room at all. A record
// that outgrows its slot moves to the end of the file (the old slot is
// left unused: the file only ever grows, by what the nodes rewritten
// bigger left behind). The file is read and written under the store lock
// with pread and pwrite: its pages stay in the page cache, never in the
// sandbox's memory.
type record struct {
	link string
	data *content // nil without content
	meta []string // Meta as keys and values sorted by key (meta.go); nil for a nil map
}

// recordFile is the name of the record file in the store's folder.
const recordFile = "nodes"

// openRecords creates the store's empty record file under dir.
func openRecords(dir string) (*os.File, error) {
	f, err := os.OpenFile(dir+string(os.PathSeparator)+recordFile, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return f, nil
}

// errRecord is the error of a record that cannot be read back as written.
var errRecord = errors.New("node record is damaged")

// The content flags of a record.
const (
	recData   = 1 << iota // content: the blob number follows
	recSummed             // its SHA-256 follows
	recMD5                // an MD5 asked for: its Meta key follows
	recMD5Sum             // and its sum
)

// encode appends r's bytes to b: the link, the content flags with the
// blob number and what sums are known, and the Meta (its entry count plus
// one; 0 for nil).
func (r record) encode(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(r.link)))
	b = append(b, r.link...)
	c := r.data
	if c == nil {
		b = append(b, 0)
	} else {
		flags := byte(recData)
		if c.summed {
			flags |= recSummed
		}
		if c.md5 != nil {
			flags |= recMD5
			if c.md5.known {
				flags |= recMD5Sum
			}
		}
		b = append(b, flags)
		b = binary.LittleEndian.AppendUint64(b, c.blob)
		if c.summed {
			b = append(b, c.sum[:]...)
		}
		if c.md5 != nil {
			b = binary.AppendUvarint(b, uint64(len(c.md5.key)))
			b = append(b, c.md5.key...)
			if c.md5.known {
				b = append(b, c.md5.sum[:]...)
			}
		}
	}
	if r.meta == nil {
		return append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(r.meta))+1)
	for _, s := range r.meta {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// decodeRecord reads a record encode wrote.
func decodeRecord(b []byte) (record, error) {
	var r record
	str := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return "", false
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s, true
	}
	var ok bool
	if r.link, ok = str(); !ok || len(b) < 1 {
		return record{}, errRecord
	}
	flags := b[0]
	b = b[1:]
	switch {
	case flags == 0:
	case flags&recData == 0 || flags > recData|recSummed|recMD5|recMD5Sum || flags&(recMD5|recMD5Sum) == recMD5Sum:
		return record{}, errRecord
	default:
		if len(b) < 8 {
			return record{}, errRecord
		}
		c := &content{blob: binary.LittleEndian.Uint64(b)}
		b = b[8:]
		if flags&recSummed != 0 {
			if len(b) < len(c.sum) {
				return record{}, errRecord
			}
			c.summed = true
			b = b[copy(c.sum[:], b):]
		}
		if flags&recMD5 != 0 {
			key, ok := str()
			if !ok {
				return record{}, errRecord
			}
			c.md5 = &md5Meta{key: key}
			if flags&recMD5Sum != 0 {
				if len(b) < len(c.md5.sum) {
					return record{}, errRecord
				}
				c.md5.known = true
				b = b[copy(c.md5.sum[:], b):]
			}
		}
		r.data = c
	}
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return record{}, errRecord
	}
	b = b[k:]
	if n > 0 {
		r.meta = make([]string, 0, n-1)
		for range n - 1 {
			s, ok := str()
			if !ok {
				return record{}, errRecord
			}
			r.meta = append(r.meta, s)
		}
	}
	if len(b) != 0 {
		return record{}, errRecord
	}
	return r, nil
}

// empty reports whether r holds nothing (no link, content or Meta).
func (r record) empty() bool { return r.link == "" && r.data == nil && r.meta == nil }

// load reads n's record. Caller holds s.mu.
func (s *Store) load(n *node) (record, error) {
	if n.n == 0 {
		return record{}, nil
	}
	b := make([]byte, n.n)
	if _, err := s.recs.ReadAt(b, n.at); err != nil {
		return record{}, fmt.Errorf("read the record of node %s: %w", n.id, err)
	}
	r, err := decodeRecord(b)
	if err != nil {
		return record{}, fmt.Errorf("read the record of node %s: %w", n.id, err)
	}
	return r, nil
}

// save writes r as n's record: in n's slot when it fits, else in a new
// slot at the end of the file (a quarter bigger, so a record that grows
// a little stays put). Caller holds s.mu.
func (s *Store) save(n *node, r record) error {
	if r.empty() {
		n.n = 0
		return nil
	}
	s.recBuf = r.encode(s.recBuf[:0])
	b := s.recBuf
	at, slot := n.at, n.slot
	if uint32(len(b)) > n.slot || n.slot == 0 {
		at, slot = s.recEnd, uint32(len(b)+len(b)/4)
	}
	if _, err := s.recs.WriteAt(b, at); err != nil {
		return fmt.Errorf("write the record of node %s: %w", n.id, err)
	}
	if at == s.recEnd {
		s.recEnd += int64(slot)
	}
	n.at, n.n, n.slot = at, uint32(len(b)), slot
	return nil
}

// Close closes the store's record file: the store answers no more
// requests for nodes with records (their reads and writes fail). The
// blobs stay until the folder is removed. Closing twice is harmless.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.recs.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}
