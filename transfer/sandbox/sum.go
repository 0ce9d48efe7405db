package sandbox

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"
)

// The store computes a file's SHA-256 (and the MD5 an API asked for, see
// CommitOptions.MD5Meta) on first need, not while the bytes arrive: no
// API answers with a sum, so on an upload's path hashing was pure cost,
// as much CPU per byte as receiving and writing the byte together.
//
// Contract:
//   - a file's sums are computed at most once per content (a replaced or
//     filled node has new content, summed anew), by reading its committed
//     blob back in one pass that feeds every digest needed;
//   - the first need is a Snapshot (GET /_sandbox/tree, Server.Tree),
//     which computes every missing sum before it answers (reading the
//     blobs without the store lock first, sumAhead; then, under the lock,
//     any a concurrent change left): a reader never sees a file without
//     its sums or with a sum of other bytes (a committed blob never
//     changes);
//   - Node values (Get, Lookup, Children, Commit, Fill, Update) carry no
//     sums; Snapshot entries do (Entry.SHA256, and Meta[MD5Meta]);
//   - HashedBytes counts every byte fed to each digest, so tests can prove
//     that storing hashes nothing and that each digest sees a byte once.

// md5Meta is the MD5 an API shows in a file's Meta under key.
type md5Meta struct {
	key   string
	sum   [16]byte
	known bool // sum is set (given at commit, or computed)
}

// newMD5Meta returns the MD5 request of o (nil when none), with the hex
// sum o gives, if any.
func newMD5Meta(o CommitOptions) (*md5Meta, error) {
	if o.MD5Meta == "" {
		if o.MD5 != "" {
			return nil, errors.New("commit: MD5 given without MD5Meta")
		}
		return nil, nil
	}
	m := &md5Meta{key: o.MD5Meta}
	if o.MD5 != "" {
		raw, err := hex.DecodeString(o.MD5)
		if err != nil || len(raw) != md5.Size {
			return nil, fmt.Errorf("commit: MD5 %q is not a hex MD5", o.MD5)
		}
		copy(m.sum[:], raw)
		m.known = true
	}
	return m, nil
}

// sums returns the SHA-256 of n, whose record is r ("" without content),
// and its Meta as a new map, with the MD5 in it when one was asked for,
// computing what is missing and saving it in n's record. A blob that
// cannot be read (or a record that cannot be saved) leaves its sums empty
// and is tried again at the next Snapshot. Caller holds s.mu (so the blob
// cannot be removed while it is read).
func (s *Store) sums(n *node, r record) (string, map[string]string) {
	meta := metaMap(r.meta)
	c := r.data
	if c == nil {
		return "", meta
	}
	if done, err := s.sum(c, true); err != nil {
		return "", meta
	} else if done {
		if err := s.save(n, r); err != nil {
			return "", meta
		}
	}
	if c.md5 != nil {
		if meta == nil {
			meta = map[string]string{}
		}
		meta[c.md5.key] = hex.EncodeToString(c.md5.sum[:])
	}
	return hex.EncodeToString(c.sum[:]), meta
}

// MD5 returns the hex MD5 of the content of file id, for a rule that
// needs it after the file was stored. The file must have been committed
// with CommitOptions.MD5Meta: the sum is kept (and shown in Snapshot), so
// each byte is hashed for it once.
func (s *Store) MD5(ns, id string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.space(ns).get(id)
	if n == nil {
		return "", fmt.Errorf("md5 of %s: %w", id, ErrNotFound)
	}
	r, err := s.load(n)
	if err != nil {
		return "", fmt.Errorf("md5 of %s: %w", id, err)
	}
	c := r.data
	if c == nil {
		return "", fmt.Errorf("md5 of %s: %w", id, ErrNotFound)
	}
	if c.md5 == nil {
		return "", fmt.Errorf("md5 of %s: committed without MD5Meta", id)
	}
	if done, err := s.sum(c, false); err != nil {
		return "", err
	} else if done {
		if err := s.save(n, r); err != nil {
			return "", fmt.Errorf("md5 of %s: %w", id, err)
		}
	}
	return hex.EncodeToString(c.md5.sum[:]), nil
}

// sum computes c's missing digests (the SHA-256 only when withSHA) in
// one pass over its blob; done tells whether it computed any (c changed
// and its record must be saved). Caller holds s.mu.
func (s *Store) sum(c *content, withSHA bool) (done bool, err error) {
	needSHA, needMD5 := withSHA && !c.summed, c.md5 != nil && !c.md5.known
	if !needSHA && !needMD5 {
		return false, nil
	}
	d, err := s.digest(c.blob, needSHA, needMD5)
	if err != nil {
		return false, err
	}
	d.set(c)
	return true, nil
}

// digests are the sums one pass over a blob computed.
type digests struct {
	sha, md5 bool // which were computed
	shaSum   [32]byte
	md5Sum   [16]byte
}

// set stores the computed sums in c. Caller holds s.mu.
func (d digests) set(c *content) {
	if d.sha && !c.summed {
		c.sum, c.summed = d.shaSum, true
	}
	if d.md5 && c.md5 != nil && !c.md5.known {
		c.md5.sum, c.md5.known = d.md5Sum, true
	}
}

// digest reads blob id once and computes the sums asked for. A committed
// blob never changes (new content is a new blob), so it needs no lock:
// the file is either there with exactly that content or gone.
func (s *Store) digest(id uint64, withSHA, withMD5 bool) (digests, error) {
	d := digests{sha: withSHA, md5: withMD5}
	f, err := os.Open(s.blobPath(id))
	if err != nil {
		return d, fmt.Errorf("sum blob: %w", err)
	}
	defer f.Close()
	var hs []hash.Hash
	var sh, mh hash.Hash
	if withSHA {
		sh = sha256.New()
		hs = append(hs, sh)
	}
	if withMD5 {
		mh = md5.New()
		hs = append(hs, mh)
	}
	n, err := copyBuffered(multiHash(hs), f)
	s.hashed.Add(n * int64(len(hs)))
	if err != nil {
		return d, fmt.Errorf("sum blob: %w", err)
	}
	if sh != nil {
		sh.Sum(d.shaSum[:0])
	}
	if mh != nil {
		mh.Sum(d.md5Sum[:0])
	}
	return d, nil
}

// sumAhead computes the missing sums of the files of namespace ns (all
// namespaces when "") without holding the store lock while it reads them,
// so the Snapshot that follows finds them computed and requests wait for
// the lock only while the records are read and written. A file removed
// or given new content meanwhile is skipped (its blob is gone; new
// content is summed by the Snapshot itself).
func (s *Store) sumAhead(ns string) {
	type pending struct {
		n        *node
		blob     uint64
		sha, md5 bool
	}
	var todo []pending
	s.mu.Lock()
	for name, sp := range s.ns {
		if ns != "" && name != ns {
			continue
		}
		for _, n := range sp.nodes {
			if n.n == 0 {
				continue // an empty record: no content
			}
			r, err := s.load(n)
			if c := r.data; err == nil && c != nil && (!c.summed || (c.md5 != nil && !c.md5.known)) {
				todo = append(todo, pending{n: n, blob: c.blob, sha: !c.summed, md5: c.md5 != nil && !c.md5.known})
			}
		}
	}
	s.mu.Unlock()
	for _, p := range todo {
		d, err := s.digest(p.blob, p.sha, p.md5)
		if err != nil {
			continue // removed meanwhile
		}
		s.mu.Lock()
		if r, err := s.load(p.n); err == nil && r.data != nil && r.data.blob == p.blob {
			d.set(r.data)
			_ = s.save(p.n, r) // unsaved, the Snapshot computes them again
		}
		s.mu.Unlock()
	}
}

// multiHash writes to every hash in turn (io.MultiWriter without the
// error checks hash.Hash.Write never needs).
type multiHash []hash.Hash

func (m multiHash) Write(p []byte) (int, error) {
	for _, h := range m {
		h.Write(p) // hash.Hash.Write never fails
	}
	return len(p), nil
}

// sumBufs are the 1 MiB buffers sums are read through.
var sumBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// copyBuffered copies r to w through a 1 MiB buffer (io.Copy would take
// 32 KiB pieces from a file) and returns the bytes copied.
func copyBuffered(w io.Writer, r io.Reader) (int64, error) {
	bp := sumBufs.Get().(*[]byte)
	defer sumBufs.Put(bp)
	var total int64
	for {
		n, err := Fill(r, *bp)
		if n > 0 {
			if _, werr := w.Write((*bp)[:n]); werr != nil {
				return total, werr
			}
			total += int64(n)
		}
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// HashedBytes returns how many bytes the store has fed to its digests so
// far, counting a byte once per digest. Tests use it to prove an upload's
// bytes are hashed only when a sum is needed, and once.
func (s *Store) HashedBytes() int64 { return s.hashed.Load() }
