package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is what a node in the store is.
type Kind string

// The node kinds. An API uses the ones its service has.
const (
	KindFolder      Kind = "folder"
	KindFile        Kind = "file"        // complete content, Size set (its SHA-256: Snapshot)
	KindPlaceholder Kind = "placeholder" // a name reserved before content arrives (quatrix upload/link)
	KindPartial     Kind = "partial"     // content still arriving, visible in the tree
)

// Node is one folder or file of an API's tree. Values returned by the Store
// are copies: changing them changes nothing in the store (use Update).
type Node struct {
	ID     string            `json:"id"`
	Parent string            `json:"parent,omitempty"` // "" only for the namespace root
	Name   string            `json:"name"`
	Kind   Kind              `json:"kind"`
	Size   int64             `json:"size"`
	MTime  time.Time         `json:"mtime"`
	Link   string            `json:"link,omitempty"`
	Meta   map[string]string `json:"meta,omitempty"` // API-specific attributes
}

// content is a node's content inside the store: its blob and the sums
// the store computes when first needed (sum.go). It is part of the node's
// record (noderec.go); a computed sum is saved back to the record. New
// content is a new content value.
type content struct {
	blob   uint64
	sum    [32]byte // SHA-256, valid once summed
	summed bool
	md5    *md5Meta // the MD5 an API asked to show in Meta; nil when none
}

// blobPath is the file of blob id.
func (s *Store) blobPath(id uint64) string {
	return filepath.Join(s.blobDir, strconv.FormatUint(id, 36))
}

// Errors the Store returns; test them with errors.Is.
var (
	ErrNotFound  = errors.New("no such node")
	ErrExists    = errors.New("name already exists")
	ErrNotFolder = errors.New("not a folder")
	ErrBadName   = errors.New("invalid name")
)

// Store holds one tree of nodes per API namespace, in memory, with file
// contents as blobs on disk. Every method is safe for concurrent use; each
// mutation happens entirely under one lock, so a reader never sees a file
// without its content or a folder created twice.
//
// The tree is not persisted: a restarted sandbox starts empty (its blob
// directory and record file are cleared on open). Each node's tree fields
// (id, parent, name, kind, size, modification time, children) are in
// memory; its link, content and Meta are its record in a file beside the
// blobs (noderec.go), read back under the lock when a caller asks for the
// node, so the memory each stored file keeps stays small.
type Store struct {
	blobDir, tmpDir string
	now             func() time.Time

	mu     sync.Mutex            // guards ns, every node in it and the record file
	ns     map[string]*namespace // by API name
	recs   *os.File              // the nodes' records (noderec.go)
	recEnd int64                 // the record file's end: where the next new slot goes
	recBuf []byte                // save's encoding buffer

	blobSeq atomic.Uint64 // the last blob id given
	walks   atomic.Int64  // Snapshots taken (see Walks)
	listed  atomic.Int64  // nodes returned by Children (see Listed)
	hashed  atomic.Int64  // bytes fed to the store's checksums (see HashedBytes)

	files blobFiles // blobs whose temporary file is open (blobfiles.go)
}

type namespace struct {
	root  *node
	nodes map[nodeID]*node
}

// get returns the node called id, nil when there is none. Caller holds
// s.mu.
func (sp *namespace) get(id string) *node {
	k, ok := parseNodeID(id)
	if !ok {
		return nil
	}
	return sp.nodes[k]
}

// NewStore opens a store under dir (created if missing; its blobs and tmp
// subfolders are emptied). now is the clock for modification times.
func NewStore(dir string, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	s := &Store{
		blobDir: filepath.Join(dir, "blobs"), tmpDir: filepath.Join(dir, "tmp"),
		now: now, ns: map[string]*namespace{},
	}
	s.files.limit = maxOpenBlobs
	for _, d := range []string{s.blobDir, s.tmpDir} {
		if err := os.RemoveAll(d); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	recs, err := openRecords(dir)
	if err != nil {
		return nil, err
	}
	s.recs = recs
	return s, nil
}

// NewID returns a random RFC 4122 version 4 UUID in lower-case hex.
func NewID() string { return newNodeID().String() }

// space returns the namespace, creating it with its root folder. Caller
// holds s.mu.
func (s *Store) space(ns string) *namespace {
	n := s.ns[ns]
	if n == nil {
		root := &node{id: newNodeID(), name: "", kind: KindFolder, mtime: s.now()}
		n = &namespace{root: root, nodes: map[nodeID]*node{root.id: root}}
		s.ns[ns] = n
	}
	return n
}

// Root returns the root folder of namespace ns (created on first use).
func (s *Store) Root(ns string) Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.space(ns).root.with(record{}) // the root's record is empty
}

// Get returns the node with id, or ErrNotFound.
func (s *Store) Get(ns, id string) (Node, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.space(ns).get(id)
	if n == nil {
		return Node{}, fmt.Errorf("get %s: %w", id, ErrNotFound)
	}
	return s.clone(n)
}

// Lookup returns the child of parent called name, or ErrNotFound.
func (s *Store) Lookup(ns, parent, name string) (Node, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.space(ns).get(parent)
	if p == nil {
		return Node{}, fmt.Errorf("lookup %q: %w", name, ErrNotFound)
	}
	c, ok := p.kids.get(name)
	if !ok {
		return Node{}, fmt.Errorf("lookup %q: %w", name, ErrNotFound)
	}
	return s.clone(c)
}

// Children returns parent's children sorted by name; ErrNotFound for an
// unknown parent.
func (s *Store) Children(ns, parent string) ([]Node, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.space(ns).get(parent)
	if p == nil {
		return nil, fmt.Errorf("children of %s: %w", parent, ErrNotFound)
	}
	var out []Node
	kids := p.kids.sorted()
	s.listed.Add(int64(len(kids)))
	for _, c := range kids {
		n, err := s.clone(c)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// Path returns the slash-separated path of id from the namespace root
// ("/a/b/file.txt"; "/" for the root).
func (s *Store) Path(ns, id string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.space(ns).get(id)
	if n == nil {
		return "", fmt.Errorf("path of %s: %w", id, ErrNotFound)
	}
	return n.path(), nil
}

// path is n's slash-separated path from the namespace root. Caller holds
// s.mu.
func (n *node) path() string {
	var parts []string
	for ; n != nil && n.parent != nil; n = n.parent {
		parts = append(parts, n.name)
	}
	slices.Reverse(parts)
	return "/" + strings.Join(parts, "/")
}

// IsWithin reports whether id is root or a descendant of root.
func (s *Store) IsWithin(ns, id, root string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ns)
	r := sp.get(root)
	if r == nil {
		return false
	}
	for n := sp.get(id); n != nil; n = n.parent {
		if n == r {
			return true
		}
	}
	return false
}

func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("%w: %q", ErrBadName, name)
	}
	return nil
}

// folder returns parent as a folder node or an error. Caller holds s.mu.
func (sp *namespace) folder(parent string) (*node, error) {
	p := sp.get(parent)
	if p == nil {
		return nil, fmt.Errorf("parent %s: %w", parent, ErrNotFound)
	}
	if p.kind != KindFolder {
		return nil, fmt.Errorf("parent %q: %w", p.name, ErrNotFolder)
	}
	return p, nil
}

// link adds n under n.parent and adds its bytes to its ancestors' totals.
// Caller holds s.mu and checked the name is free.
func (sp *namespace) link(n *node) {
	sp.nodes[n.id] = n
	p := n.parent
	if p.kids == nil {
		p.kids = &kids{}
	}
	p.kids.put(n)
	addUp(p, n.weight())
}

// unlink takes n out of its parent's children and its bytes out of its
// ancestors' totals; n stays in sp.nodes. Caller holds s.mu.
func (sp *namespace) unlink(n *node) {
	n.parent.kids.remove(n.name)
	addUp(n.parent, -n.weight())
}

// addUp adds delta to the totals of p and every folder above it: the
// cost of keeping FileBytes current is the depth of the tree, never the
// number of nodes stored. Caller holds s.mu.
func addUp(p *node, delta int64) {
	if delta == 0 {
		return
	}
	for ; p != nil; p = p.parent {
		p.under += delta
	}
}

// own is the bytes n itself counts for: its size when it is a complete
// file, 0 for folders, placeholders and partials (what a recount over a
// Snapshot adds up).
func (n *node) own() int64 {
	if n.kind == KindFile {
		return n.size
	}
	return 0
}

// weight is the bytes n and everything below it count for.
func (n *node) weight() int64 { return n.own() + n.under }

// FileBytes returns the total Size of the complete files (KindFile)
// strictly below id, kept up to date by every mutation, so the answer
// costs O(1) whatever the number of files stored. It equals the sum over
// a Snapshot of the KindFile entries whose path lies under id's.
func (s *Store) FileBytes(ns, id string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.space(ns).get(id)
	if n == nil {
		return 0, fmt.Errorf("file bytes of %s: %w", id, ErrNotFound)
	}
	return n.under, nil
}

// EnsureFolder returns the folder called name under parent, creating it if
// missing; created tells which. Concurrent callers get the same folder.
// A non-folder with that name is ErrNotFolder.
func (s *Store) EnsureFolder(ns, parent, name string) (Node, bool, error) {
	if err := checkName(name); err != nil {
		return Node{}, false, fmt.Errorf("ensure folder: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ns)
	p, err := sp.folder(parent)
	if err != nil {
		return Node{}, false, fmt.Errorf("ensure folder %q: %w", name, err)
	}
	if n, ok := p.kids.get(name); ok {
		if n.kind != KindFolder {
			return Node{}, false, fmt.Errorf("ensure folder %q: %w", name, ErrNotFolder)
		}
		c, err := s.clone(n)
		return c, false, err
	}
	n := &node{id: newNodeID(), parent: p, name: name, kind: KindFolder, mtime: s.now()}
	sp.link(n)
	return n.with(record{}), true, nil
}

// Create adds an empty node (a folder, placeholder or partial) called
// n.Name under parent. ID, Parent, Size and content are set by the
// store; MTime defaults to now. A taken name is ErrExists.
func (s *Store) Create(ns, parent string, n Node) (Node, error) {
	if err := checkName(n.Name); err != nil {
		return Node{}, fmt.Errorf("create: %w", err)
	}
	if n.Kind == KindFile {
		return Node{}, errors.New("create: a file needs content: use Commit")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ns)
	p, err := sp.folder(parent)
	if err != nil {
		return Node{}, fmt.Errorf("create %q: %w", n.Name, err)
	}
	if _, ok := p.kids.get(n.Name); ok {
		return Node{}, fmt.Errorf("create %q: %w", n.Name, ErrExists)
	}
	nn := &node{id: newNodeID(), parent: p, name: n.Name, kind: n.Kind, mtime: n.MTime}
	r := record{link: n.Link, meta: flatMeta(n.Meta)} // the caller's Meta is a map, flattened here
	if nn.mtime.IsZero() {
		nn.mtime = s.now()
	}
	if err := s.save(nn, r); err != nil {
		return Node{}, fmt.Errorf("create %q: %w", n.Name, err)
	}
	sp.link(nn)
	return nn.with(r), nil
}

// Update applies fn to a copy of the node and stores the result. fn may
// change Kind, MTime, Link and Meta; changes to ID, Parent, Name and Size
// are ignored (content changes go through Commit or Fill).
func (s *Store) Update(ns, id string, fn func(*Node)) (Node, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.space(ns).get(id)
	if n == nil {
		return Node{}, fmt.Errorf("update %s: %w", id, ErrNotFound)
	}
	r, err := s.load(n)
	if err != nil {
		return Node{}, fmt.Errorf("update %s: %w", id, err)
	}
	c := n.with(r)
	fn(&c)
	r.link, r.meta = c.Link, flatMeta(c.Meta)
	if err := s.save(n, r); err != nil {
		return Node{}, fmt.Errorf("update %s: %w", id, err)
	}
	before := n.own()
	n.kind, n.mtime = c.Kind, c.MTime
	addUp(n.parent, n.own()-before)
	return n.with(r), nil
}

// Delete removes id and, for a folder, everything below it, deleting the
// blobs. The namespace root cannot be deleted.
func (s *Store) Delete(ns, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ns)
	n := sp.get(id)
	if n == nil {
		return fmt.Errorf("delete %s: %w", id, ErrNotFound)
	}
	if n == sp.root {
		return errors.New("delete: the root folder cannot be deleted")
	}
	sp.unlink(n)
	var errs []error
	var drop func(n *node)
	drop = func(n *node) {
		for _, c := range n.kids.all() {
			drop(c)
		}
		n.kids = nil
		r, err := s.load(n)
		if err != nil {
			errs = append(errs, err) // its blob, if any, stays on disk
		}
		if d := r.data; d != nil {
			if err := os.Remove(s.blobPath(d.blob)); err != nil {
				errs = append(errs, err)
			}
		}
		delete(sp.nodes, n.id)
	}
	drop(n)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	return nil
}

// Open opens the content of a file (or partial/placeholder with content)
// for reading; the caller closes it. A node without content is ErrNotFound.
func (s *Store) Open(ns, id string) (*os.File, error) {
	s.mu.Lock()
	// Opened under the lock so a concurrent Delete or Fill cannot remove
	// the blob between the lookup and the open.
	defer s.mu.Unlock()
	n := s.space(ns).get(id)
	var data *content
	if n != nil {
		r, err := s.load(n)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", id, err)
		}
		data = r.data
	}
	if data == nil {
		return nil, fmt.Errorf("open %s: %w", id, ErrNotFound)
	}
	f, err := os.Open(s.blobPath(data.blob))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", id, err)
	}
	return f, nil
}
