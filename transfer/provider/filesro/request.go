package filesro

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/filesro/api"
)

// chunkForm is the multipart framing of one chunk request: the fields and
// the chunk part's header before the bytes, the closing boundary after.
// The body is streamed from the caller's reader between the two, so a
// 64 MB chunk is never held in memory, and Content-Length is exact (some
// servers and proxies refuse chunked transfer encoding).
type chunkForm struct {
	contentType string
	prologue    []byte
	epilogue    []byte
}

func buildForm(fields [][2]string, key string) (chunkForm, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return chunkForm{}, err
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+api.FieldChunk+`"; filename="`+escapeQuotes(key)+`"`)
	h.Set("Content-Type", "application/octet-stream")
	if _, err := mw.CreatePart(h); err != nil {
		return chunkForm{}, err
	}
	pro := bytes.Clone(buf.Bytes())
	if err := mw.Close(); err != nil {
		return chunkForm{}, err
	}
	return chunkForm{contentType: mw.FormDataContentType(), prologue: pro, epilogue: bytes.Clone(buf.Bytes()[len(pro):])}, nil
}

// escapeQuotes escapes a filename for a Content-Disposition parameter the
// way mime/multipart does: only backslashes and double quotes (Go's %q
// would also escape control and invalid bytes, which PHP would then keep
// literally in the key).
func escapeQuotes(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// errShortChunk means the chunk's reader ended before the planned size: the
// local file shrank while it was being sent.
var errShortChunk = errors.New("chunk data ended before its planned size")

// exactReader yields exactly n bytes of r, failing with errShortChunk if r
// ends early (instead of a silent short body).
type exactReader struct {
	r io.Reader
	n int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.n {
		p = p[:e.n]
	}
	k, err := e.r.Read(p)
	e.n -= int64(k)
	if errors.Is(err, io.EOF) {
		if e.n > 0 {
			return k, errShortChunk
		}
		err = nil
	}
	return k, err
}

// sent is what happened on the wire in one attempt.
type sent struct {
	resp *http.Response
	// wrote is true once the request headers went out: from then on the
	// server may have received (and appended) the chunk.
	wrote bool
	err   error
}

// post sends one chunk request; body is rewound for transparent retries
// of the HTTP transport (it retries only requests that never reached the
// server, so a retry cannot duplicate an append).
func (p *Provider) post(ctx context.Context, url string, f chunkForm, body io.ReadSeeker, size int64, cookie string) sent {
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }})
	newBody := func() (io.ReadCloser, error) {
		if _, err := body.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("rewind chunk: %w", err)
		}
		return io.NopCloser(io.MultiReader(bytes.NewReader(f.prologue), &exactReader{r: body, n: size}, bytes.NewReader(f.epilogue))), nil
	}
	rc, err := newBody()
	if err != nil {
		return sent{err: &provider.Error{Kind: provider.ErrPermanent, Op: "put chunk", Err: err}}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, rc)
	if err != nil {
		return sent{err: &provider.Error{Kind: provider.ErrPermanent, Op: "put chunk", Err: err}}
	}
	req.ContentLength = int64(len(f.prologue)) + size + int64(len(f.epilogue))
	req.GetBody = newBody
	req.Header.Set("Content-Type", f.contentType)
	req.Header.Set("Accept", "application/json")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: cookie})
	}
	resp, err := p.client.Do(req)
	return sent{resp: resp, wrote: wrote.Load(), err: err}
}

// isReset reports a connection torn down by the other side while the
// request was being sent, what a proxy or server does to a body over its
// limit: a reset or broken pipe, or the transport closing the connection
// because its reader saw the reset first ("use of closed network
// connection"). A plain end of stream (the server closed without an
// answer) and timeouts are not resets: they say nothing about size.
func isReset(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}
