package rest

import (
	"bytes"
	"io"
)

// SmallBody is the largest request body Gather takes into memory: every
// small file's request. net/http writes the headers of a request whose
// body is not in memory (a *bytes.Reader) on their own, before the body,
// and then each Read of the body on its own: four writes for a one-chunk
// multipart form (headers, form head, file bytes, form tail). A body
// gathered into one buffer goes out with its headers in one write (the
// transport's write buffer holds both, see writeBuffer), as curl sends it.
const SmallBody = 64 << 10

// writeBuffer is the transport's write buffer: a SmallBody body and its
// headers (a few hundred bytes; 4 KiB leaves room for long URLs and
// cookies). Larger bodies bypass it: after the headers the body is copied
// straight to the connection.
const writeBuffer = SmallBody + 4<<10

// Gather returns a request body made of head, then exactly n bytes of r,
// then tail. When head, n and tail come to at most SmallBody bytes and r
// yields them, the body is one in-memory buffer, read from r now (so it is
// written with the headers in one write); it is a private copy, which the
// transport may go on reading after the request is over without harm.
// When r fails or ends early, the body yields what was read, then r's
// error: the request fails exactly as it would have had the transport read
// r itself. A larger body is streamed from r as the transport reads it.
//
// The buffer is wrapped by io.NopCloser: net/http still sees it is in
// memory, but http.NewRequest does not set GetBody for it as it would for
// a bare *bytes.Reader, so a gathered body is never replayed (after a
// redirect, say) where a streamed one would not have been.
func Gather(head []byte, r io.Reader, n int64, tail []byte) io.Reader {
	total := int64(len(head)) + n + int64(len(tail))
	if total > SmallBody {
		return multi(head, io.LimitReader(r, n), tail)
	}
	buf := make([]byte, total)
	copy(buf, head)
	got, err := io.ReadFull(r, buf[len(head):int64(len(head))+n])
	if err != nil {
		if err == io.ErrUnexpectedEOF {
			err = io.EOF // a short source reads as an early end, as when streamed
		}
		return io.MultiReader(bytes.NewReader(buf[:len(head)+got]), errReader{err})
	}
	copy(buf[int64(len(head))+n:], tail)
	return io.NopCloser(bytes.NewReader(buf))
}

// multi is head, body, tail as one reader, leaving out empty parts.
func multi(head []byte, body io.Reader, tail []byte) io.Reader {
	rs := make([]io.Reader, 0, 3)
	if len(head) > 0 {
		rs = append(rs, bytes.NewReader(head))
	}
	rs = append(rs, body)
	if len(tail) > 0 {
		rs = append(rs, bytes.NewReader(tail))
	}
	if len(rs) == 1 {
		return body
	}
	return io.MultiReader(rs...)
}

// errReader fails every Read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
