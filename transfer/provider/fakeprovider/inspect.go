package fakeprovider

import (
	"bytes"
	"slices"
	"strings"
)

// File is one file the fake server stores.
type File struct {
	Path   string // slash-separated remote path
	Size   int64
	SHA256 []byte // nil in Discard mode
	ID     string
}

// Files lists the stored files, sorted by path.
func (p *Provider) Files() ([]File, error) { return p.srv.files() }

func (s *server) files() ([]File, error) {
	keys, err := s.store.list("meta/")
	if err != nil {
		return nil, err
	}
	out := make([]File, 0, len(keys))
	for _, k := range keys {
		var m fileMeta
		ok, err := s.getJSON(k, &m)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, File{Path: m.Path, Size: m.Size, SHA256: m.SHA256, ID: m.ID})
		}
	}
	return out, nil
}

// Data returns a stored file's content; ok is false when there is no file
// at remotePath (or in Discard mode).
func (p *Provider) Data(remotePath string) (data []byte, ok bool, err error) {
	return p.srv.store.get("data/" + remotePath)
}

// Sessions lists the ids of the server's open sessions (begun, neither
// finished nor aborted).
func (p *Provider) Sessions() ([]string, error) {
	keys, err := p.srv.store.list("sess/")
	for i, k := range keys {
		keys[i] = strings.TrimPrefix(k, "sess/")
	}
	return keys, err
}

// Calls returns every recorded call in order. A directory server returns
// its on-disk log, which includes the calls of earlier (killed) processes.
func (p *Provider) Calls() ([]Call, error) {
	if p.srv.log != nil {
		return readCallLog(p.srv.opts.Dir)
	}
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	return slices.Clone(p.srv.calls), nil
}

// Violations lists the contract violations the client committed (chunks out
// of order or concurrent without ParallelChunks, wrong chunk plans, bodies
// of the wrong length). An engine test expects none.
func (p *Provider) Violations() []string {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	return slices.Clone(p.srv.viol)
}

// Finishes counts the successful Finish calls per remote path: "uploaded
// exactly once" means 1.
func (p *Provider) Finishes() (map[string]int, error) {
	calls, err := p.Calls()
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, c := range calls {
		if c.Op == OpFinish && c.OK() {
			out[c.Path]++
		}
	}
	return out, nil
}

// Holds reports whether the server stores exactly data at remotePath.
func (p *Provider) Holds(remotePath string, data []byte) (bool, error) {
	got, ok, err := p.Data(remotePath)
	return ok && bytes.Equal(got, data), err
}
