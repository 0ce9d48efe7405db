package twake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"sync"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
)

// chunkQuery is the query string of a chunk call. Every chunk carries the
// whole plan because whichever chunk arrives first fixes the file's
// metadata (notes §1.4, §1.9); the server ignores multipart text fields, so
// none are sent. thumbnail_sync is never sent (notes §1.3, §1.11).
func chunkQuery(st state, number int) url.Values {
	return url.Values{
		api.QChunkNumber: {strconv.Itoa(number)},
		api.QTotalChunks: {strconv.Itoa(st.Chunks)},
		api.QTotalSize:   {strconv.FormatInt(st.Size, 10)},
		api.QFilename:    {st.Name},
		api.QType:        {st.Mime},
	}
}

// errShortChunk reports a chunk body that ended before its declared size:
// the local file shrank under the upload.
var errShortChunk = errors.New("chunk body ended before its declared size")

// postChunk streams one chunk as a multipart body with a single part
// "file" and an exact Content-Length (no chunked encoding, which some
// proxies refuse), and returns the server's file resource.
func (p *Provider) postChunk(ctx context.Context, op string, st state, c provider.Chunk, body io.Reader) (api.PublicFile, error) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	if _, err := mw.CreateFormFile(api.FilePart, st.Name); err != nil {
		return api.PublicFile{}, &provider.Error{Kind: provider.ErrPermanent, Op: op, Err: err}
	}
	headLen := head.Len()
	if err := mw.Close(); err != nil {
		return api.PublicFile{}, &provider.Error{Kind: provider.ErrPermanent, Op: op, Err: err}
	}
	tail := append([]byte(nil), head.Bytes()[headLen:]...)
	head.Truncate(headLen)

	src := &exactReader{r: body, left: c.Size}
	resp, err := p.do(ctx, request{
		op: op, method: http.MethodPost, url: p.fileURL(st.FileID), query: chunkQuery(st, c.Index+1),
		contentType: mw.FormDataContentType(),
		body:        io.MultiReader(&head, src, bytes.NewReader(tail)),
		length:      int64(headLen) + c.Size + int64(len(tail)),
		notFound:    provider.ErrSessionGone,
	})
	if read, srcErr := src.result(); srcErr != nil {
		// The request failed because of the local file, not the network.
		return api.PublicFile{}, &provider.Error{
			Kind: provider.ErrPermanent, Op: op,
			Message: fmt.Sprintf("read %d of %d bytes", read, c.Size), Err: srcErr,
		}
	}
	if err != nil {
		return api.PublicFile{}, err
	}
	return decodeFile(op, resp)
}

// exactReader yields exactly left bytes of r and records a short or
// failing source. The HTTP transport may still be reading it from its own
// goroutine when Do returns early with an answer, hence the mutex.
type exactReader struct {
	mu   sync.Mutex
	r    io.Reader
	read int64
	left int64
	err  error
}

// result returns the bytes read so far and the source's failure, if any.
func (e *exactReader) result() (int64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.read, e.err
}

func (e *exactReader) Read(b []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > e.left {
		b = b[:e.left]
	}
	n, err := e.r.Read(b)
	e.left -= int64(n)
	e.read += int64(n)
	if errors.Is(err, io.EOF) && e.left > 0 {
		e.err = errShortChunk
		return n, e.err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		e.err = err
		return n, err
	}
	return n, nil
}

// mimeType guesses the type sent as "type" (the server stores it as
// metadata.mime and serves downloads with it).
func mimeType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
