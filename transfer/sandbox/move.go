package sandbox

import (
	"errors"
	"fmt"
)

// ErrInsideItself is Move's error for moving a folder into itself or one
// of its descendants.
var ErrInsideItself = errors.New("a folder cannot be moved into itself")

// Move gives node id a new parent and name in one step, keeping its id,
// content, modification time and (for a folder) everything below it. A
// name taken by another node is ErrExists; moving the namespace root, or a
// folder into itself or below itself, is refused.
func (s *Store) Move(ns, id, parent, name string) (Node, error) {
	if err := checkName(name); err != nil {
		return Node{}, fmt.Errorf("move: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ns)
	n := sp.get(id)
	if n == nil {
		return Node{}, fmt.Errorf("move %s: %w", id, ErrNotFound)
	}
	if n == sp.root {
		return Node{}, errors.New("move: the root folder cannot be moved")
	}
	dest, err := sp.folder(parent)
	if err != nil {
		return Node{}, fmt.Errorf("move %q: %w", n.name, err)
	}
	for p := dest; p != nil; p = p.parent {
		if p == n {
			return Node{}, fmt.Errorf("move %q: %w", n.name, ErrInsideItself)
		}
	}
	if other, ok := dest.kids.get(name); ok && other != n {
		return Node{}, fmt.Errorf("move %q: %w", name, ErrExists)
	}
	sp.unlink(n)
	n.parent, n.name = dest, name
	sp.link(n)
	return s.clone(n)
}
