package twake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbtwake "github.com/ferry-sync/ferry/transfer/sandbox/twake"
	"golang.org/x/sync/errgroup"
)

func TestNewValidation(t *testing.T) {
	good := Config{BaseURL: "https://twake.example", CompanyID: "c1", Token: "x.y.z"}
	good.Token = validLookingToken(t)
	if _, err := New(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
	bad := map[string]func(*Config){
		"relative url":  func(c *Config) { c.BaseURL = "twake.example" },
		"ftp url":       func(c *Config) { c.BaseURL = "ftp://twake.example" },
		"query in url":  func(c *Config) { c.BaseURL = "https://twake.example/?a=1" },
		"no company":    func(c *Config) { c.CompanyID = " " },
		"slash company": func(c *Config) { c.CompanyID = "a/b" },
		"no token":      func(c *Config) { c.Token = "" },
		"not a jwt":     func(c *Config) { c.Token = "opaque-api-key" },
		"small chunks":  func(c *Config) { c.ChunkSize = MinChunkSize - 1 },
		"huge chunks":   func(c *Config) { c.ChunkSize = MaxChunkSize + 1 },
		"parallel":      func(c *Config) { c.MaxParallelChunks = -1 },
		"both modes":    func(c *Config) { c.DriveFolders, c.PathInName = true, true },
		"bad pin":       func(c *Config) { c.PinSHA256 = "abc" },
	}
	for name, mod := range bad {
		c := good
		mod(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), good.Token) {
			t.Errorf("%s: error quotes the token: %v", name, err)
		}
	}
	p, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	c := p.Capabilities()
	if !c.ParallelChunks || c.MaxParallelChunks != DefaultParallelChunks || !c.Resumable ||
		c.DefaultChunkSize != DefaultChunkSize || c.MaxChunkSize != 50_000_000 || c.Folders != provider.FoldersNone {
		t.Fatalf("capabilities %+v", c)
	}
}

func validLookingToken(t testing.TB) string {
	return foreignToken(t, "someone", time.Now().Add(time.Hour))
}

// testFile is random content and its upload plan.
type testFile struct {
	data []byte
	u    provider.Upload
}

func newTestFile(name string, size int64, dir ...string) testFile {
	data := make([]byte, size)
	r := rand.New(rand.NewPCG(uint64(size), 7))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	return testFile{data: data, u: provider.Upload{
		Dir: dir, Name: name, RelPath: name, Size: size,
		ChunkSize: MinChunkSize, Conflict: provider.ConflictRename,
	}}
}

func (f testFile) put(t testing.TB, s provider.Session, i int) error {
	c := f.u.Chunk(i)
	return s.PutChunk(ctx(t), c, io.NewSectionReader(bytes.NewReader(f.data), c.Offset, c.Size))
}

// putParallel sends the chunks with the given indexes, limit at a time.
func (f testFile) putParallel(t testing.TB, s provider.Session, limit int, idx []int) error {
	var g errgroup.Group
	g.SetLimit(limit)
	for _, i := range idx {
		g.Go(func() error { return f.put(t, s, i) })
	}
	return g.Wait()
}

func fileID(t testing.TB, s provider.Session) string {
	t.Helper()
	st, err := decodeState(s.State())
	if err != nil {
		t.Fatal(err)
	}
	return st.FileID
}

func (ts *testServer) checkStored(t testing.TB, id string, data []byte) {
	t.Helper()
	sum := sha256.Sum256(data)
	for _, e := range ts.srv.Tree(sbtwake.Name) {
		if e.Path == "/files/"+id {
			if e.Kind != sandbox.KindFile || e.SHA256 != hex.EncodeToString(sum[:]) || e.Size != int64(len(data)) {
				t.Fatalf("stored %+v, want %d bytes sha %x", e, len(data), sum)
			}
			return
		}
	}
	t.Fatalf("file %s not stored", id)
}

func TestParallelChunksByteExact(t *testing.T) {
	ts := startSandbox(t, nil)
	p := ts.provider(t, nil)
	f := newTestFile("parallel.bin", 23*MinChunkSize+12345)
	s, err := p.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	idx := rand.Perm(f.u.Chunks())
	if err := f.putParallel(t, s, p.Capabilities().MaxParallelChunks, idx); err != nil {
		t.Fatal(err)
	}
	res, err := finishRecorded(t, s)
	if err != nil {
		t.Fatal(err)
	}
	id := fileID(t, s)
	ts.checkStored(t, id, f.data)
	if res.RemoteID != id || res.Size != f.u.Size || res.RemoteName != "parallel.bin" {
		t.Fatalf("result %+v", res)
	}
	// The download link serves the same bytes, without a token.
	resp, err := http.Get(res.Link)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(got, f.data) {
		t.Fatalf("download: %d bytes, err %v", len(got), err)
	}
	if n := ts.chunkPosts(id); n != f.u.Chunks() {
		t.Fatalf("%d chunk POSTs for %d chunks", n, f.u.Chunks())
	}
}

// TestCrashResumeSendsOnlyMissing persists State and the acknowledged set
// mid-file, drops the provider as a crash would, and resumes with a new
// one: the sandbox log must show every chunk number exactly once.
func TestCrashResumeSendsOnlyMissing(t *testing.T) {
	ts := startSandbox(t, nil)
	f := newTestFile("crash.bin", 8*MinChunkSize-100)
	s1, err := ts.provider(t, nil).Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	acked := []int{0, 2, 3, 5}
	if err := f.putParallel(t, s1, 4, acked); err != nil {
		t.Fatal(err)
	}
	persisted := bytes.Clone(s1.State())
	id := fileID(t, s1)

	s2, err := ts.provider(t, nil).Resume(ctx(t), f.u, persisted)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if err := f.putParallel(t, s2, 4, []int{1, 4, 6, 7}); err != nil {
		t.Fatal(err)
	}
	if _, err := finishRecorded(t, s2); err != nil {
		t.Fatal(err)
	}
	ts.checkStored(t, id, f.data)
	perChunk := map[string]int{}
	for _, e := range ts.srv.Log() {
		if e.Route == sbtwake.RouteChunk && strings.Contains(e.Path, id) {
			u, err := url.Parse(e.Path)
			if err != nil {
				t.Fatal(err)
			}
			perChunk[u.Query().Get("chunk_number")]++
		}
	}
	if n := ts.chunkPosts(id); n != 8 || len(perChunk) != 8 {
		t.Fatalf("%d chunk POSTs %v, want each of 8 chunks once", n, perChunk)
	}
	for i := 1; i <= 8; i++ {
		if perChunk[strconv.Itoa(i)] != 1 {
			t.Fatalf("chunk %d sent %d times", i, perChunk[strconv.Itoa(i)])
		}
	}
}

func TestResumeSessionGone(t *testing.T) {
	ts := startSandbox(t, func(c *sandbox.Config) { c.Switches = map[string]bool{sbtwake.SwitchTDrive: true} })
	p := ts.provider(t, nil)
	f := newTestFile("gone.bin", 3*MinChunkSize)
	begin := func() (provider.Session, []byte) {
		s, err := p.Begin(ctx(t), f.u)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.put(t, s, 0); err != nil {
			t.Fatal(err)
		}
		return s, s.State()
	}

	// The server forgot the file: 404, the engine starts over.
	s, st := begin()
	if err := s.Abort(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Resume(ctx(t), f.u, st); !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("resume of a deleted file: %v", err)
	}
	// Aborting twice is fine: gone is gone.
	if err := s.Abort(ctx(t)); err != nil {
		t.Fatalf("second abort: %v", err)
	}

	// The file changed locally: the old entity is deleted, the session gone.
	s, st = begin()
	changed := f.u
	changed.Size++
	if _, err := p.Resume(ctx(t), changed, st); !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("resume with another size: %v", err)
	}
	if _, found := ts.api.Completion("", fileID(t, s)); found {
		t.Fatal("old entity left behind after a plan change")
	}

	// Unreadable state.
	for _, bad := range [][]byte{nil, []byte("{"), []byte(`{"v":2}`), []byte(`{"v":1,"company":"c","file_id":"f","name":"n","chunks":9,"acked":"AA=="}`)} {
		if _, err := p.Resume(ctx(t), f.u, bad); !errors.Is(err, provider.ErrSessionGone) {
			t.Errorf("state %q: %v", bad, err)
		}
	}
	if strings.Contains(string(st), ts.config(t).Token[:20]) {
		t.Fatal("state holds the token")
	}
}

// On Twake proper an unknown id is a 500, indistinguishable from a server
// failure: Resume reports it retryable rather than guessing.
func TestResumeUnknownIDOnTwakeIsRetryable(t *testing.T) {
	ts := startSandbox(t, nil)
	p := ts.provider(t, nil)
	f := newTestFile("t.bin", MinChunkSize)
	s, err := p.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	st := s.State()
	if err := s.Abort(ctx(t)); err != nil {
		t.Fatal(err)
	}
	_, err = p.Resume(ctx(t), f.u, st)
	var pe *provider.Error
	if kindOf(err) != provider.ErrRetryable || !errors.As(err, &pe) || pe.Status != 500 {
		t.Fatalf("resume after delete on Twake: %v", err)
	}
}
