package sandbox

import (
	"bufio"
	"io"
)

// bodyBufferMax is the largest buffer BufferBody puts under a body.
const bodyBufferMax = 256 << 10

// BufferBody returns body read through a buffer sized for a request of
// length bytes (-1 when unknown): at most 256 KiB, at least 4 KiB, never
// much more than the body itself. mime/multipart reads its source 4 KiB
// at a time, so a multipart body parsed straight from the request costs a
// socket read per 4 KiB; through this buffer it costs one per 256 KiB.
// Errors of body (a broken connection, http.MaxBytesError) come through
// unchanged. Wrap the body once, before parsing; the buffer may read
// ahead of what the parser consumed.
func BufferBody(body io.Reader, length int64) io.Reader {
	size := bodyBufferMax
	if length >= 0 && length < int64(size) {
		size = max(int(length), 4<<10)
	}
	return bufio.NewReaderSize(body, size)
}
