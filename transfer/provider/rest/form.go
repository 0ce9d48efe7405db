package rest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"strings"
	"sync"
)

// ErrShortBody means a body's source ended before its declared size: the
// local file shrank while it was being sent. Retrying the same request
// cannot help; the file must be read again from the start.
var ErrShortBody = errors.New("local data ended before its declared size")

// ExactReader yields exactly N bytes of R: it fails with ErrShortBody when R
// ends early and never reads past N. It records what happened, because an
// HTTP transport may stop reading a body (the server answered early) and
// the caller must still tell a local failure from a network one. Safe for
// the transport's goroutine and the caller's at once.
type ExactReader struct {
	mu   sync.Mutex // guards everything below
	r    io.Reader
	left int64
	read int64
	err  error
}

// NewExactReader returns a reader of exactly n bytes of r.
func NewExactReader(r io.Reader, n int64) *ExactReader { return &ExactReader{r: r, left: n} }

// Read implements io.Reader.
func (e *ExactReader) Read(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	e.read += int64(n)
	switch {
	case errors.Is(err, io.EOF) && e.left > 0:
		e.err = ErrShortBody
		return n, e.err
	case err != nil && !errors.Is(err, io.EOF):
		e.err = err
		return n, err
	}
	return n, nil
}

// Result returns the bytes read so far and the source's failure, if any
// (nil when the source was fine, even if the body was not read to the end).
func (e *ExactReader) Result() (read int64, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.read, e.err
}

// Field is one text field of a multipart form, in wire order.
type Field struct{ Name, Value string }

// FilePart describes the form's streamed file part: its field name, the
// filename it announces and the exact number of bytes it will carry.
type FilePart struct {
	Field, Filename string
	Size            int64
}

// Form is the framing of a multipart/form-data body whose file part is
// streamed from a reader between a small head and tail held in memory, so
// a 64 MB chunk is never buffered and Content-Length is exact (several of
// these servers and their proxies refuse chunked transfer encoding).
type Form struct {
	ContentType string
	head, tail  []byte
	size        int64
}

// NewForm lays out fields, then the file part when file is not nil.
func NewForm(fields []Field, file *FilePart) (*Form, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f.Name, f.Value); err != nil {
			return nil, fmt.Errorf("build form: %w", err)
		}
	}
	var size int64
	if file != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`,
			escapeQuotes(file.Field), escapeQuotes(file.Filename)))
		h.Set("Content-Type", "application/octet-stream")
		if _, err := mw.CreatePart(h); err != nil {
			return nil, fmt.Errorf("build form: %w", err)
		}
		size = file.Size
	}
	head := bytes.Clone(buf.Bytes())
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("build form: %w", err)
	}
	return &Form{ContentType: mw.FormDataContentType(), head: head, tail: bytes.Clone(buf.Bytes()[len(head):]), size: size}, nil
}

// Len is the exact length of the body in bytes.
func (f *Form) Len() int64 { return int64(len(f.head)) + f.size + int64(len(f.tail)) }

// Body returns the whole body with the file part read from content, which
// must be an ExactReader of the file part's size (nil for a form without a
// file part). Each call returns a fresh reader, for a retried request. A
// body of at most SmallBody bytes is read from content now, into one
// buffer (see Gather); a larger one as the transport sends it.
func (f *Form) Body(content *ExactReader) io.Reader {
	if content == nil {
		return Gather(f.head, bytes.NewReader(nil), 0, f.tail)
	}
	return Gather(f.head, content, f.size, f.tail)
}

// escapeQuotes escapes a Content-Disposition parameter as browsers do
// (WHATWG): backslash and double quote escaped, CR and LF percent-encoded,
// everything else literal (servers keep the bytes as they are).
func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "%0D", "\n", "%0A")
