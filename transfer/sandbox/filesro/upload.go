package filesro

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

type mode int

const (
	modeAny     mode = iota // files.ro: dispatch on chunk/is_last_chunk vs file
	modeChunked             // VFM /api/sharing/upload/chunks/{token}
	modeSimple              // VFM /api/sharing/upload/{token}
)

// session is the append state of one chunk key (storage/app/chunks/<key>
// on the real server).
type session struct {
	share string // share name, for Pending

	// Guarded by API.mu:
	active    int  // requests for this key currently being handled
	fieldsSet bool // fields holds the first accepted chunk's fields
	fields    chunkFields

	// turn is held (a value sent in) by the one request appending to the
	// key's file, a staged chunk being copied in or a chunk streamed
	// straight in (directAppend), so appends never interleave, like PHP's
	// File::append on one file. It is never waited for while holding mu or
	// API.mu.
	turn chan struct{}

	mu   sync.Mutex // guards the fields below; held only briefly
	blob *sandbox.Blob
	// streaming: a chunk is being streamed onto blob; only its first
	// visible bytes are appended so far (Pending shows those).
	streaming bool
	visible   int64
	lost      bool // errKeyLost
}

// chunkFields are the fields the samefields switch compares across the
// chunks of one key.
type chunkFields struct {
	name, extension, path, parentID string
	hasPath, hasParent              bool
}

// claim registers a request for key as soon as its chunk part starts and
// reports whether another request for the key was already in progress.
func (a *API) claim(key, shareName string) (*session, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.sessions[key]
	if s == nil {
		s = &session{share: shareName, turn: make(chan struct{}, 1)}
		a.sessions[key] = s
	}
	s.active++
	return s, s.active > 1
}

// release ends a request's claim on key; a key that never received bytes
// is forgotten (the real server creates chunks/<key> on the first append).
// finished removes the key whatever it holds (the last chunk moved it).
func (a *API) release(key string, s *session, finished bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s.active--
	if a.sessions[key] != s {
		return
	}
	s.mu.Lock()
	empty := s.blob == nil
	s.mu.Unlock()
	if finished || (empty && s.active == 0) {
		delete(a.sessions, key)
	}
}

func messageJSON(w http.ResponseWriter, status int, msg string) {
	sandbox.WriteJSON(w, status, map[string]string{"message": msg})
}

func typedError(w http.ResponseWriter, status int, msg string) {
	sandbox.WriteJSON(w, status, map[string]string{"type": "error", "message": msg})
}

// upload handles every upload route, in the real evaluation order (2.6):
// throttle, share binding (404), validation (422 or 302), protection
// (403), permission (403), parent within the share (403), then append or
// finalize.
func (a *API) upload(m mode) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.allow(w, r) {
			return
		}
		sh := a.shares[r.PathValue("token")]
		if sh == nil {
			_, _ = io.Copy(io.Discard, r.Body) // PHP reads the whole request before routing
			messageJSON(w, http.StatusNotFound, "No query results for model [Domain\\Sharing\\Models\\Share] "+r.PathValue("token"))
			return
		}
		if a.env.Switches.On("filesro.accept") && !wantsJSON(r) {
			_, _ = io.Copy(io.Discard, r.Body) // refused whatever it holds
			redirectBack(w, r, a.env.BaseURL())
			return
		}
		if max := a.opt.MaxRequestBody; max > 0 {
			if r.ContentLength > max {
				messageJSON(w, http.StatusRequestEntityTooLarge, "")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		var claimed *session
		var claimedKey string
		busy := false
		// Under filesro.concurrent the first request on a key streams its
		// chunk straight onto the key's file (directAppend), since any
		// request arriving meanwhile is refused with 409 and appends
		// nothing. Otherwise every chunk is staged and appended once
		// complete, so concurrent chunks land in completion order, as on
		// the real server; a streamed chunk would make a later one wait
		// for its whole body instead.
		direct := a.env.Switches.On("filesro.concurrent")
		onFile := func(field, filename string) *session {
			if field != "chunk" || m == modeSimple {
				return nil
			}
			if claimed == nil {
				claimedKey = filename
				claimed, busy = a.claim(filename, sh.Name)
			}
			if busy || !direct {
				return nil
			}
			return claimed
		}
		finished := false
		defer func() {
			if claimed != nil {
				a.release(claimedKey, claimed, finished)
			}
		}()
		f, err := parseForm(r, a.env.Store, onFile)
		if errors.Is(err, errBodyTooLarge) {
			messageJSON(w, http.StatusRequestEntityTooLarge, "")
			return
		}
		if err != nil {
			// The body broke off: the client sees a dead connection or
			// nothing; nothing was stored.
			messageJSON(w, http.StatusBadRequest, err.Error())
			return
		}
		defer f.discard()

		chunked := m == modeChunked || (m == modeAny && (f.files["chunk"] != nil || f.hasField("chunk") || f.hasField("is_last_chunk") || f.files["file"] == nil))
		var errs *fieldErrors
		if chunked {
			errs = f.validateChunked(chunkRules{
				disabled:     a.opt.DisabledMimetypes,
				maxFile:      a.opt.UploadMaxFilesize,
				pathRequired: a.env.Switches.OnDefault("filesro.pathrequired", false),
				emptyRefused: a.env.Switches.OnDefault("filesro.emptyrefused", false),
			})
		} else {
			errs = f.validateSimple(a.opt.DisabledMimetypes)
		}
		if !errs.empty() {
			reject(w, r, a.env.BaseURL(), errs)
			return
		}
		// [R-protect] ProtectShareRecordAction.php:18-38 (VFM@5ba4bf347880).
		if sh.Password != "" && !a.validCookie(r, sh) {
			typedError(w, http.StatusForbidden, "Sorry, you don't have permission")
			return
		}
		// [R-visitor] VisitorUploadFileChunksController.php:45-48.
		if sh.Permission == PermVisitor {
			typedError(w, http.StatusForbidden, "Access Denied")
			return
		}
		// [R-parent] VisitorUploadFileChunksController.php:50-56
		// (VerifyAccessToItemAction): abort(403) outside the share.
		parent := sh.folder
		if v := f.value("parent_id"); v.present {
			parent = v.s
		}
		if n, err := a.env.Store.Get(a.Name(), parent); err != nil || n.Kind != sandbox.KindFolder ||
			!a.env.Store.IsWithin(a.Name(), parent, sh.folder) {
			messageJSON(w, http.StatusForbidden, "") // abort(403) without a message
			return
		}
		if chunked {
			if busy && a.env.Switches.On("filesro.concurrent") {
				messageJSON(w, http.StatusConflict, fmt.Sprintf(
					"sandbox: another request for chunk key %q was in progress; the real server would interleave the bytes", claimedKey))
				return
			}
			finished = a.chunk(w, sh, parent, f, claimed)
			return
		}
		up := f.files["file"]
		name := up.filename
		if v := f.value("name"); v.present {
			name = v.s
		}
		blob := up.blob
		up.blob = nil // finalize owns it now
		a.finalize(w, sh, parent, name, extension(name), f.value("path"), blob)
	}
}

// chunk appends one chunk to its key's file and finalizes on the last
// one [R-append] (VueFileManager/vuefilemanager@5ba4bf347880
// src/Domain/Files/Actions/StoreFileChunksAction.php:17-31: File::append
// to chunks/<client filename>; VisitorUploadFileChunksController.php:58-77:
// nothing returned, so 200 with an empty body, for a non-last chunk). It reports whether the key is finished (moved away or failed at
// finalize), so the caller forgets it.
func (a *API) chunk(w http.ResponseWriter, sh *share, parent string, f *form, s *session) bool {
	up := f.files["chunk"]
	fv := chunkFields{name: f.fields["name"], extension: f.fields["extension"], parentID: f.fields["parent_id"]}
	fv.path, fv.hasPath = f.fields["path"]
	_, fv.hasParent = f.fields["parent_id"]

	a.mu.Lock()
	if s.fieldsSet && s.fields != fv && a.env.Switches.On("filesro.samefields") {
		a.mu.Unlock()
		sandbox.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "sandbox: name, extension, path and parent_id must be the same for every chunk of one key",
			"errors":  map[string][]string{"chunk": {fmt.Sprintf("key %q was started with different fields", up.filename)}},
		})
		return false
	}
	if !s.fieldsSet {
		s.fields, s.fieldsSet = fv, true
	}
	a.mu.Unlock()

	if up.direct {
		f.direct.keep()
	} else if err := s.append(up); err != nil {
		messageJSON(w, http.StatusInternalServerError, "Server Error")
		return false
	}
	if f.fields["is_last_chunk"] != "1" {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK) // the controller returns nothing
		return false
	}
	s.mu.Lock()
	blob := s.blob
	s.blob = nil
	s.mu.Unlock()
	if blob == nil {
		// A concurrent last chunk of the same key finalized it first.
		messageJSON(w, http.StatusInternalServerError, "Server Error")
		return true
	}
	a.finalize(w, sh, parent, fv.name, fv.extension, f.value("path"), blob)
	return true
}

// append adds the staged chunk to the key's file, in its turn. The first
// chunk's staged blob becomes the file itself (no copy); a later one is
// copied by the kernel (Blob.AppendBlob), not through the process.
func (s *session) append(up *upFile) error {
	s.turn <- struct{}{}
	defer func() { <-s.turn }()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lost {
		return errKeyLost
	}
	if s.blob == nil {
		s.blob, up.blob = up.blob, nil
		return nil
	}
	before := s.blob.Size()
	if _, err := s.blob.AppendBlob(up.blob); err != nil {
		// Keep the key's file as it was: a half-appended chunk would be
		// garbage nobody asked for.
		return errors.Join(err, s.blob.Truncate(before))
	}
	return nil
}

// splitPath is section 2.5: array_slice(explode('/', path), 1, -1) —
// drop the element before the leading "/" and the last element.
func splitPath(p string) []string {
	parts := strings.Split(p, "/")
	if len(parts) <= 2 {
		return nil
	}
	return parts[1 : len(parts)-1]
}

// extension is the text after the last dot, or the whole name (what the
// official client sends for names without a dot).
func extension(name string) string {
	if i := strings.LastIndex(name, "."); i >= 0 && i < len(name)-1 {
		return name[i+1:]
	}
	return name
}
