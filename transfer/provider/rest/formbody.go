package rest

import (
	"io"
	"sync"
)

// formBody is a Form's body: the head, the file part's content, the tail,
// read in that order. It is an io.WriterTo that copies the content through
// a pooled buffer: io.MultiReader's WriteTo (which net/http's body copy
// takes) allocates a fresh 32 KiB buffer per request, and with thousands
// of small files that garbage was most of what an upload allocated.
type formBody struct {
	parts [3]io.Reader // head, content (nil when none), tail
	at    int          // the part Read is in
}

func newFormBody(head []byte, content io.Reader, tail []byte) *formBody {
	return &formBody{parts: [3]io.Reader{bytesReader(head), content, bytesReader(tail)}}
}

func bytesReader(b []byte) io.Reader { return &sliceReader{b: b} }

// sliceReader is a bytes.Reader without WriteTo, so that formBody writes
// every part through the same path.
type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// Read implements io.Reader.
func (f *formBody) Read(p []byte) (int, error) {
	for f.at < len(f.parts) {
		r := f.parts[f.at]
		if r == nil {
			f.at++
			continue
		}
		n, err := r.Read(p)
		if err == io.EOF {
			f.at++
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
	return 0, io.EOF
}

// copyBufs are the buffers formBody.WriteTo copies through.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// WriteTo implements io.WriterTo: every remaining byte to w through one
// pooled buffer (w's ReadFrom is not used, since a net.Conn's would
// allocate the buffer again).
func (f *formBody) WriteTo(w io.Writer) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	var total int64
	for {
		n, err := f.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
			if m != n {
				return total, io.ErrShortWrite
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
