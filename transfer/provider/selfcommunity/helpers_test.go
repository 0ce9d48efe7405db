package selfcommunity

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	scsandbox "github.com/ferry-sync/ferry/transfer/sandbox/selfcommunity"
)

// fixed tokens let a second sandbox (a "restarted server") know the same users.
var testUsers = []scsandbox.User{
	{ID: 11, Username: "alice", Token: "tok-alice-0123456789"},
	{ID: 12, Username: "bob", Token: "tok-bob-0123456789"},
	{ID: 13, Username: "carol", Token: "tok-carol-0123456789"},
}

var testGroups = []scsandbox.Group{{ID: 21, Name: "team", Members: []int64{11, 12, 13}}, {ID: 22, Name: "others", Members: []int64{12}}}

type sb struct {
	srv *sandbox.Server
	api *scsandbox.API
}

// startSandbox runs the sandbox strict; mod adjusts its config.
func startSandbox(t testing.TB, o scsandbox.Options, mod func(*sandbox.Config)) *sb {
	t.Helper()
	if o.Users == nil {
		o.Users, o.Groups = testUsers, testGroups
	}
	a, err := scsandbox.New(o)
	if err != nil {
		t.Fatal(err)
	}
	cfg := sandbox.Config{APIs: []sandbox.API{a}, Strict: true}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &sb{srv: srv, api: a}
}

func newProvider(t testing.TB, base string, mod func(*Config)) *Provider {
	t.Helper()
	cfg := Config{BaseURL: base, Token: testUsers[0].Token, ChunkSize: MinChunkSize}
	if mod != nil {
		mod(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func plan(name string, size, chunk int64) provider.Upload {
	return provider.Upload{
		Name: name, RelPath: "docs/2026/" + name, Size: size, ChunkSize: chunk,
		ModTime: time.Unix(1_700_000_000, 0), Conflict: provider.ConflictRename,
	}
}

func body(data []byte, c provider.Chunk) io.ReadSeeker {
	return io.NewSectionReader(bytes.NewReader(data), c.Offset, c.Size)
}

// runUpload drives a session like the engine: parts in order, retrying
// retryable failures a bounded number of times.
func runUpload(ctx context.Context, sess provider.Session, u provider.Upload, data []byte, from int) (provider.Result, error) {
	for i := from; i < u.Chunks(); i++ {
		c := u.Chunk(i)
		if err := retry(func() error { return sess.PutChunk(ctx, c, body(data, c)) }); err != nil {
			return provider.Result{}, err
		}
	}
	var res provider.Result
	err := retry(func() error {
		var err error
		res, err = sess.Finish(ctx)
		return err
	})
	return res, err
}

// uploadWhole sends data as name in MinChunkSize parts through p, start
// to finish, failing the test on any error.
func uploadWhole(t testing.TB, p *Provider, name string, data []byte) provider.Result {
	t.Helper()
	u := plan(name, int64(len(data)), MinChunkSize)
	ctx := ctxT(t)
	sess, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	res, err := runUpload(ctx, sess, u, data, 0)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func retry(f func() error) error {
	var err error
	for range 30 {
		if err = f(); err == nil || !provider.IsRetryable(err) {
			return err
		}
	}
	return fmt.Errorf("still failing after 30 attempts: %w", err)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func randomData(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

// stored returns the content at the file's link and its tree entry.
func (s *sb) fetch(t testing.TB, link string) []byte {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("fetch %s: %d %v", link, resp.StatusCode, err)
	}
	return b
}

// files lists the stored files, thumbnails left out.
func (s *sb) files() []sandbox.Entry {
	var out []sandbox.Entry
	for _, e := range s.srv.Tree(scsandbox.Name) {
		if e.Kind == sandbox.KindFile && e.Meta["kind"] != "thumbnail" {
			out = append(out, e)
		}
	}
	return out
}

// uploadRequests counts the upload-path requests the sandbox answered 200.
func (s *sb) uploadRequests(done bool) int {
	n := 0
	for _, l := range s.srv.Log() {
		if strings.HasPrefix(l.Path, "/api/v2/pm/upload/") && l.Status == http.StatusOK &&
			strings.Contains(l.Path, "?done") == done {
			n++
		}
	}
	return n
}

// recorder is a reverse proxy in front of the sandbox that keeps a
// transcript of every request: method, path, selected headers and the form
// fields in order (file parts as name, filename and size).
type recorder struct {
	mu    sync.Mutex
	lines []string
	url   string
}

func newRecorder(t testing.TB, target string) *recorder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		raw, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req.Body = io.NopCloser(bytes.NewReader(raw))
		cw := &capture{ResponseWriter: w, status: http.StatusOK}
		proxy.ServeHTTP(cw, req)
		r.record(req, raw, cw.status, cw.body.Bytes(), target)
	}))
	r.url = srv
	return r
}

// capture keeps a copy of the answer the proxy relays.
type capture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *capture) WriteHeader(code int) { c.status = code; c.ResponseWriter.WriteHeader(code) }

func (c *capture) Write(p []byte) (int, error) {
	c.body.Write(p)
	return c.ResponseWriter.Write(p)
}

// timeRE matches the RFC 3339 times in answers.
var timeRE = regexp.MustCompile(`"\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)"`)

// record adds one exchange: the request, then "-> <status> <body>" with
// the server's address, times and uuids replaced by placeholders.
func (r *recorder) record(req *http.Request, raw []byte, status int, answer []byte, server string) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", req.Method, req.URL.RequestURI())
	var hs []string
	for _, h := range []string{"Authorization", "Content-Range", "Content-Type", "Accept"} {
		if v := req.Header.Get(h); v != "" {
			if h == "Authorization" {
				v = strings.SplitN(v, " ", 2)[0] + " <token>"
			}
			if h == "Content-Type" {
				v, _, _ = mime.ParseMediaType(v)
			}
			hs = append(hs, h+": "+v)
		}
	}
	sort.Strings(hs)
	for _, h := range hs {
		fmt.Fprintf(&b, "  %s\n", h)
	}
	fmt.Fprintf(&b, "  Content-Length matches body: %v\n", req.ContentLength == int64(len(raw)))
	_, params, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if params["boundary"] != "" {
		mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			v, _ := io.ReadAll(p)
			if p.FileName() != "" {
				fmt.Fprintf(&b, "  part %s filename=%q (%d bytes)\n", p.FormName(), p.FileName(), len(v))
			} else {
				fmt.Fprintf(&b, "  field %s=%s\n", p.FormName(), v)
			}
		}
	} else if len(raw) > 0 {
		fmt.Fprintf(&b, "  body %s\n", raw)
	}
	ans := strings.ReplaceAll(strings.TrimSpace(string(answer)), server, "<server>")
	ans = timeRE.ReplaceAllString(ans, `"<time>"`)
	fmt.Fprintf(&b, "  -> %d %s\n", status, ans)
	r.mu.Lock()
	r.lines = append(r.lines, b.String())
	r.mu.Unlock()
}

func (r *recorder) transcript() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "")
}

func newLoopbackServer(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// checkMessages asserts the messages sent for the stored file uuid, as the
// official client sends them: first the file (empty text, file_uuid a
// thumbnail of uuid), then text alone (none when text is "").
func (s *sb) checkMessages(t testing.TB, uuid, text string) {
	t.Helper()
	var ms []scsandbox.Message // the ones alice, the provider's user, sent
	for _, m := range s.api.Messages() {
		if m.Sender == testUsers[0].ID {
			ms = append(ms, m)
		}
	}
	want := 1
	if text != "" {
		want = 2
	}
	if len(ms) != want {
		t.Fatalf("%d messages, want %d: %+v", len(ms), want, ms)
	}
	if ms[0].Text != "" || ms[0].FileUUID == "" || s.thumbParent(ms[0].FileUUID) != uuid {
		t.Fatalf("file message %+v: want an empty text and a thumbnail of %s", ms[0], uuid)
	}
	if text != "" && (ms[1].Text != text || ms[1].FileUUID != "") {
		t.Fatalf("text message %+v, want %q alone", ms[1], text)
	}
}

// thumbParent is the parent uuid of the stored thumbnail thumb ("" if it
// is not a thumbnail).
func (s *sb) thumbParent(thumb string) string {
	for _, e := range s.srv.Tree(scsandbox.Name) {
		if e.Kind == sandbox.KindFile && e.Meta["kind"] == "thumbnail" && strings.HasPrefix(e.Path, "/"+thumb+"/") {
			return e.Meta["parent_uuid"]
		}
	}
	return ""
}

// withoutDone is st as a process that sent done but lost its answer
// would hold it: every part acknowledged, nothing recorded after.
func withoutDone(t testing.TB, st []byte, u provider.Upload) []byte {
	t.Helper()
	s, err := decodeState(st, u)
	if err != nil {
		t.Fatal(err)
	}
	s.Done, s.Thumb, s.NoThumb, s.Sent, s.Pending, s.MsgID = nil, "", false, 0, false, 0
	return s.encode()
}
