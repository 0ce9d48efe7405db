package sandbox

import (
	"crypto/rand"
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

	data  *content // the content, nil for folders and empty placeholders
	under int64    // bytes of the KindFile nodes strictly below this one (see FileBytes)
	meta  []string // Meta inside the store, as keys and values (meta.go)
}

// content is a node's content inside the store: its blob and the sums
// the store computes when first needed (sum.go). A Node's content never
// changes; new content is a new content value.
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
// directory is cleared on open).
type Store struct {
	blobDir, tmpDir string
	now             func() time.Time

	mu sync.Mutex            // guards ns and every node in it
	ns map[string]*namespace // by API name

	blobSeq atomic.Uint64 // the last blob id given
	walks   atomic.Int64  // Snapshots taken (see Walks)
	listed  atomic.Int64  // nodes returned by Children (see Listed)
	hashed  atomic.Int64  // bytes fed to the store's checksums (see HashedBytes)
}

type namespace struct {
	root     string
	nodes    map[string]*Node
	children map[string]*kids // parent id -> its children (kids.go)
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
	for _, d := range []string{s.blobDir, s.tmpDir} {
		if err := os.RemoveAll(d); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	return s, nil
}

// NewID returns a random RFC 4122 version 4 UUID in lower-case hex.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it panics on a broken OS)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// space returns the namespace, creating it with its root folder. Caller
// holds s.mu.
func (s *Store) space(ns string) *namespace {
	n := s.ns[ns]
	if n == nil {
		root := &Node{ID: NewID(), Name: "", Kind: KindFolder, MTime: s.now()}
		n = &namespace{root: root.ID, nodes: map[string]*Node{root.ID: root}, children: map[string]*kids{}}
		s.ns[ns] = n
	}
	return n
}

// Root returns the root folder of namespace ns (created on first use).
func (s *Store) Root(ns string) Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ns)
	return sp.nodes[sp.root].clone()
}

// Get returns the node with id, or ErrNotFound.
func (s *Store) Get(ns, id string) (Node, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.space(ns).nodes[id]
	if n == nil {
		return Node{}, fmt.Errorf("get %s: %w", id, ErrNotFound)
	}
	return n.clone(), nil
}

// Lookup returns the child of parent called name, or ErrNotFound.
func (s *Store) Lookup(ns, parent, name string) (Node, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ns)
	id, ok := sp.children[parent].get(name)
	if !ok {
		return Node{}, fmt.Errorf("lookup %q: %w", name, ErrNotFound)
	}
	return sp.nodes[id].clone(), nil
}

// Children returns parent's children sorted by name; ErrNotFound for an
// unknown parent.
func (s *Store) Children(ns, parent string) ([]Node, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ns)
	if sp.nodes[parent] == nil {
		return nil, fmt.Errorf("children of %s: %w", parent, ErrNotFound)
	}
	var out []Node
	k := sp.children[parent]
	names := k.names()
	s.listed.Add(int64(len(names)))
	for _, name := range names {
		id, _ := k.get(name)
		out = append(out, sp.nodes[id].clone())
	}
	return out, nil
}

// Path returns the slash-separated path of id from the namespace root
// ("/a/b/file.txt"; "/" for the root).
func (s *Store) Path(ns, id string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ns)
	if sp.nodes[id] == nil {
		return "", fmt.Errorf("path of %s: %w", id, ErrNotFound)
	}
	return sp.path(id), nil
}

func (sp *namespace) path(id string) string {
	var parts []string
	for n := sp.nodes[id]; n != nil && n.Parent != ""; n = sp.nodes[n.Parent] {
		parts = append(parts, n.Name)
	}
	slices.Reverse(parts)
	return "/" + strings.Join(parts, "/")
}

// IsWithin reports whether id is root or a descendant of root.
func (s *Store) IsWithin(ns, id, root string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ns)
	for n := sp.nodes[id]; n != nil; n = sp.nodes[n.Parent] {
		if n.ID == root {
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
func (sp *namespace) folder(parent string) (*Node, error) {
	p := sp.nodes[parent]
	if p == nil {
		return nil, fmt.Errorf("parent %s: %w", parent, ErrNotFound)
	}
	if p.Kind != KindFolder {
		return nil, fmt.Errorf("parent %q: %w", p.Name, ErrNotFolder)
	}
	return p, nil
}

// link adds n under n.Parent and adds its bytes to its ancestors' totals.
// Caller holds s.mu and checked the name is free.
func (sp *namespace) link(n *Node) {
	sp.nodes[n.ID] = n
	k := sp.children[n.Parent]
	if k == nil {
		k = &kids{}
		sp.children[n.Parent] = k
	}
	k.put(n.Name, n.ID)
	sp.addUp(n.Parent, n.weight())
}

// unlink takes n out of its parent's children and its bytes out of its
// ancestors' totals; n stays in sp.nodes. Caller holds s.mu.
func (sp *namespace) unlink(n *Node) {
	sp.children[n.Parent].remove(n.Name)
	sp.addUp(n.Parent, -n.weight())
}

// addUp adds delta to the totals of id and every folder above it: the
// cost of keeping FileBytes current is the depth of the tree, never the
// number of nodes stored. Caller holds s.mu.
func (sp *namespace) addUp(id string, delta int64) {
	if delta == 0 {
		return
	}
	for p := sp.nodes[id]; p != nil; p = sp.nodes[p.Parent] {
		p.under += delta
	}
}

// own is the bytes n itself counts for: its size when it is a complete
// file, 0 for folders, placeholders and partials (what a recount over a
// Snapshot adds up).
func (n *Node) own() int64 {
	if n.Kind == KindFile {
		return n.Size
	}
	return 0
}

// weight is the bytes n and everything below it count for.
func (n *Node) weight() int64 { return n.own() + n.under }

// FileBytes returns the total Size of the complete files (KindFile)
// strictly below id, kept up to date by every mutation, so the answer
// costs O(1) whatever the number of files stored. It equals the sum over
// a Snapshot of the KindFile entries whose path lies under id's.
func (s *Store) FileBytes(ns, id string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.space(ns).nodes[id]
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
	if _, err := sp.folder(parent); err != nil {
		return Node{}, false, fmt.Errorf("ensure folder %q: %w", name, err)
	}
	if id, ok := sp.children[parent].get(name); ok {
		n := sp.nodes[id]
		if n.Kind != KindFolder {
			return Node{}, false, fmt.Errorf("ensure folder %q: %w", name, ErrNotFolder)
		}
		return n.clone(), false, nil
	}
	n := &Node{ID: NewID(), Parent: parent, Name: name, Kind: KindFolder, MTime: s.now()}
	sp.link(n)
	return n.clone(), true, nil
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
	if _, err := sp.folder(parent); err != nil {
		return Node{}, fmt.Errorf("create %q: %w", n.Name, err)
	}
	if _, ok := sp.children[parent].get(n.Name); ok {
		return Node{}, fmt.Errorf("create %q: %w", n.Name, ErrExists)
	}
	nn := n // the caller's node: its Meta is a map, flattened here
	nn.setMeta(n.Meta)
	nn.ID, nn.Parent, nn.Size, nn.data, nn.under = NewID(), parent, 0, nil, 0
	if nn.MTime.IsZero() {
		nn.MTime = s.now()
	}
	sp.link(&nn)
	return nn.clone(), nil
}

// Update applies fn to a copy of the node and stores the result. fn may
// change Kind, MTime, Link and Meta; changes to ID, Parent, Name and Size
// are ignored (content changes go through Commit or Fill).
func (s *Store) Update(ns, id string, fn func(*Node)) (Node, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ns)
	n := sp.nodes[id]
	if n == nil {
		return Node{}, fmt.Errorf("update %s: %w", id, ErrNotFound)
	}
	c := n.clone()
	fn(&c)
	before := n.own()
	n.Kind, n.MTime, n.Link = c.Kind, c.MTime, c.Link
	n.setMeta(c.Meta)
	sp.addUp(n.Parent, n.own()-before)
	return n.clone(), nil
}

// Delete removes id and, for a folder, everything below it, deleting the
// blobs. The namespace root cannot be deleted.
func (s *Store) Delete(ns, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ns)
	n := sp.nodes[id]
	if n == nil {
		return fmt.Errorf("delete %s: %w", id, ErrNotFound)
	}
	if id == sp.root {
		return errors.New("delete: the root folder cannot be deleted")
	}
	sp.unlink(n)
	var errs []error
	var drop func(id string)
	drop = func(id string) {
		for _, c := range sp.children[id].ids() {
			drop(c)
		}
		delete(sp.children, id)
		if d := sp.nodes[id].data; d != nil {
			if err := os.Remove(s.blobPath(d.blob)); err != nil {
				errs = append(errs, err)
			}
		}
		delete(sp.nodes, id)
	}
	drop(id)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	return nil
}

// Open opens the content of a file (or partial/placeholder with content)
// for reading; the caller closes it. A node without content is ErrNotFound.
func (s *Store) Open(ns, id string) (*os.File, error) {
	s.mu.Lock()
	n := s.space(ns).nodes[id]
	var data *content
	if n != nil {
		data = n.data
	}
	// Opened under the lock so a concurrent Delete or Fill cannot remove
	// the blob between the lookup and the open.
	defer s.mu.Unlock()
	if data == nil {
		return nil, fmt.Errorf("open %s: %w", id, ErrNotFound)
	}
	f, err := os.Open(s.blobPath(data.blob))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", id, err)
	}
	return f, nil
}

// clone returns a copy of the stored node n for a caller, its Meta a new
// map.
func (n *Node) clone() Node {
	c := *n
	c.Meta, c.meta = n.metaMap(), nil
	c.data = nil
	return c
}
