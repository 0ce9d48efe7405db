package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"
)

// Conflict is what Commit does when the name is taken.
type Conflict int

const (
	// ConflictFail returns ErrExists and leaves the existing node alone.
	ConflictFail Conflict = iota
	// ConflictRename stores the new file under the first free name made by
	// CommitOptions.RenameFormat.
	ConflictRename
	// ConflictReplace swaps the content of the existing file, keeping its
	// id (an existing folder is still ErrExists).
	ConflictReplace
)

// CommitOptions adjust Commit.
type CommitOptions struct {
	Conflict Conflict
	// RenameFormat builds the n-th alternative name (n >= 1) from the base
	// name and extension (".txt" or ""); default "base (n).ext".
	RenameFormat func(base, ext string, n int) string
	MTime        time.Time         // default now
	Link         string            // stored as Node.Link
	Meta         map[string]string // stored as Node.Meta
	// MD5Meta, when set, is a Meta key under which Snapshot shows the
	// content's hex MD5: MD5 when given (the caller computed it already),
	// else computed by the store on first need with the SHA-256 (sum.go).
	// Node values do not carry it.
	MD5Meta string
	MD5     string
}

// Commit makes b durable (fsync, rename into the blob directory) and then,
// under the store lock, links it as a file called name under parent. The
// file appears in the tree complete or not at all. b is consumed whatever
// the outcome: on error its content is deleted. Its sums are computed on
// first need (sum.go).
func (s *Store) Commit(ns, parent, name string, b *Blob, o CommitOptions) (Node, error) {
	if err := checkName(name); err != nil {
		b.Discard()
		return Node{}, fmt.Errorf("commit: %w", err)
	}
	m5, err := newMD5Meta(o)
	if err != nil {
		b.Discard()
		return Node{}, err
	}
	blob, size, err := b.commit()
	if err != nil {
		b.Discard()
		return Node{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.linkBlob(ns, parent, name, &content{blob: blob, md5: m5}, size, o)
	if err != nil {
		_ = os.Remove(s.blobPath(blob)) // not linked anywhere: nothing else refers to it
		return Node{}, err
	}
	return n, nil
}

// linkBlob links a committed blob. Caller holds s.mu.
func (s *Store) linkBlob(ns, parent, name string, data *content, size int64, o CommitOptions) (Node, error) {
	sp := s.space(ns)
	p, err := sp.folder(parent)
	if err != nil {
		return Node{}, fmt.Errorf("commit %q: %w", name, err)
	}
	mtime := o.MTime
	if mtime.IsZero() {
		mtime = s.now()
	}
	if old, taken := p.kids.get(name); taken {
		switch {
		case o.Conflict == ConflictReplace && old.kind != KindFolder:
			r, err := s.load(old)
			if err != nil {
				return Node{}, err
			}
			oldData, before := r.data, old.own()
			r.data = data
			if o.Link != "" {
				r.link = o.Link
			}
			if o.Meta != nil {
				r.meta = flatMeta(o.Meta)
			}
			if err := s.save(old, r); err != nil {
				return Node{}, err
			}
			old.kind, old.size, old.mtime = KindFile, size, mtime
			addUp(old.parent, old.own()-before)
			if oldData != nil {
				_ = os.Remove(s.blobPath(oldData.blob)) // replaced content; a leftover only costs disk
			}
			return old.with(r), nil
		case o.Conflict == ConflictRename:
			name = freeName(p, name, o.RenameFormat)
		default:
			return Node{}, fmt.Errorf("commit %q: %w", name, ErrExists)
		}
	}
	n := &node{id: newNodeID(), parent: p, name: name, kind: KindFile, size: size, mtime: mtime}
	r := record{link: o.Link, data: data, meta: flatMeta(o.Meta)}
	if err := s.save(n, r); err != nil {
		return Node{}, err
	}
	sp.link(n)
	return n.with(r), nil
}

func freeName(parent *node, name string, format func(base, ext string, n int) string) string {
	if format == nil {
		format = func(base, ext string, n int) string { return fmt.Sprintf("%s (%d)%s", base, n, ext) }
	}
	ext := path.Ext(name)
	if ext == name { // ".bashrc" has no extension
		ext = ""
	}
	base := strings.TrimSuffix(name, ext)
	for i := 1; ; i++ {
		alt := format(base, ext, i)
		if _, taken := parent.kids.get(alt); !taken {
			return alt
		}
	}
}

// Fill gives the existing node id (a placeholder, partial or file) the
// content of b and makes it a file, keeping its id, name and place. b is
// consumed whatever the outcome.
func (s *Store) Fill(ns, id string, b *Blob, mtime time.Time) (Node, error) {
	blob, size, err := b.commit()
	if err != nil {
		b.Discard()
		return Node{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.space(ns).get(id)
	if n == nil || n.kind == KindFolder {
		_ = os.Remove(s.blobPath(blob)) // not linked anywhere
		if n == nil {
			return Node{}, fmt.Errorf("fill %s: %w", id, ErrNotFound)
		}
		return Node{}, fmt.Errorf("fill %q: %w", n.name, errors.New("is a folder"))
	}
	if mtime.IsZero() {
		mtime = s.now()
	}
	r, err := s.load(n)
	if err == nil {
		oldData := r.data
		r.data = &content{blob: blob}
		if err = s.save(n, r); err == nil && oldData != nil {
			_ = os.Remove(s.blobPath(oldData.blob)) // replaced content; a leftover only costs disk
		}
	}
	if err != nil {
		_ = os.Remove(s.blobPath(blob)) // not linked anywhere
		return Node{}, fmt.Errorf("fill %q: %w", n.name, err)
	}
	before := n.own()
	n.kind, n.size, n.mtime = KindFile, size, mtime
	addUp(n.parent, n.own()-before)
	return n.with(r), nil
}
