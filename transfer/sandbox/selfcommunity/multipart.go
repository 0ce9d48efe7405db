package selfcommunity

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// filePart is the request's file part, received one of two ways: staged
// in a blob of its own (a single upload takes the blob over as it is), or
// streamed by the parser onto the upload it names (see stream), so a
// chunk's bytes are written once.
type filePart struct {
	filename string // as multipart.Part.FileName: directories stripped
	size     int64
	blob     *sandbox.Blob // staged content; nil when streamed or taken
	st       *stream       // set when streamed
}

// open reads the part's content, wherever it was received.
func (fp *filePart) open() (io.Reader, error) {
	if fp.st != nil {
		return fp.st.content()
	}
	if fp.blob == nil {
		return nil, errors.New("file part already taken")
	}
	r, err := fp.blob.Reader()
	if err != nil {
		return nil, fmt.Errorf("open file part: %w", err)
	}
	return r, nil
}

// own hands the part's content over as a blob of its own: the staged
// blob itself (a single upload commits it as it is), or a copy of a
// streamed part.
func (fp *filePart) own(st *sandbox.Store) (*sandbox.Blob, error) {
	if b := fp.blob; b != nil {
		fp.blob = nil
		return b, nil
	}
	src, err := fp.open()
	if err != nil {
		return nil, err
	}
	b, err := st.NewBlob()
	if err != nil {
		return nil, err
	}
	if _, err := b.ReadFrom(src); err != nil {
		b.Discard()
		return nil, fmt.Errorf("copy file part: %w", err)
	}
	return b, nil
}

// release discards a staged blob nobody took and ends a stream (keeping
// or undoing it). It is idempotent.
func (fp *filePart) release() {
	if fp.blob != nil {
		fp.blob.Discard()
		fp.blob = nil
	}
	if fp.st != nil {
		fp.st.end()
	}
}

// streamHook is asked, when the first file part starts, whether to
// stream it onto an upload; vals are the fields received before it. A
// nil answer stages the part.
type streamHook func(vals map[string][]string, field string) *stream

// Limits of net/http's ParseMultipartForm(1 MiB), which readMultipart
// replaces: field values and per-part overhead share maxMemoryBytes, file
// parts count against it only while small ones fit maxFileMemory.
const (
	maxFileMemory    = 1 << 20
	maxMemoryBytes   = maxFileMemory + 10<<20
	maxFormParts     = 1000
	mapEntryOverhead = 200 // mime/multipart's per-value estimate
	fileHeaderSize   = 100
)

// errStore wraps a failure to store a file part (not the body's fault).
type errStore struct{ err error }

func (e errStore) Error() string { return "store file part: " + e.err.Error() }
func (e errStore) Unwrap() error { return e.err }

// readMultipart reads a multipart body part by part with the decisions
// and limits of mime/multipart's ReadForm (at most 1000 parts, the same
// memory budget, nameless parts skipped, a part with an empty file name
// being a value), but without spooling file parts to a temporary file
// first: the first file part is streamed where hook says or staged in a
// blob, later ones only counted (a second file part refuses the request).
// It returns the values in arrival order of their names and the file
// parts' field names in order; f.file is the first file part. An error is
// the body's (a broken or malformed body, a limit) or an errStore. length
// is the body's Content-Length (-1 when unknown): it sizes the read
// buffer, so a small part does not cost a 256 KiB buffer.
func (f *form) readMultipart(body io.Reader, length int64, boundary string, st *sandbox.Store, hook streamHook) (map[string][]string, []string, []string, error) {
	vals := map[string][]string{}
	var order, files []string
	mr := multipart.NewReader(sandbox.BufferBody(body, length), boundary)
	budget, fileMem, parts := int64(maxMemoryBytes), int64(maxFileMemory), maxFormParts
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return vals, order, files, nil
		}
		if err != nil {
			return nil, nil, nil, err
		}
		if parts <= 0 {
			return nil, nil, nil, multipart.ErrMessageTooLarge
		}
		parts--
		name := p.FormName()
		if name == "" {
			continue
		}
		budget -= int64(len(name)) + mapEntryOverhead
		if budget < 0 {
			return nil, nil, nil, multipart.ErrMessageTooLarge
		}
		filename := p.FileName()
		if filename == "" {
			var b bytes.Buffer
			n, err := io.CopyN(&b, p, budget+1)
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, nil, nil, err
			}
			if budget -= n; budget < 0 {
				return nil, nil, nil, multipart.ErrMessageTooLarge
			}
			if _, seen := vals[name]; !seen {
				order = append(order, name)
			}
			vals[name] = append(vals[name], b.String())
			continue
		}
		budget -= mimeHeaderSize(p.Header) + mapEntryOverhead + fileHeaderSize
		if budget < 0 {
			return nil, nil, nil, multipart.ErrMessageTooLarge
		}
		files = append(files, name)
		var n int64
		if f.file == nil {
			f.file = &filePart{filename: filename}
			err = f.file.receive(p, name, vals, st, hook)
			n = f.file.size
		} else {
			n, err = io.Copy(io.Discard, p)
		}
		if err != nil {
			return nil, nil, nil, err
		}
		if n <= fileMem { // ReadForm keeps it in memory
			fileMem -= n
			budget -= n
		}
	}
}

// receive reads the file part p onto the stream hook names, or into a
// staged blob.
func (fp *filePart) receive(p io.Reader, field string, vals map[string][]string, st *sandbox.Store, hook streamHook) error {
	er := &errReader{r: p}
	var err error
	if hook != nil {
		fp.st = hook(vals, field)
	}
	if fp.st != nil {
		fp.size, err = fp.st.receive(er)
	} else {
		b, nerr := st.NewBlob()
		if nerr != nil {
			return errStore{nerr}
		}
		fp.blob = b
		fp.size, err = b.ReadFrom(er)
	}
	if err != nil && er.err == nil {
		return errStore{err}
	}
	return err
}

// errReader remembers its reader's error, telling a broken body from a
// failure to store what was read.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		e.err = err
	}
	return n, err
}

// mimeHeaderSize is mime/multipart's estimate of a part header's memory.
func mimeHeaderSize(h textproto.MIMEHeader) int64 {
	size := int64(400)
	for k, vs := range h {
		size += int64(len(k)) + mapEntryOverhead
		for _, v := range vs {
			size += int64(len(v))
		}
	}
	return size
}
