package filesro

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// form is a parsed multipart request: string fields, and file parts staged
// in blobs (as PHP stages uploads in temporary files before the
// controller runs).
type form struct {
	fields map[string]string
	files  map[string]*upFile
	direct *directAppend // the chunk part streamed onto its key's file, if any
}

type upFile struct {
	filename string // client filename after directory stripping; "" = no file chosen
	blob     *sandbox.Blob
	direct   bool   // streamed onto the key's file (form.direct) instead of blob
	sniff    string // http.DetectContentType of the first bytes
	size     int64  // bytes of this part
}

// present reports whether a file was chosen (PHP saw an upload).
func (u *upFile) present() bool { return u.blob != nil || u.direct }

// discard frees every staged blob that was not taken over and undoes a
// direct append that was not kept. It is idempotent.
func (f *form) discard() {
	for _, u := range f.files {
		if u.blob != nil {
			u.blob.Discard()
		}
	}
	if f.direct != nil {
		f.direct.undo()
	}
}

const (
	maxFieldBytes = 64 << 10
	maxParts      = 64
)

// errBodyTooLarge means the request body exceeded Options.MaxRequestBody.
var errBodyTooLarge = errors.New("request body too large")

// parseForm reads the multipart body. A request that is not
// multipart/form-data yields an empty form, as PHP gives Laravel no input,
// so validation reports the missing fields. Errors are failures to read
// the body (a broken connection, or errBodyTooLarge).
//
// onFile, when not nil, is called as soon as a file part with a non-empty
// filename starts, before its bytes are read (the chunk key is known from
// then on). When it returns a session, the part is streamed onto that
// key's file (see directAppend) instead of a staged blob; the caller must
// then keep or discard the form.
func parseForm(r *http.Request, st *sandbox.Store, onFile func(field, filename string) *session) (*form, error) {
	f := &form{fields: map[string]string{}, files: map[string]*upFile{}}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		_, _ = io.Copy(io.Discard, r.Body) // ignored input, as PHP ignores it
		return f, nil
	}
	if params["boundary"] == "" {
		return f, nil // a multipart type without a boundary: PHP sees no input either
	}
	mr := multipart.NewReader(sandbox.BufferBody(r.Body, r.ContentLength), params["boundary"])
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			f.discard()
			return nil, readErr(err)
		}
		if n >= maxParts {
			f.discard()
			return nil, fmt.Errorf("read form: more than %d parts", maxParts)
		}
		if err := f.addPart(p, st, onFile); err != nil {
			f.discard()
			return nil, err
		}
	}
}

func readErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errBodyTooLarge
	}
	return fmt.Errorf("read form: %w", err)
}

func (f *form) addPart(p *multipart.Part, st *sandbox.Store, onFile func(field, filename string) *session) error {
	defer p.Close()
	name := p.FormName()
	if name == "" {
		_, err := io.Copy(io.Discard, p)
		return readErrOrNil(err)
	}
	filename, isFile := partFilename(p)
	if !isFile {
		b, err := io.ReadAll(io.LimitReader(p, maxFieldBytes+1))
		if err != nil {
			return readErr(err)
		}
		if len(b) > maxFieldBytes {
			return fmt.Errorf("read form: field %q longer than %d bytes", name, maxFieldBytes)
		}
		f.fields[name] = string(b)
		return nil
	}
	if old := f.files[name]; old != nil && old.blob != nil {
		old.blob.Discard() // a repeated part replaces the earlier one, as in PHP
	}
	u := &upFile{filename: filename}
	f.files[name] = u
	if filename == "" {
		// PHP: UPLOAD_ERR_NO_FILE, the field counts as absent.
		_, err := io.Copy(io.Discard, p)
		return readErrOrNil(err)
	}
	var target *session
	if onFile != nil {
		target = onFile(name, filename)
	}
	var b *sandbox.Blob
	switch {
	case target != nil && f.direct == nil:
		d, err := beginDirect(target, st)
		if err != nil {
			return err
		}
		f.direct, u.direct, b = d, true, d.blob
	case target != nil:
		if err := f.direct.restart(); err != nil {
			return err
		}
		u.direct, b = true, f.direct.blob
	default:
		nb, err := st.NewBlob()
		if err != nil {
			return err
		}
		u.blob, b = nb, nb
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(p, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return readErr(err)
	}
	if n > 0 {
		u.sniff = http.DetectContentType(head[:n])
		if _, err := b.Write(head[:n]); err != nil {
			return err
		}
	}
	m, err := b.ReadFrom(p)
	if err != nil {
		return readErr(err)
	}
	u.size = int64(n) + m
	return nil
}

func readErrOrNil(err error) error {
	if err != nil {
		return readErr(err)
	}
	return nil
}

// partFilename returns the part's filename with directories stripped (as
// Symfony's UploadedFile does) and whether the part is a file part at all
// (has a filename parameter, even an empty one).
func partFilename(p *multipart.Part) (string, bool) {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return "", false
	}
	fn, ok := params["filename"]
	if !ok {
		return "", false
	}
	if i := strings.LastIndexAny(fn, `/\`); i >= 0 {
		fn = fn[i+1:]
	}
	return fn, true
}
