package twake

import (
	"bufio"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// incoming is a received multipart chunk: in its own blob, or written
// into its file's assembly (region); neither when the request had no file
// part.
type incoming struct {
	p      params
	blob   *sandbox.Blob
	region *region
	f      *file // the file of region
}

// discard drops what was received; the caller does not hold in.f.mu.
func (in *incoming) discard() {
	if in.region != nil {
		in.f.mu.Lock()
		defer in.f.mu.Unlock()
	}
	in.discardLocked(in.f)
}

// discardLocked is discard for a caller holding f.mu.
func (in *incoming) discardLocked(f *file) {
	if in.blob != nil {
		in.blob.Discard()
	}
	if in.region != nil {
		dropRegion(f, in.region)
		in.region = nil
	}
}

// receive reads a multipart chunk request: parameters from the query
// string (falling back to the part's filename and type like the real
// controller), the first file part into its place in f's assembly when
// f is known and the place is, else into a blob of its own. It writes the
// error and returns false when the request is refused.
func (a *API) receive(w http.ResponseWriter, r *http.Request, q url.Values, f *file) (*incoming, bool) {
	br := bodyBufs.Get().(*bufio.Reader)
	defer func() {
		br.Reset(nil) // keep no request body alive in the pool
		bodyBufs.Put(br)
	}()
	mr, err := multipartReader(r, br)
	if err != nil {
		drain(r)
		if a.strict(SwitchFilePart) {
			writeStrict(w, "the body is not multipart/form-data: the server would store nothing and answer 200")
			return nil, false
		}
		// TW-CHUNK-4: not multipart, no file (files.ts:19-22): the save
		// changes nothing and answers the entity.
		return &incoming{p: parseParams(q), f: f}, true
	}
	in := &incoming{p: parseParams(q), f: f}
	form := url.Values{}
	var refuse string
	var partName, partType string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			in.discard()
			writeError(w, http.StatusBadRequest, "malformed multipart body")
			return nil, false
		}
		switch {
		case part.FileName() == "" && part.FormName() != "":
			v, _ := io.ReadAll(io.LimitReader(part, maxField))
			form.Add(part.FormName(), string(v))
		case in.blob == nil && in.region == nil && refuse == "":
			// TW-PARAM-2: the first file part, whatever its name
			// (request.file(), files.ts:20-22).
			if a.strict(SwitchFilePart) && part.FormName() != filePartName {
				refuse = "the file part must be named \"file\", got " + strconvQuote(part.FormName())
				break
			}
			partName, partType = part.FileName(), part.Header.Get("Content-Type")
			if !a.receivePart(w, in, q, part, withPartDefaults(in.p, partName, partType)) {
				return nil, false
			}
		case a.strict(SwitchFilePart):
			refuse = "exactly one file part is allowed"
		}
		part.Close()
	}
	if refuse == "" && in.blob == nil && in.region == nil && a.strict(SwitchFilePart) {
		refuse = "no file part named \"file\""
	}
	if refuse == "" && a.strict(SwitchFormParams) {
		if name := formOnly(q, form); name != "" {
			refuse = name + " was sent only in the multipart form; the server reads parameters from the query string only"
		}
	}
	if refuse != "" {
		in.discard()
		writeStrict(w, refuse)
		return nil, false
	}
	in.p = withPartDefaults(in.p, partName, partType)
	return in, true
}

// withPartDefaults is p with the file part's filename and type where the
// query string gave none, as the real controller falls back to them
// (TW-PARAM-1: files.ts:28-29).
func withPartDefaults(p params, name, typ string) params {
	if p.Filename == "" {
		p.Filename = name
	}
	if p.Type == "" {
		p.Type = typ
	}
	return p
}

// receivePart stores the file part: into its region when openRegion
// finds one, else into a new blob. p is the chunk's parameters as the
// request will be judged by (the part's filename and type filled in). It
// writes the error and returns false when the body broke off or storage
// failed.
func (a *API) receivePart(w http.ResponseWriter, in *incoming, q url.Values, part io.Reader, p params) bool {
	var err error
	if in.f != nil {
		in.region, err = a.openRegion(in.f, p, hint(q))
		if err != nil {
			writeInternal(w)
			return false
		}
	}
	if in.region != nil {
		_, err = a.fillRegion(in.region, part)
	} else {
		in.blob, err = a.env.Store.NewBlob()
		if err != nil {
			writeInternal(w)
			return false
		}
		_, err = in.blob.ReadFrom(part)
	}
	if err != nil {
		in.discard()
		if errors.Is(err, sandbox.ErrBlobClosed) {
			// The file was deleted while its chunk arrived.
			a.writeUnknownFile(w)
			return false
		}
		// The client went away or broke the body off: nothing is stored.
		writeError(w, http.StatusBadRequest, "the file part broke off")
		return false
	}
	return true
}

// bodyBufs holds the large read buffers of chunk bodies. The multipart
// reader of net/http reads through a 4 KiB buffer, which made one read
// system call per 4 KiB of every chunk (a quarter of the sandbox's time
// per chunk); a multipart.Reader built on a larger *bufio.Reader uses it
// as is.
var bodyBufs = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, copyBufSize) }}

// multipartReader is r.MultipartReader reading through br, reset to r.Body:
// an error unless the body is multipart/form-data with a boundary.
func multipartReader(r *http.Request, br *bufio.Reader) (*multipart.Reader, error) {
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return nil, http.ErrNotMultipart
	}
	boundary, ok := params["boundary"]
	if !ok || boundary == "" {
		return nil, http.ErrMissingBoundary
	}
	br.Reset(r.Body)
	return multipart.NewReader(br, boundary), nil
}

func strconvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
