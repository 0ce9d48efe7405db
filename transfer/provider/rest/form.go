package rest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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

// NewForm lays out fields, then the file part when file is not nil, with
// a random boundary: the bytes mime/multipart's Writer writes (its
// boundary, header order and escaping; TestFormAsMultipartWriter), built
// in one buffer, since this runs for every chunk request (the Writer took
// 94 allocations for a form of four fields and a file).
//
// The boundary is 40 random hex digits (160 bits; a browser's is 38
// characters), not the Writer's 60: a server finds the parts by searching
// for "\r\n--" and the boundary, and Go's substring search (the sandbox's
// parser, as mime/multipart's) has its fast path for needles of up to 63
// bytes only; with 64 a part of 1 GiB took the sandbox 0.63 s to parse
// instead of 0.43.
func NewForm(fields []Field, file *FilePart) (*Form, error) {
	var rnd [boundaryBytes]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, fmt.Errorf("build form: %w", err)
	}
	var boundary [2 * boundaryBytes]byte
	hex.Encode(boundary[:], rnd[:])
	return layOut(fields, file, string(boundary[:])), nil
}

// boundaryBytes is the random bytes of a form's boundary (see NewForm).
const boundaryBytes = 20

// layOut is NewForm with a given boundary.
func layOut(fields []Field, file *FilePart, boundary string) *Form {
	const disposition = "Content-Disposition: form-data; name=\""
	size := len(boundary) + 8
	for _, f := range fields {
		size += len(boundary) + len(disposition) + len(f.Name) + len(f.Value) + 16
	}
	if file != nil {
		size += len(boundary) + len(disposition) + len(file.Field) + len(file.Filename) + 80
	}
	buf := make([]byte, 0, size)
	parts := 0
	open := func(name string) {
		if parts > 0 {
			buf = append(buf, "\r\n"...)
		}
		parts++
		buf = append(buf, "--"...)
		buf = append(buf, boundary...)
		buf = append(buf, "\r\n"...)
		buf = append(buf, disposition...)
		buf = append(buf, escapeQuotes(name)...)
		buf = append(buf, '"')
	}
	for _, f := range fields {
		open(f.Name)
		buf = append(buf, "\r\n\r\n"...)
		buf = append(buf, f.Value...)
	}
	var n int64
	if file != nil {
		open(file.Field)
		buf = append(buf, "; filename=\""...)
		buf = append(buf, escapeQuotes(file.Filename)...)
		buf = append(buf, "\"\r\nContent-Type: application/octet-stream\r\n\r\n"...)
		n = file.Size
	}
	head := len(buf)
	buf = append(buf, "\r\n--"...)
	buf = append(buf, boundary...)
	buf = append(buf, "--\r\n"...)
	return &Form{ContentType: "multipart/form-data; boundary=" + boundary, head: buf[:head:head], tail: buf[head:], size: n}
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
