package app

import "github.com/ferry-sync/ferry/transfer/queue"

// idSet is a set of job ids kept as 64-bit words, one per run of 64
// consecutive ids. The queue numbers jobs in creation order, so the ids
// of one `ferry upload` are nearly consecutive: 20,000 of them take about
// 320 words (a few KiB) instead of a map entry each (a map held 0.6 MB for
// 20,000 files, and grew with the number of files).
type idSet struct {
	words map[uint64]uint64 // id/64 -> bit id%64
}

func newIDSet() *idSet { return &idSet{words: map[uint64]uint64{}} }

// add puts id in the set and reports whether it was absent.
func (s *idSet) add(id queue.JobID) bool {
	k, bit := uint64(id)/64, uint64(1)<<(uint64(id)%64)
	w := s.words[k]
	if w&bit != 0 {
		return false
	}
	s.words[k] = w | bit
	return true
}

// has reports whether id is in the set.
func (s *idSet) has(id queue.JobID) bool {
	return s.words[uint64(id)/64]&(uint64(1)<<(uint64(id)%64)) != 0
}
