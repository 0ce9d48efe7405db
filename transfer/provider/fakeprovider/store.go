package fakeprovider

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// store is the fake server's persistence: a flat key/value space whose keys
// are slash-separated. The memory store serves unit tests; the directory
// store lets the "server" survive a SIGKILL of the client process.
type store interface {
	put(key string, val []byte) error
	get(key string) ([]byte, bool, error)
	del(key string) error
	// list returns the keys starting with prefix, sorted.
	list(prefix string) ([]string, error)
}

// memStore keeps the values in a map, and for every folder prefix of a
// key ("a/", "a/b/" for "a/b/c") the set of keys below it, so that list,
// which the fake server calls for every session it opens or drops, costs
// what it returns rather than a walk of every key ever stored.
type memStore struct {
	mu   sync.Mutex // guards m and dirs
	m    map[string][]byte
	dirs map[string]map[string]struct{}
}

func newMemStore() *memStore {
	return &memStore{m: map[string][]byte{}, dirs: map[string]map[string]struct{}{}}
}

func (s *memStore) put(key string, val []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; !ok {
		for _, d := range folderPrefixes(key) {
			set := s.dirs[d]
			if set == nil {
				set = map[string]struct{}{}
				s.dirs[d] = set
			}
			set[key] = struct{}{}
		}
	}
	s.m[key] = append([]byte(nil), val...)
	return nil
}

func (s *memStore) get(key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return v, ok, nil
}

func (s *memStore) del(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; !ok {
		return nil
	}
	delete(s.m, key)
	for _, d := range folderPrefixes(key) {
		delete(s.dirs[d], key)
		if len(s.dirs[d]) == 0 {
			delete(s.dirs, d)
		}
	}
	return nil
}

func (s *memStore) list(prefix string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	if strings.HasSuffix(prefix, "/") {
		for k := range s.dirs[prefix] {
			keys = append(keys, k)
		}
	} else {
		for k := range s.m {
			if strings.HasPrefix(k, prefix) {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys, nil
}

// folderPrefixes returns the prefixes of key that end at one of its
// slashes: "a/", "a/b/" for "a/b/c".
func folderPrefixes(key string) []string {
	var out []string
	for i := range len(key) {
		if key[i] == '/' {
			out = append(out, key[:i+1])
		}
	}
	return out
}

// dirStore keeps every key in its own file below dir. Writes go through a
// temporary file and a rename, so a killed writer never leaves half a value.
type dirStore struct{ dir string }

func (s dirStore) path(key string) (string, error) {
	if key == "" || strings.Contains(key, "..") || strings.HasPrefix(key, "/") {
		return "", fmt.Errorf("fake store: bad key %q", key)
	}
	return filepath.Join(s.dir, filepath.FromSlash(key)), nil
}

func (s dirStore) put(key string, val []byte) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("fake store put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("fake store put %s: %w", key, err)
	}
	_, werr := tmp.Write(val)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("fake store put %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("fake store put %s: %w", key, err)
	}
	return nil
}

func (s dirStore) get(key string) ([]byte, bool, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, false, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("fake store get %s: %w", key, err)
	}
	return b, true, nil
}

func (s dirStore) del(key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fake store delete %s: %w", key, err)
	}
	return nil
}

func (s dirStore) list(prefix string) ([]string, error) {
	var keys []string
	// Walk only the folder the prefix names, not the whole server.
	base := s.dir
	if i := strings.LastIndex(prefix, "/"); i > 0 {
		base = filepath.Join(s.dir, filepath.FromSlash(prefix[:i]))
	}
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == base {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".tmp-") {
			return nil
		}
		rel, err := filepath.Rel(s.dir, p)
		if err != nil {
			return err
		}
		if k := filepath.ToSlash(rel); strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fake store list %s: %w", prefix, err)
	}
	sort.Strings(keys)
	return keys, nil
}
