package selfcommunity

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// stream is a chunk's file part received straight onto the upload it
// belongs to while the body is parsed, instead of being staged and copied
// after validation: the fields before the file part (partindex,
// totalparts, uuid, as the client sends them) already name the upload
// and the part. Nothing is decided early: the request is validated after
// the whole body was read, exactly as with staging, and a stream the
// decision did not keep is undone (the blob cut back), so the upload ends as if the request had been staged and
// refused. A file part that comes before those fields is staged.
//
// A stream onto an existing upload holds up.mu from the part's start to
// end, so requests naming the upload stay in series; a fresh one (part 0
// without uuid) builds an upload record nobody else can see yet.
type stream struct {
	up    *upload
	fresh bool // up is new and unregistered; its mu is not held
	mode  streamMode
	size  int64

	before int64 // appending: up.offset before the part

	idx  int   // comparing: the part compared with
	same bool  // comparing: the bytes equal the stored part's
	err  error // comparing: reading the stored part failed

	kept  bool // the decision stored the appended part
	ended bool
}

type streamMode int

const (
	appending streamMode = iota // the part is appended to up's blob
	comparing                   // a re-sent part is compared with the stored one
)

// streamHook returns the hook that streams a chunk's file part for user
// when the fields before it name the upload, and it would be stored or
// compared were the request valid. Any other request is staged: the
// decision refuses it (or stores it) from the staged copy.
func (a *API) streamHook(user User) streamHook {
	return func(vals map[string][]string, field string) *stream {
		d := a.opt.Dialect
		if field != wire(d, fFile) || len(vals["parentuuid"]) > 0 {
			return nil
		}
		idx, ok1 := oneInt(vals[wire(d, fPart)], 0)
		total, ok2 := oneInt(vals[wire(d, fTot)], 1)
		if !ok1 || !ok2 || idx >= total {
			return nil
		}
		uuids, named := vals[wire(d, fUUID)]
		if !named {
			if idx != 0 {
				return nil
			}
			b, err := a.env.Store.NewBlob()
			if err != nil {
				return nil // staging meets the same failure and reports it
			}
			return &stream{up: a.newChunked(sandbox.NewID(), user, int(total), b), fresh: true}
		}
		if len(uuids) != 1 || uuids[0] == "" {
			return nil
		}
		up := a.find(uuids[0], user)
		if up == nil || up.kind != chunked {
			return nil
		}
		up.mu.Lock()
		s := a.pin(up, int(idx), int(total))
		if s == nil {
			up.mu.Unlock()
		}
		return s
	}
}

// pin returns a stream of part idx onto up, or nil when the request
// cannot store or compare it (it is refused before). Caller holds up.mu;
// the stream keeps holding it.
func (a *API) pin(up *upload, idx, total int) *stream {
	if up.gone || up.done || up.blob == nil || total != up.total {
		return nil
	}
	switch {
	case idx == up.next:
		if up.trimBlob() != nil {
			return nil // staging gets the same failure at storing
		}
		return &stream{up: up, before: up.offset}
	case a.resendAllowed(up, idx):
		return &stream{up: up, mode: comparing, idx: idx}
	}
	return nil
}

// oneInt parses a field sent once as an integer of at least min, as
// form.integer does.
func oneInt(vs []string, min int64) (int64, bool) {
	if len(vs) != 1 {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(vs[0]), 10, 64)
	return v, err == nil && v >= min
}

// receive reads the part from r onto the upload (appending) or compares
// it with the stored part (comparing), returning the bytes read. The
// error is r's or, appending, the blob's.
func (s *stream) receive(r io.Reader) (int64, error) {
	var err error
	if s.mode == comparing {
		var stored *io.SectionReader
		if stored, s.err = s.up.stored(s.idx); s.err != nil {
			s.size, err = io.Copy(io.Discard, r)
			return s.size, err
		}
		s.size, s.same, err, s.err = matchPart(r, stored)
		return s.size, err
	}
	s.size, err = s.up.blob.ReadFrom(r)
	return s.size, err
}

// content reads the appended part back (the decision stores it elsewhere).
func (s *stream) content() (io.Reader, error) {
	if s.mode == comparing {
		return nil, errors.New("a compared file part was not stored")
	}
	r, err := s.up.blob.Reader()
	if err != nil {
		return nil, fmt.Errorf("read streamed part: %w", err)
	}
	return io.NewSectionReader(r, s.before, s.size), nil
}

// end keeps what the decision stored and undoes the rest, then releases
// up.mu. It is idempotent.
func (s *stream) end() {
	if s.ended {
		return
	}
	s.ended = true
	switch {
	case s.fresh:
		if !s.kept {
			s.up.blob.Discard()
		}
	case s.mode == appending && !s.kept:
		s.up.undoAppend(s.before)
	}
	if !s.fresh {
		s.up.mu.Unlock()
	}
}

// storeInto appends the file part to up's blob at up.offset: a part streamed there is kept as it is, any other is copied
// (and undone if the copy fails). Caller holds up.mu.
func (fp *filePart) storeInto(up *upload) error {
	if s := fp.st; s != nil && s.mode == appending && s.up == up {
		s.kept = true
		return nil
	}
	src, err := fp.open()
	if err != nil {
		return err
	}
	if err := up.trimBlob(); err != nil {
		return err
	}
	if _, err := up.blob.ReadFrom(src); err != nil {
		up.undoAppend(up.offset)
		return fmt.Errorf("store file part: %w", err)
	}
	return nil
}

// sameAs reports whether the file part holds exactly the bytes stored for
// part idx of up. Caller holds up.mu.
func (fp *filePart) sameAs(up *upload, idx int) (bool, error) {
	if s := fp.st; s != nil && s.mode == comparing && s.up == up && s.idx == idx {
		return s.same, s.err
	}
	src, err := fp.open()
	if err != nil {
		return false, err
	}
	stored, err := up.stored(idx)
	if err != nil {
		return false, err
	}
	_, same, rerr, serr := matchPart(src, stored)
	return same, errors.Join(rerr, serr)
}

// matchPart reads r to its end and reports how many bytes it gave and
// whether they are exactly stored's; rerr is r's error, serr a failure to
// read stored (r is still read to its end).
func matchPart(r io.Reader, stored *io.SectionReader) (n int64, same bool, rerr, serr error) {
	const piece = 256 << 10
	buf := make([]byte, 2*piece)
	got, want := buf[:piece], buf[piece:]
	same = true
	for {
		m, err := sandbox.Fill(r, got)
		if m > 0 && same && serr == nil {
			k, werr := stored.ReadAt(want[:m], n)
			switch {
			case k == m:
				same = bytes.Equal(got[:m], want[:m])
			case errors.Is(werr, io.EOF):
				same = false // more bytes than stored
			default:
				serr = fmt.Errorf("read stored part: %w", werr)
			}
		}
		n += int64(m)
		if errors.Is(err, io.EOF) {
			return n, same && serr == nil && n == stored.Size(), nil, serr
		}
		if err != nil {
			return n, false, err, serr
		}
	}
}

// stored reads the bytes received for part idx. Caller holds up.mu.
func (up *upload) stored(idx int) (*io.SectionReader, error) {
	if up.blob == nil {
		return nil, errors.New("the upload's content is gone")
	}
	r, err := up.blob.Reader()
	if err != nil {
		return nil, fmt.Errorf("read stored part: %w", err)
	}
	return io.NewSectionReader(r, up.partOff[idx], up.partLen[idx]), nil
}

// trimBlob cuts bytes past up.offset off the blob (left by an undo whose
// truncation failed), so the next append lands at up.offset. Caller
// holds up.mu.
func (up *upload) trimBlob() error {
	if up.blob.Size() == up.offset {
		return nil
	}
	return up.blob.Truncate(up.offset)
}

// undoAppend cuts up's blob back to off, after a part that was refused
// or broke off. A failed truncation is left to trimBlob, which every append
// and done run first. Caller holds up.mu.
func (up *upload) undoAppend(off int64) {
	if up.blob != nil {
		_ = up.blob.Truncate(off)
	}
}
