package twake

import "slices"

// chunkSet is a file's stored chunks by chunk number: a slice kept sorted
// by number rather than a map, since almost every file has one chunk or a
// few and a Go map costs hundreds of bytes even for one entry. The
// entities of every file ever uploaded stay in memory (the real server
// keeps them in its database), so their size is what the sandbox's memory
// grows by per file.
type chunkSet struct {
	s []numbered
}

type numbered struct {
	n int
	chunk
}

func (cs *chunkSet) find(n int) (int, bool) {
	return slices.BinarySearchFunc(cs.s, n, func(e numbered, n int) int { return e.n - n })
}

// get returns chunk n and whether it is stored.
func (cs *chunkSet) get(n int) (chunk, bool) {
	if i, ok := cs.find(n); ok {
		return cs.s[i].chunk, true
	}
	return chunk{}, false
}

// at returns chunk n, the zero chunk when it is not stored.
func (cs *chunkSet) at(n int) chunk {
	c, _ := cs.get(n)
	return c
}

// set stores c as chunk n, replacing any.
func (cs *chunkSet) set(n int, c chunk) {
	i, ok := cs.find(n)
	if ok {
		cs.s[i].chunk = c
		return
	}
	cs.s = slices.Insert(cs.s, i, numbered{n: n, chunk: c})
}

// del forgets chunk n (nothing when it is not stored).
func (cs *chunkSet) del(n int) {
	if i, ok := cs.find(n); ok {
		cs.s = slices.Delete(cs.s, i, i+1)
	}
}

// numbers returns the stored chunk numbers, ascending (nil for none).
func (cs *chunkSet) numbers() []int {
	if len(cs.s) == 0 {
		return nil
	}
	out := make([]int, len(cs.s))
	for i, e := range cs.s {
		out[i] = e.n
	}
	return out
}
