package selfcommunity

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// kind is what created an upload record.
type kind int

const (
	chunked kind = iota // parts, then done
	single              // one request; done optional
	thumb               // a thumbnail of another file
)

// upload is one file uuid's record. Its mutex serialises the requests
// naming it, which is what makes "in series" checkable.
type upload struct {
	uuid  string
	owner int64
	kind  kind

	mu       sync.Mutex    // guards the fields below
	total    int           // parts announced with part 0
	next     int           // parts received, in order
	offset   int64         // bytes received
	declSize int64         // announced whole-file size, -1 while unknown
	partOff  []int64       // where each received part starts in blob
	partLen  []int64       // and its length (a re-send is compared with it)
	blob     *sandbox.Blob // content until done commits it
	md5      *md5Follower  // MD5 over the parts accepted, in order; nil unless followsMD5 (chunked only)
	done     bool          // the done call succeeded
	gone     bool          // forgotten (expire fault): requests naming it fail
	final    bool          // the file is in the store
	nodeID   string
	parent   string // a thumbnail's parent file uuid
	name     string
	md5hex   string // the file's MD5 when a rule needed it; else the store computes it on first need
	size     int64
	filetype string
}

// trim drops what only an open chunked upload needs (the parts' offsets
// and lengths, the MD5 follower) once done has
// stored the file: a finished upload answers from its final fields
// alone (a part or done after it is refused or answered from them), so
// the record of each finished file stays small. Caller holds up.mu.
func (up *upload) trim() {
	up.partOff, up.partLen, up.md5 = nil, nil, nil
}

// upload serves POST /api/v2/pm/upload/: chunks, single uploads,
// thumbnails, and with "?done" the Chunk Upload Done call. Rules sc.path
// (selfcommunity/community-js@0918bfbad504
// packages/api-services/src/constants/Endpoints.ts:890-905), sc.method
// (inferred, DRF), sc.auth (selfcommunity/developers-doc@a0a0656538e9
// docs/apireference/v2/privatemessage/upload_a_media_in_chunks.md:11).
func (a *API) upload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, r, http.MethodPost)
		return
	}
	user, aerr := a.auth(r)
	if aerr != nil {
		aerr.write(w)
		return
	}
	isDone, aerr := a.doneQuery(r.URL.RawQuery)
	if aerr != nil {
		aerr.write(w)
		return
	}
	var hook streamHook
	if !isDone {
		hook = a.streamHook(user)
	}
	f, aerr := parseForm(w, r, a.opt.Dialect, a.opt.MaxRequest, a.env.Store, hook)
	if aerr != nil {
		aerr.write(w)
		return
	}
	defer f.release()
	var status int
	var body any
	switch {
	case isDone:
		status, body, aerr = a.done(user, f)
	case f.has(fPart) || f.has(fTot):
		if f.values["parentuuid"] != "" { // rule sc.thumb.parts (inferred)
			aerr = fieldError("parentuuid", "invalid", "a thumbnail is not sent in parts")
			break
		}
		status, body, aerr = a.chunk(r, user, f)
	case f.values["parentuuid"] != "":
		status, body, aerr = a.thumbnail(r, user, f)
	default:
		status, body, aerr = a.single(r, user, f)
	}
	f.release() // before the answer: a streamed part's upload is free again
	if aerr != nil {
		aerr.write(w)
		return
	}
	sandbox.WriteJSON(w, status, body)
}

// doneQuery tells a done call from an upload by the query key "done". The
// vendor doc's literal "?done/" is accepted only when configured; else it
// is refused visibly rather than mistaken for an upload. Rule sc.done.slash
// (chunk_upload_done.md:17 writes "?done/"; community-js Endpoints.ts:903
// sends "?done").
func (a *API) doneQuery(raw string) (bool, *apiError) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return false, statusError(http.StatusBadRequest, "parse_error", "malformed query string")
	}
	if _, ok := q["done"]; ok {
		return true, nil
	}
	if _, ok := q["done/"]; ok {
		if a.opt.DoneSlash {
			return true, nil
		}
		return false, statusError(http.StatusBadRequest, "invalid",
			`unknown query "done/": the done call is POST /api/v2/pm/upload/?done`)
	}
	return false, nil
}

// lookup returns the caller's upload uuid, or nil when it is unknown,
// belongs to someone else, or the "expire" fault made the server forget
// it (unfinished chunked uploads only). Lock order: up.mu before a.mu.
func (a *API) lookup(uuid string, user User) *upload {
	up := a.find(uuid, user)
	if up == nil || up.kind != chunked {
		return up
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if a.forgetsLocked(up) {
		return nil
	}
	return up
}

// find returns the caller's upload uuid as it is known (nil if unknown or
// someone else's), without the expire check.
func (a *API) find(uuid string, user User) *upload {
	a.mu.Lock()
	up := a.uploads[uuid]
	a.mu.Unlock()
	if up == nil || up.owner != user.ID {
		return nil
	}
	return up
}

// forgetsLocked reports whether the chunked upload up is gone, or is
// forgotten now by the "expire" fault (drawn once per request naming an
// unfinished upload). Caller holds up.mu.
func (a *API) forgetsLocked(up *upload) bool {
	if up.gone {
		return true
	}
	if up.done || !a.env.Expire() {
		return false
	}
	up.gone = true
	if up.blob != nil {
		up.blob.Discard()
		up.blob = nil
	}
	a.forget(up.uuid)
	return true
}

func (a *API) register(up *upload) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.uploads[up.uuid] = up
}

// checkName applies the store's rules to a client-given file name.
func checkName(field, name string) *apiError {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || len(name) > 255 {
		return fieldError(field, "invalid", fmt.Sprintf("%q is not a valid file name", name))
	}
	return nil
}

// commit stores b as /<uuid>/<name> and fills up's final fields. Caller
// holds up.mu.
func (a *API) commit(up *upload, name string, b *sandbox.Blob, meta map[string]string) *apiError {
	st := a.env.Store
	dir, _, err := st.EnsureFolder(Name, st.Root(Name).ID, up.uuid)
	if err != nil {
		b.Discard()
		return internalError(err)
	}
	name = a.reserveName(name)
	link := a.mediaURL(up.uuid, name)
	meta["owner"] = fmt.Sprint(up.owner)
	// The stored file's Meta md5: the sum done or a single upload checked,
	// else computed by the store when first needed (Snapshot), never on
	// the upload's path when no rule needs it.
	n, err := st.Commit(Name, dir.ID, name, b, sandbox.CommitOptions{
		Conflict: sandbox.ConflictFail, Link: link, Meta: meta, MD5Meta: "md5", MD5: up.md5hex,
	})
	if err != nil {
		a.releaseName(name)
		if errors.Is(err, sandbox.ErrBadName) {
			return fieldError(wire(a.opt.Dialect, fName), "invalid", err.Error())
		}
		return internalError(err)
	}
	up.final, up.nodeID, up.name, up.size = true, n.ID, name, n.Size
	return nil
}

// mediaURL is the file_url of the file uuid stored as name: the sandbox's
// base URL is fixed for its run, so a finished upload's URL is spelt
// again when an answer needs it rather than kept in every record.
func (a *API) mediaURL(uuid, name string) string {
	return a.env.BaseURL() + "/media/pm/" + uuid + "/" + url.PathEscape(name)
}

// fileURL is the file_url of the finished upload up. Caller holds up.mu
// or up is final (its name no longer changes).
func (a *API) fileURL(up *upload) string { return a.mediaURL(up.uuid, up.name) }

// fileAnswer is the {file_url, file_uuid} body of single uploads and done.
func (a *API) fileAnswer(up *upload) map[string]string {
	return map[string]string{"file_url": a.fileURL(up), "file_uuid": up.uuid}
}

// reserveName returns the name a finished file is stored under (rule
// sc.names, inferred). With the
// switch selfcommunity.uniquenames (on unless turned off) a name already
// used by another stored file gets Django's get_available_name suffix,
// "<root>_<7 random letters or digits><ext>": the backend is Django REST
// Framework (protocol notes 3.5), whose storages rename a taken name
// unless configured to overwrite. This is an inference; the real storage
// layout is not public.
func (a *API) reserveName(name string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.names[name] && a.env.Switches.OnDefault(SwitchUnique, true) {
		ext := path.Ext(name)
		if ext == name {
			ext = ""
		}
		root := strings.TrimSuffix(name, ext)
		for a.names[name] {
			name = root + "_" + randomAlnum(7) + ext
		}
	}
	a.names[name] = true
	return name
}

func (a *API) releaseName(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.names, name)
}

func randomAlnum(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics instead)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
