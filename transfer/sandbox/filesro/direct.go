package filesro

import (
	"errors"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// errKeyLost means a chunk key's file could not be restored after a
// refused chunk (a disk failure): the key answers 500 from then on, as the
// real server would after losing storage/app/chunks/<key>.
var errKeyLost = errors.New("chunk key file lost after a failed undo")

// directAppend is a chunk part streamed straight onto its key's file while
// it is received, instead of being staged in a blob of its own and copied
// onto the file after validation (the real server's order): every byte is
// then written and checksummed once instead of twice. Until keep, the
// append is provisional: undo (a refusal after the body was read, or a
// body that breaks off) cuts the file back to its size before the request
// and forgets a file the request created, so the key ends exactly as it
// would have with staging. The request holds the key's append turn from
// begin to keep or undo; it is used by the one goroutine serving the
// request.
type directAppend struct {
	s       *session
	blob    *sandbox.Blob
	before  int64 // the file's size before this request
	created bool  // the key had no file: this request started it
	done    bool  // kept or undone
}

// beginDirect waits for s's append turn (another request may be copying
// a staged chunk in) and readies the key's file, creating it for a new
// key. On error the turn is given back.
func beginDirect(s *session, st *sandbox.Store) (*directAppend, error) {
	s.turn <- struct{}{}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lost {
		<-s.turn
		return nil, errKeyLost
	}
	d := &directAppend{s: s}
	if s.blob == nil {
		b, err := st.NewBlob()
		if err != nil {
			<-s.turn
			return nil, err
		}
		s.blob, d.created = b, true
	}
	d.blob, d.before = s.blob, s.blob.Size()
	s.streaming, s.visible = true, d.before
	return d, nil
}

// restart drops the bytes an earlier part of the same request streamed:
// a repeated part replaces the earlier one, as in PHP.
func (d *directAppend) restart() error {
	return d.blob.Truncate(d.before)
}

// keep makes the streamed bytes part of the key's file and gives the turn
// back. It is a no-op after keep or undo.
func (d *directAppend) keep() {
	if d.done {
		return
	}
	d.done = true
	d.s.mu.Lock()
	d.s.streaming = false
	d.s.mu.Unlock()
	<-d.s.turn
}

// undo restores the key's file to its state before the request and gives
// the turn back. It is a no-op after keep or undo.
func (d *directAppend) undo() {
	if d.done {
		return
	}
	d.done = true
	s := d.s
	s.mu.Lock()
	switch {
	case d.created:
		d.blob.Discard()
		s.blob = nil
	case d.blob.Truncate(d.before) != nil:
		// The file holds a refused chunk and cannot be cut back: keeping it
		// would store a corrupt file without anyone noticing.
		d.blob.Discard()
		s.blob, s.lost = nil, true
	}
	s.streaming = false
	s.mu.Unlock()
	<-s.turn
}
