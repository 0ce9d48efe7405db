package sandbox

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Entry is one node in a Snapshot: what tests and GET /_sandbox/tree show.
type Entry struct {
	API    string            `json:"api"`
	Path   string            `json:"path"` // "/a/b/file.txt" from the namespace root
	Kind   Kind              `json:"kind"`
	Size   int64             `json:"size"`
	SHA256 string            `json:"sha256,omitempty"`
	ID     string            `json:"id"`
	MTime  time.Time         `json:"mtime"`
	Link   string            `json:"link,omitempty"`
	Meta   map[string]string `json:"meta,omitempty"`
}

// Snapshot lists every node but the roots of namespace ns (all namespaces
// when ns is ""), sorted by API and path. It is a consistent view: taken
// under the store lock in one go, after computing the sums of files not
// summed yet (sum.go).
func (s *Store) Snapshot(ns string) []Entry {
	s.walks.Add(1)
	s.sumAhead(ns)
	s.mu.Lock()
	defer s.mu.Unlock()
	names := slices.Sorted(maps.Keys(s.ns))
	var out []Entry
	for _, name := range names {
		if ns != "" && name != ns {
			continue
		}
		sp := s.ns[name]
		for _, n := range sp.nodes {
			if n == sp.root {
				continue
			}
			r, err := s.load(n)
			if err != nil {
				// The record file is the store's own, written under this
				// lock: a read failing is a broken disk, not a request.
				panic(fmt.Sprintf("sandbox store snapshot: %v", err))
			}
			sha, meta := s.sums(n, r)
			out = append(out, Entry{
				API: name, Path: n.path(), Kind: n.kind, Size: n.size, SHA256: sha,
				ID: n.id.String(), MTime: n.mtime, Link: r.link, Meta: meta,
			})
		}
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if a.API != b.API {
			if a.API < b.API {
				return -1
			}
			return 1
		}
		switch {
		case a.Path < b.Path:
			return -1
		case a.Path > b.Path:
			return 1
		}
		return 0
	})
	return out
}

// Walks returns how many Snapshots (walks of a whole namespace) the store
// has taken. Tests use it to prove a request's cost does not grow with
// the files stored: no API calls Snapshot on a request path.
func (s *Store) Walks() int64 { return s.walks.Load() }

// Listed returns how many nodes Children has returned so far. Tests use
// it to prove a request does not list a folder whose size grows with the
// files stored (a name check is a Lookup).
func (s *Store) Listed() int64 { return s.listed.Load() }
