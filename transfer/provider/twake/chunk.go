package twake

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
)

// chunkQuery is the query string of a chunk call. Every chunk carries the
// whole plan because whichever chunk arrives first fixes the file's
// metadata (notes §1.4, §1.9); the server ignores multipart text fields, so
// none are sent. thumbnail_sync is never sent (notes §1.3, §1.11).
// resumableChunkSize, which the official client sends too (§1.4) and the
// server ignores, tells a storage that can use it where each chunk belongs
// (the sandbox writes chunks straight into place with it).
func chunkQuery(st state, number int) url.Values {
	q := url.Values{
		api.QChunkNumber: {strconv.Itoa(number)},
		api.QTotalChunks: {strconv.Itoa(st.Chunks)},
		api.QTotalSize:   {strconv.FormatInt(st.Size, 10)},
		api.QFilename:    {st.Name},
		api.QType:        {st.Mime},
	}
	if st.ChunkSize > 0 {
		q.Set(api.QResumableChunkSize, strconv.FormatInt(st.ChunkSize, 10))
	}
	return q
}

// postChunk streams one chunk as a multipart body with a single part
// "file" and an exact Content-Length (no chunked encoding, which some
// proxies refuse), and returns the server's file resource.
func (p *Provider) postChunk(ctx context.Context, op string, st state, c provider.Chunk, body io.Reader) (api.PublicFile, error) {
	form, err := rest.NewForm(nil, &rest.FilePart{Field: api.FilePart, Filename: st.Name, Size: c.Size})
	if err != nil {
		return api.PublicFile{}, &provider.Error{Kind: provider.ErrPermanent, Op: op, Err: err}
	}
	src := rest.NewExactReader(body, c.Size)
	resp, err := p.do(ctx, request{
		op: op, method: http.MethodPost, url: p.fileURL(st.FileID), query: chunkQuery(st, c.Index+1),
		contentType: form.ContentType,
		body:        form.Body(src),
		length:      form.Len(),
		notFound:    provider.ErrSessionGone,
	})
	if read, srcErr := src.Result(); srcErr != nil {
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

// mimeType guesses the type sent as "type" (the server stores it as
// metadata.mime and serves downloads with it).
func mimeType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
