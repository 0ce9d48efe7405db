package filesro

import (
	"fmt"
	"strings"
	"sync"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// resetsForLimit is how many cuts of one chunk (same file, offset and
// size) are taken as a body size limit rather than bad luck.
const resetsForLimit = 2

// uploadID names one version of one file: sessions of it come and go (a
// restart uses a new key), what the provider remembers about it stays.
func uploadID(u provider.Upload) string {
	return fmt.Sprintf("%s\x00%s\x00%d\x00%d", strings.Join(u.Dir, "/"), u.Name, u.Size, u.ModTime.UnixNano())
}

// resetLog counts connection cuts per chunk across the sessions of one
// file, so that a size limit (every attempt of the chunk is cut) can be
// told from a bad network (cuts anywhere). A chunk that gets through is
// forgotten.
type resetLog struct {
	mu sync.Mutex
	n  map[string]int
}

func resetKey(u provider.Upload, c provider.Chunk) string {
	return fmt.Sprintf("%s\x00%d\x00%d", uploadID(u), c.Offset, c.Size)
}

// add records a cut of c and returns how many there were in a row.
func (l *resetLog) add(u provider.Upload, c provider.Chunk) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n == nil {
		l.n = map[string]int{}
	}
	k := resetKey(u, c)
	l.n[k]++
	return l.n[k]
}

// clear forgets the cuts of c (it got an answer).
func (l *resetLog) clear(u provider.Upload, c provider.Chunk) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.n, resetKey(u, c))
}

// lostLog remembers uploads whose storing request got no answer, so the
// attempt that sends them again says the server may then hold two copies.
type lostLog struct {
	mu sync.Mutex
	m  map[string]bool
}

func (l *lostLog) add(u provider.Upload) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]bool{}
	}
	l.m[uploadID(u)] = true
}

// take reports whether u's storing request was lost, and forgets it.
func (l *lostLog) take(u provider.Upload) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := uploadID(u)
	was := l.m[k]
	delete(l.m, k)
	return was
}
