package filesro

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"syscall"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/filesro/api"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

// chunkForm is the multipart framing of one chunk request: the fields,
// then the chunk part named by the session key (its filename is the
// server's session key, §2.3), streamed from the file.
func chunkForm(fields []rest.Field, key string, size int64) (*rest.Form, error) {
	return rest.NewForm(fields, &rest.FilePart{Field: api.FieldChunk, Filename: key, Size: size})
}

// sent is what happened on the wire in one attempt.
type sent struct {
	resp *http.Response
	// wrote is true once the request headers went out; wroteAll once the
	// whole request (body included) was written: only from then on may the
	// server have appended the chunk.
	wrote, wroteAll bool
	err             error
}

// post sends one chunk request; body is rewound for transparent retries
// of the HTTP transport (it retries only requests that never reached the
// server, so a retry cannot duplicate an append).
func (p *Provider) post(ctx context.Context, url string, f *rest.Form, body io.ReadSeeker, size int64, cookie string) sent {
	var wrote, wroteAll atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.Store(true) },
		WroteRequest: func(i httptrace.WroteRequestInfo) { wroteAll.Store(i.Err == nil) },
	})
	newBody := func() (io.ReadCloser, error) {
		if _, err := body.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("rewind chunk: %w", err)
		}
		return io.NopCloser(f.Body(rest.NewExactReader(body, size))), nil
	}
	rc, err := newBody()
	if err != nil {
		return sent{err: &provider.Error{Kind: provider.ErrPermanent, Op: "put chunk", Err: err}}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, rc)
	if err != nil {
		return sent{err: &provider.Error{Kind: provider.ErrPermanent, Op: "put chunk", Err: err}}
	}
	req.ContentLength = f.Len()
	req.GetBody = newBody
	req.Header.Set("Content-Type", f.ContentType)
	req.Header.Set("Accept", "application/json")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: cookie})
	}
	resp, err := p.client.Do(req)
	return sent{resp: resp, wrote: wrote.Load(), wroteAll: wroteAll.Load(), err: err}
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
