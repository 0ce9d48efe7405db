package rest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// countingConn counts the writes made on a connection.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// countWrites makes client's connections count their writes.
func countWrites(t *testing.T, client *http.Client) *atomic.Int64 {
	t.Helper()
	tr := client.Transport.(*http.Transport)
	dial := tr.DialContext
	var n atomic.Int64
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, &n}, nil
	}
	return &n
}

// TestSmallFormGoesOutInOneWrite: a one-chunk multipart form of a small
// file (1 KiB and 40 KiB of content), headers and body, is one write on
// the connection, as curl sends it (four before: headers, form head, file
// bytes, form tail; the 40 KiB body more).
func TestSmallFormGoesOutInOneWrite(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		got.Store(n)
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	client, err := NewClient(Options{})
	if err != nil {
		t.Fatal(err)
	}
	writes := countWrites(t, client)
	for _, size := range []int{1 << 10, 40 << 10} {
		content := strings.Repeat("x", size)
		f, err := NewForm([]Field{{"name", "a.bin"}, {"is_last_chunk", "1"}},
			&FilePart{Field: "file", Filename: "a.bin", Size: int64(size)})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			writes.Store(0)
			src := NewExactReader(strings.NewReader(content), int64(size))
			req, err := http.NewRequest(http.MethodPost, srv.URL, io.NopCloser(f.Body(src)))
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = f.Len()
			req.Header.Set("Content-Type", f.ContentType)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			Drain(resp)
			if got.Load() != f.Len() {
				t.Fatalf("server read %d bytes of %d", got.Load(), f.Len())
			}
			if n := writes.Load(); n != 1 {
				t.Fatalf("%d bytes of content: %d writes for one request, want 1", size, n)
			}
		}
	}
}

// TestGatherFailsAsTheStreamWould: a source that fails or ends early
// yields what it gave, then its error, as a streamed body would have; a
// gathered body is never given a GetBody by http.NewRequest.
func TestGatherFailsAsTheStreamWould(t *testing.T) {
	head, tail := []byte("HEAD"), []byte("TAIL")
	b, err := io.ReadAll(Gather(head, NewExactReader(strings.NewReader("123"), 8), 8, tail))
	if !errors.Is(err, ErrShortBody) || string(b) != "HEAD123" {
		t.Fatalf("short exact source: %q, %v", b, err)
	}
	b, err = io.ReadAll(Gather(nil, strings.NewReader("123"), 8, nil))
	if err != nil || string(b) != "123" {
		t.Fatalf("short plain source: %q, %v (want the 3 bytes, then a plain end)", b, err)
	}
	boom := errors.New("disk error")
	b, err = io.ReadAll(Gather(head, io.MultiReader(strings.NewReader("12"), errReader{boom}), 8, tail))
	if !errors.Is(err, boom) || string(b) != "HEAD12" {
		t.Fatalf("failing source: %q, %v", b, err)
	}
	body := Gather(head, strings.NewReader("12345678"), 8, tail)
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/", body)
	if err != nil {
		t.Fatal(err)
	}
	if req.GetBody != nil {
		t.Error("http.NewRequest set GetBody for a gathered body: it could be replayed where a streamed one is not")
	}
	b, _ = io.ReadAll(req.Body)
	if string(b) != "HEAD12345678TAIL" {
		t.Fatalf("body %q", b)
	}
	big := bytes.Repeat([]byte("y"), SmallBody)
	b, err = io.ReadAll(Gather(head, bytes.NewReader(big), int64(len(big)), tail))
	if err != nil || len(b) != len(big)+8 {
		t.Fatalf("a body over SmallBody: %d bytes, %v", len(b), err)
	}
}
