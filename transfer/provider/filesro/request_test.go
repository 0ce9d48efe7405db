package filesro

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestIsReset(t *testing.T) {
	wrap := func(err error) error {
		return &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "write", Net: "tcp", Err: err}}
	}
	cases := map[string]struct {
		err  error
		want bool
	}{
		"reset":         {wrap(os.NewSyscallError("write", syscall.ECONNRESET)), true},
		"broken pipe":   {wrap(os.NewSyscallError("write", syscall.EPIPE)), true},
		"closed by us":  {wrap(net.ErrClosed), true},
		"eof":           {&url.Error{Op: "Post", URL: "http://x", Err: io.EOF}, false},
		"timeout":       {wrap(timeoutErr{}), false},
		"refused":       {wrap(os.NewSyscallError("connect", syscall.ECONNREFUSED)), false},
		"context":       {fmt.Errorf("post: %w", context.DeadlineExceeded), false},
		"plain failure": {errors.New("boom"), false},
	}
	for name, c := range cases {
		if got := isReset(c.err); got != c.want {
			t.Errorf("%s: isReset = %v, want %v", name, got, c.want)
		}
	}
}

// shortReader yields fewer bytes than the chunk plans, like a file
// truncated while it is being sent.
type shortReader struct{ *bytes.Reader }

func TestShortLocalChunk(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true})
	data := randomData(MinChunkSize, 3)
	u := plan(nil, "shrunk.bin", data, MinChunkSize)
	s, err := tb.provider("editor").Begin(ctx(t), u)
	if err != nil {
		t.Fatal(err)
	}
	err = s.PutChunk(ctx(t), u.Chunk(0), shortReader{bytes.NewReader(data[:1000])})
	if kindOf(err) != provider.ErrPermanent || !strings.Contains(err.Error(), "local file changed") {
		t.Fatalf("short body: %v", err)
	}
	if len(tb.files()) != 0 {
		t.Fatalf("a truncated upload became a file: %+v", tb.files())
	}
	// The same session refuses to go on: the server may hold part of it.
	if err := s.PutChunk(ctx(t), u.Chunk(0), bytes.NewReader(data)); !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("retry after a short body: %v", err)
	}
}

func TestBuildFormKeyRoundTrip(t *testing.T) {
	for _, name := range []string{"plain.txt", `say "hi".txt`, `back\slash`, "résumé été.pdf"} {
		key := NewKey(name)
		f, err := chunkForm([]rest.Field{{Name: "name", Value: name}}, key, 4)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(f.Body(rest.NewExactReader(strings.NewReader("DATA"), 4)))
		if err != nil {
			t.Fatal(err)
		}
		_, params, err := mime.ParseMediaType(f.ContentType)
		if err != nil {
			t.Fatal(err)
		}
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		fields := map[string]string{}
		var gotKey, gotData string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%q: %v", name, err)
			}
			b, _ := io.ReadAll(p)
			if p.FormName() == "chunk" {
				gotKey, gotData = p.FileName(), string(b)
			} else {
				fields[p.FormName()] = string(b)
			}
		}
		if gotKey != key || gotData != "DATA" || fields["name"] != name {
			t.Fatalf("%q: key %q (want %q), data %q, name %q", name, gotKey, key, gotData, fields["name"])
		}
	}
}

// TestCancelIsNotRetryable: a cancelled upload reports the cancellation,
// not a server failure, and the chunk is not resent under the same key.
func TestCancelIsNotRetryable(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true, Faults: sandbox.FaultProfile{Latency: 5 * time.Second}})
	data := randomData(MinChunkSize, 4)
	u := plan(nil, "cancelled.bin", data, MinChunkSize)
	s, err := tb.provider("editor").Begin(ctx(t), u)
	if err != nil {
		t.Fatal(err)
	}
	cctx, stop := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, stop)
	err = s.PutChunk(cctx, u.Chunk(0), bytes.NewReader(data))
	if k, _ := provider.Classify(err); k != context.Canceled {
		t.Fatalf("cancelled put: %v classified %v", err, k)
	}
	// The whole request was written, then no answer: the file may be
	// stored; it is not sent again under this session.
	if err := s.PutChunk(ctx(t), u.Chunk(0), bytes.NewReader(data)); !errors.Is(err, provider.ErrMaybeStored) || kindOf(err) != provider.ErrRetryable {
		t.Fatalf("put after a cancelled attempt that reached the server: %v", err)
	}
}
