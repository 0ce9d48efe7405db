package transfer

// chunkSet is the set of acknowledged chunks of one upload. It lists them
// in index order without sorting, so the session saved after every chunk
// costs time linear in the chunks of the file, not n log n on top.
type chunkSet struct {
	has []bool
	n   int
}

// newChunkSet is an empty set for an upload of total chunks.
func newChunkSet(total int) chunkSet { return chunkSet{has: make([]bool, total)} }

// add marks chunk i; indexes outside the upload are ignored (a saved
// session from another plan).
func (s *chunkSet) add(i int) {
	if i >= 0 && i < len(s.has) && !s.has[i] {
		s.has[i] = true
		s.n++
	}
}

// contains reports whether chunk i is acknowledged.
func (s *chunkSet) contains(i int) bool { return i >= 0 && i < len(s.has) && s.has[i] }

// len is the number of acknowledged chunks.
func (s *chunkSet) len() int { return s.n }

// list is the acknowledged indexes, ascending.
func (s *chunkSet) list() []int {
	out := make([]int, 0, s.n)
	for i, ok := range s.has {
		if ok {
			out = append(out, i)
		}
	}
	return out
}
