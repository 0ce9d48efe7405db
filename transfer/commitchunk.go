package transfer

import (
	"bytes"
	"fmt"
	"io"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// commitBufferMax is the largest committing chunk read into memory before
// it is sent (see commitSource): every small file of a service that stores
// a file with its last chunk, at most this much per worker.
const commitBufferMax = 1 << 20

// commitSource is where an attempt of the committing chunk c (the last
// chunk of a LastChunkCommits or LastChunkStores service) reads from; it
// checks the file on every attempt (a retry after a server error comes
// later and reads the file again). A chunk of at most commitBufferMax
// bytes is read into memory, then the file checked: if it is still the
// planned version, the bytes read are that version's, so the copy the
// request stores is a whole version whatever happens to the file
// afterwards (the mtime cannot stay the same through a rewrite: waitQuiet
// made it CommitQuiet old first, so any write since the plan, before or
// during the read, moved it; a file that shrank reads short). That one
// stat after the read is the check: one before it would prove nothing
// more. A larger chunk is checked first, then read from the file as it is
// sent; a rewrite in the instant between the check and the read is caught
// afterwards (finish warns that the stored copy may mix two versions),
// unless the provider confirms before its committing request
// (confirmUnchanged).
func (fu *fileUpload) commitSource(c provider.Chunk) (io.ReaderAt, error) {
	if c.Size > commitBufferMax {
		if err := fu.checkUnchanged("before the last chunk"); err != nil {
			return nil, err
		}
		return fu.f, nil
	}
	buf := make([]byte, c.Size)
	n, err := fu.f.ReadAt(buf, c.Offset)
	if n < len(buf) {
		if err == nil || err == io.EOF {
			return nil, fmt.Errorf("read the last chunk: %w", errFileChanged)
		}
		return nil, &fileError{kind: KindUnreadable, path: localPath(fu.a.job), err: err}
	}
	if err := fu.checkUnchanged("while the last chunk was read"); err != nil {
		return nil, err
	}
	fu.confirmed.Store(true)
	return &chunkBytes{bytes.NewReader(buf), c.Offset}, nil
}

// confirmUnchanged is the provider.Unchanged hook of the committing chunk:
// called after its bytes were read, before the request that stores them.
func (fu *fileUpload) confirmUnchanged() error {
	if err := fu.checkUnchanged("before the file was stored"); err != nil {
		return err
	}
	fu.confirmed.Store(true)
	return nil
}

// chunkBytes serves a chunk read into memory at the file offsets it was
// read from, so the chunk reader addresses it like the file.
type chunkBytes struct {
	r   *bytes.Reader
	off int64
}

func (b *chunkBytes) ReadAt(p []byte, off int64) (int, error) {
	return b.r.ReadAt(p, off-b.off)
}
