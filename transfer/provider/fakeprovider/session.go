package fakeprovider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// Session is one upload on the fake server.
type Session struct {
	srv *server
	rec sessionRecord

	mu    sync.Mutex   // guards acked
	acked map[int]bool // chunks the server acknowledged
}

var _ provider.Session = (*Session)(nil)

// chunkMeta is the server's record of one acknowledged chunk.
type chunkMeta struct {
	Size   int64
	SHA256 []byte
}

// fileMeta is the server's record of one stored file.
type fileMeta struct {
	Path    string
	Size    int64
	SHA256  []byte // nil in Discard mode
	ID      string
	ModTime time.Time
}

// State returns the session id and the acknowledged chunks as JSON.
func (s *Session) State() []byte {
	s.mu.Lock()
	st := sessionState{ID: s.rec.ID, Acked: sortedKeys(s.acked)}
	s.mu.Unlock()
	b, err := encodeJSON(st)
	if err != nil {
		panic(err) // a struct of a string and ints always encodes
	}
	return b
}

// PutChunk stores one chunk after reading exactly c.Size bytes from body.
// Repeating an acknowledged chunk replaces it. Without ParallelChunks a chunk
// sent concurrently with another, or beyond the next missing one, is a
// contract violation: it fails with ErrPermanent and is listed by
// Violations.
func (s *Session) PutChunk(ctx context.Context, c provider.Chunk, body io.ReadSeeker) error {
	srv := s.srv
	call := Call{Op: OpPut, Session: s.rec.ID, Path: remotePath(s.rec.Upload), Chunk: c.Index, Size: c.Size}
	op := "put chunk " + strconv.Itoa(c.Index)
	if err := srv.enterNoFault(ctx, &call); err != nil {
		return srv.record(call, err)
	}
	if want := s.rec.Upload.Chunk(c.Index); c.Index < 0 || c.Index >= s.rec.Upload.Chunks() || c != want {
		return srv.record(call, srv.violate(&provider.Error{Kind: provider.ErrPermanent, Op: op, Message: fmt.Sprintf("chunk %+v does not match the plan %+v", c, want)}))
	}
	if srv.opts.MaxBody > 0 && c.Size > srv.opts.MaxBody {
		return srv.record(call, &provider.Error{Kind: provider.ErrTooLarge, Op: op, Status: 413, Message: "request entity too large"})
	}
	caps := (&Provider{srv: srv}).Capabilities()
	release, err := s.admit(caps, c, op)
	if err != nil {
		return srv.record(call, err)
	}
	defer release()

	h := sha256.New()
	var buf bytes.Buffer
	w := io.Writer(h)
	if !srv.opts.Discard {
		w = io.MultiWriter(h, &buf)
	}
	n, err := io.Copy(w, io.LimitReader(body, c.Size+1))
	call.Bytes = n
	if err != nil {
		return srv.record(call, fmt.Errorf("%s: read body: %w", op, err))
	}
	if n != c.Size {
		return srv.record(call, srv.violate(&provider.Error{Kind: provider.ErrPermanent, Op: op, Message: fmt.Sprintf("body carried %d bytes, chunk declares %d", n, c.Size)}))
	}
	if err := srv.fault(ctx, call); err != nil {
		return srv.record(call, err)
	}
	if ok, err := srv.sessionExists(s.rec.ID); err != nil || !ok {
		if err == nil {
			err = &provider.Error{Kind: provider.ErrSessionGone, Op: op, Status: 404}
		}
		return srv.record(call, err)
	}
	key := s.rec.ID + "/" + strconv.Itoa(c.Index)
	if !srv.opts.Discard {
		if err := srv.store.put("chunk/"+key, buf.Bytes()); err != nil {
			return srv.record(call, err)
		}
	}
	if err := srv.putJSON("ack/"+key, chunkMeta{Size: n, SHA256: h.Sum(nil)}); err != nil {
		return srv.record(call, err)
	}
	s.mu.Lock()
	s.acked[c.Index] = true
	s.mu.Unlock()
	srv.record(call, nil)
	return nil
}

// admit enforces sequential sending when the capabilities forbid parallel
// chunks; the returned func ends the call.
func (s *Session) admit(caps provider.Capabilities, c provider.Chunk, op string) (func(), error) {
	srv := s.srv
	srv.mu.Lock()
	defer srv.mu.Unlock()
	id := s.rec.ID
	if !caps.ParallelChunks {
		if srv.active[id] > 0 {
			return nil, srv.violateLocked(&provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "chunk sent while another is in flight"})
		}
		s.mu.Lock()
		next := 0
		for s.acked[next] {
			next++
		}
		s.mu.Unlock()
		if c.Index > next {
			return nil, srv.violateLocked(&provider.Error{Kind: provider.ErrPermanent, Op: op, Message: fmt.Sprintf("chunk %d sent before chunk %d", c.Index, next)})
		}
	}
	srv.active[id]++
	return func() {
		srv.mu.Lock()
		srv.active[id]--
		srv.mu.Unlock()
	}, nil
}

// Finish assembles the file when every chunk was acknowledged with the
// planned sizes; otherwise it fails with ErrPermanent and stores nothing.
// A name taken meanwhile is renamed, overwritten or refused (ErrConflict)
// per the session's policy.
func (s *Session) Finish(ctx context.Context) (provider.Result, error) {
	srv := s.srv
	u := s.rec.Upload
	call := Call{Op: OpFinish, Session: s.rec.ID, Path: remotePath(u), Size: u.Size}
	if err := srv.enter(ctx, &call); err != nil {
		return provider.Result{}, srv.record(call, err)
	}
	if ok, err := srv.sessionExists(s.rec.ID); err != nil || !ok {
		if err == nil {
			err = &provider.Error{Kind: provider.ErrSessionGone, Op: "finish", Status: 404}
		}
		return provider.Result{}, srv.record(call, err)
	}
	acked, err := srv.ackedMeta(s.rec.ID)
	if err != nil {
		return provider.Result{}, srv.record(call, err)
	}
	var total int64
	for i := range u.Chunks() {
		m, ok := acked[i]
		if !ok || m.Size != u.Chunk(i).Size {
			return provider.Result{}, srv.record(call, &provider.Error{Kind: provider.ErrPermanent, Op: "finish", Message: fmt.Sprintf("chunk %d missing or of the wrong size", i)})
		}
		total += m.Size
	}
	if total != u.Size || len(acked) != u.Chunks() {
		return provider.Result{}, srv.record(call, &provider.Error{Kind: provider.ErrPermanent, Op: "finish", Message: fmt.Sprintf("received %d bytes in %d chunks, declared %d bytes in %d", total, len(acked), u.Size, u.Chunks())})
	}
	res, err := srv.assemble(s.rec, acked)
	if err != nil {
		return provider.Result{}, srv.record(call, err)
	}
	call.Path = res.RemotePath
	call.Bytes = total
	srv.record(call, nil)
	if on := srv.opts.OnRecorded; on != nil {
		res.Recorded = func() { on(res.RemotePath) }
	}
	return res, nil
}

// assemble writes the finished file and removes the session.
func (srv *server) assemble(rec sessionRecord, acked map[int]chunkMeta) (provider.Result, error) {
	u := rec.Upload
	p := remotePath(u)
	exists, err := srv.fileExists(p)
	if err != nil {
		return provider.Result{}, err
	}
	if exists {
		switch u.Conflict {
		case provider.ConflictSkip:
			return provider.Result{}, &provider.Error{Kind: provider.ErrConflict, Op: "finish " + p}
		case provider.ConflictRename:
			if p, err = srv.freeName(u); err != nil {
				return provider.Result{}, err
			}
		}
	}
	h := sha256.New()
	var data []byte
	for i := range u.Chunks() {
		if srv.opts.Discard {
			continue
		}
		b, ok, err := srv.store.get("chunk/" + rec.ID + "/" + strconv.Itoa(i))
		if err != nil {
			return provider.Result{}, err
		}
		if !ok {
			return provider.Result{}, &provider.Error{Kind: provider.ErrSessionGone, Op: "finish", Message: "chunk data lost"}
		}
		data = append(data, b...)
		h.Write(b)
	}
	meta := fileMeta{Path: p, Size: u.Size, ID: rec.ID, ModTime: u.ModTime}
	if !srv.opts.Discard {
		meta.SHA256 = h.Sum(nil)
		if err := srv.store.put("data/"+p, data); err != nil {
			return provider.Result{}, err
		}
	}
	if err := srv.putJSON("meta/"+p, meta); err != nil {
		return provider.Result{}, err
	}
	if err := srv.dropSession(rec.ID); err != nil {
		return provider.Result{}, err
	}
	return provider.Result{RemoteID: rec.ID, RemoteName: path.Base(p), RemotePath: p, Size: u.Size, Link: "fake://" + p}, nil
}

// freeName picks "name(1).ext", "name(2).ext", ... like the real services.
func (srv *server) freeName(u provider.Upload) (string, error) {
	ext := path.Ext(u.Name)
	stem := strings.TrimSuffix(u.Name, ext)
	for i := 1; ; i++ {
		v := u
		v.Name = fmt.Sprintf("%s(%d)%s", stem, i, ext)
		p := remotePath(v)
		ok, err := srv.fileExists(p)
		if err != nil || !ok {
			return p, err
		}
	}
}

// Abort removes the session and its chunks. Files are only written by
// Finish, so an interrupted overwrite keeps the original. Aborting twice is
// harmless.
func (s *Session) Abort(ctx context.Context) error {
	srv := s.srv
	call := Call{Op: OpAbort, Session: s.rec.ID, Path: remotePath(s.rec.Upload)}
	if err := srv.enter(ctx, &call); err != nil {
		return srv.record(call, err)
	}
	return srv.record(call, srv.dropSession(s.rec.ID))
}

func (srv *server) sessionExists(id string) (bool, error) {
	_, ok, err := srv.store.get("sess/" + id)
	return ok, err
}

func (srv *server) fileExists(p string) (bool, error) {
	_, ok, err := srv.store.get("meta/" + p)
	return ok, err
}

func (srv *server) dropSession(id string) error {
	for _, prefix := range []string{"chunk/" + id + "/", "ack/" + id + "/"} {
		keys, err := srv.store.list(prefix)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := srv.store.del(k); err != nil {
				return err
			}
		}
	}
	return srv.store.del("sess/" + id)
}

func (srv *server) ackedMeta(id string) (map[int]chunkMeta, error) {
	keys, err := srv.store.list("ack/" + id + "/")
	if err != nil {
		return nil, err
	}
	out := make(map[int]chunkMeta, len(keys))
	for _, k := range keys {
		i, err := strconv.Atoi(path.Base(k))
		if err != nil {
			return nil, fmt.Errorf("fake server: bad chunk key %q", k)
		}
		var m chunkMeta
		if _, err := srv.getJSON(k, &m); err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

func (srv *server) ackedChunks(id string) (map[int]bool, error) {
	m, err := srv.ackedMeta(id)
	if err != nil {
		return nil, err
	}
	out := make(map[int]bool, len(m))
	for i := range m {
		out[i] = true
	}
	return out, nil
}

func (srv *server) usedBytes() (int64, error) {
	files, err := srv.files()
	var n int64
	for _, f := range files {
		n += f.Size
	}
	return n, err
}

func sortedKeys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
