// Package contentsum is the content hash Ferry keeps of every file it
// uploads (in the sent index, queue.Fingerprint): a later version with the
// same size but another mtime is hashed and, when the bytes are the same,
// not sent again; a move is told from a delete and a new file by it.
//
// The hash is only ever compared with another taken on this machine's
// files, so its algorithm is a local choice, stored with each sum: BLAKE3
// where the CPU runs it fastest (amd64, with AVX2/AVX-512: about three
// times SHA-256's speed even with the CPU's SHA instructions, which made
// the hash a third of a big upload's CPU), SHA-256 elsewhere (arm64 has SHA
// instructions and no BLAKE3 assembly in the library). Both are
// cryptographic: a file cannot be made to pass for another.
//
// A stored sum is the digest alone for SHA-256 (32 bytes: how records were
// written before BLAKE3, so they keep their meaning) and the algorithm's
// tag byte then the digest for the others (33 bytes). A sum is compared
// by computing the file's hash with the stored sum's algorithm, whichever
// is preferred now.
package contentsum

import (
	"crypto/sha256"
	"hash"
	"io"
	"runtime"
	"sync"

	"github.com/zeebo/blake3"
)

// Algo is a content hash algorithm.
type Algo byte

const (
	SHA256 Algo = 1 // stored untagged (32 bytes)
	BLAKE3 Algo = 2 // stored as tagBLAKE3 + 32 bytes
)

// digestSize is both algorithms' digest length.
const digestSize = 32

// tagBLAKE3 starts a stored BLAKE3 sum.
const tagBLAKE3 = 'b'

// Preferred is the algorithm new sums are taken with on this machine.
func Preferred() Algo {
	if runtime.GOARCH == "amd64" {
		return BLAKE3
	}
	return SHA256
}

// New returns a hash of algorithm a (SHA-256 for an unknown one). Hand
// it to Release when done with it.
func (a Algo) New() hash.Hash {
	if a == BLAKE3 {
		if h, ok := blake3Pool.Get().(*blake3.Hasher); ok {
			return h
		}
		return blake3.New()
	}
	return sha256.New()
}

// blake3Pool keeps reset BLAKE3 hashers: each holds about 10 KB of
// buffers, allocated anew for every small file before the pool (16 % of
// the bytes the engine allocated per file in BenchmarkSmallFiles).
var blake3Pool sync.Pool

// Release hands back a hash New returned, which its caller must not use
// again. Releasing is optional; a hash of another kind is ignored.
func Release(h hash.Hash) {
	if b, ok := h.(*blake3.Hasher); ok {
		b.Reset()
		blake3Pool.Put(b)
	}
}

func (a Algo) String() string {
	if a == BLAKE3 {
		return "BLAKE3"
	}
	return "SHA-256"
}

// Seal returns the stored form of digest, taken with a.
func Seal(a Algo, digest []byte) []byte {
	if a == SHA256 {
		return digest
	}
	out := make([]byte, 0, 1+len(digest))
	return append(append(out, tagBLAKE3), digest...)
}

// Sum returns the stored form of h's current sum (h made by a.New).
func (a Algo) Sum(h hash.Hash) []byte {
	if a == SHA256 {
		return h.Sum(nil)
	}
	out := make([]byte, 1, 1+digestSize)
	out[0] = tagBLAKE3
	return h.Sum(out)
}

// Of reports the algorithm of the stored sum s; ok is false when s is no
// sum (nil: none was taken; or damaged).
func Of(s []byte) (a Algo, ok bool) {
	switch {
	case len(s) == digestSize:
		return SHA256, true
	case len(s) == 1+digestSize && s[0] == tagBLAKE3:
		return BLAKE3, true
	}
	return 0, false
}

// Reader returns the stored sum, taken with a, of everything r yields,
// and the number of bytes read.
func Reader(a Algo, r io.Reader) ([]byte, int64, error) {
	h := a.New()
	defer Release(h)
	n, err := io.Copy(h, r)
	if err != nil {
		return nil, n, err
	}
	return a.Sum(h), n, nil
}
