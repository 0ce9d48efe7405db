package filesro

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// finalize turns a complete upload into a file, in the order of
// ProcessFileAction (VueFileManager/vuefilemanager@5ba4bf347880
// src/Domain/Files/Actions/ProcessFileAction.php:38-97): upload limit
// (413, [R-limit] l.53-56), quota (401, file deleted, [R-quota]), folders
// from path ([R-folders]), then the file row; the answer is 201 with the
// FileResource (VisitorUploadFileChunksController.php:75). It owns blob.
func (a *API) finalize(w http.ResponseWriter, sh *share, parent, name, ext string, path value, blob *sandbox.Blob) {
	st, ns := a.env.Store, a.Name()
	size := blob.Size()
	if a.opt.UploadLimit > 0 && size > a.opt.UploadLimit {
		blob.Discard()
		messageJSON(w, http.StatusRequestEntityTooLarge, "")
		return
	}
	if strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		// The real server stores such names as they are; the sandbox's
		// tree cannot, so it says so instead of storing something else.
		blob.Discard()
		messageJSON(w, http.StatusUnprocessableEntity, fmt.Sprintf("sandbox: cannot store a file named %q", name))
		return
	}
	sniff := sniffBlob(blob)

	// [R-quota] ProcessFileAction.php:58-70: a file that does not fit is
	// deleted and answered 401 {"type":"error"}. The check and the insert
	// are not atomic on the real server either; the sandbox only keeps two
	// checks from interleaving.
	a.fin.Lock()
	if a.opt.Quota > 0 && a.used()+size > a.opt.Quota {
		a.fin.Unlock()
		blob.Discard()
		typedError(w, http.StatusUnauthorized, "This user action is not allowed: the storage capacity of the share owner is full.")
		return
	}
	a.fin.Unlock()
	// Folders after the quota check, without any lock (see parentFolders).
	parent, err := a.parentFolders(parent, path)
	if err != nil {
		blob.Discard()
		if errors.Is(err, sandbox.ErrBadName) {
			messageJSON(w, http.StatusUnprocessableEntity, fmt.Sprintf("sandbox: cannot create a folder from path %q: %v", path.s, err))
			return
		}
		messageJSON(w, http.StatusInternalServerError, "Server Error")
		return
	}
	basename := sandbox.NewID() + "." + ext
	link := a.env.BaseURL() + "/file/" + basename
	n, err := st.Commit(ns, parent, name, blob, sandbox.CommitOptions{
		// [R-samename] A file is a row keyed by a new UUID: a second file
		// of one name is stored under the same name, nothing is renamed or
		// refused (ProcessFileAction.php:88-97 inserts whatever name was
		// sent). The store keys names per folder, so the second is stored
		// as "name (sandbox duplicate N)" with the real name in Meta; the
		// answer carries the real name.
		Conflict:     sandbox.ConflictRename,
		RenameFormat: func(base, ext string, n int) string { return duplicateName(base+ext, n) },
		Link:         link,
		Meta:         map[string]string{"basename": basename, "extension": ext, "share": sh.Name, "sniffed": sniff, "name": name},
	})
	if err != nil {
		messageJSON(w, http.StatusInternalServerError, "Server Error")
		return
	}
	a.mu.Lock()
	filed := a.files.add(basename, n.ID)
	a.mu.Unlock()
	if !filed { // both are the sandbox's own UUIDs: this cannot happen
		messageJSON(w, http.StatusInternalServerError, "Server Error")
		return
	}
	p, err := st.Get(ns, parent)
	if err != nil {
		messageJSON(w, http.StatusInternalServerError, "Server Error")
		return
	}
	sandbox.WriteJSON(w, http.StatusCreated, a.fileResource(n, p, sh, sniff))
}

// used is the bytes of every file in the namespace (one owner owns all
// shares), kept current by the store on every change, so the quota check
// costs the same however many files are stored. Caller holds a.fin.
func (a *API) used() int64 {
	st := a.env.Store
	n, _ := st.FileBytes(a.Name(), st.Root(a.Name()).ID) // the root always exists
	return n
}

func sniffBlob(b *sandbox.Blob) string {
	rd, err := b.Reader()
	if err != nil {
		return "application/octet-stream"
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(rd, head) // a short file is sniffed on what it has
	return http.DetectContentType(head[:n])
}

// download serves a file by the basename of its file_url.
func (a *API) download(w http.ResponseWriter, r *http.Request) {
	basename := r.PathValue("basename")
	a.mu.Lock()
	id, ok := a.files.find(basename)
	a.mu.Unlock()
	if !ok {
		messageJSON(w, http.StatusNotFound, "Not Found")
		return
	}
	n, err := a.env.Store.Get(a.Name(), id)
	if err != nil || n.Meta["basename"] != basename { // the index keys the UUID; the extension must match too
		messageJSON(w, http.StatusNotFound, "Not Found")
		return
	}
	f, err := a.env.Store.Open(a.Name(), id)
	if err != nil {
		messageJSON(w, http.StatusNotFound, "Not Found")
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, n.Name, n.MTime, f)
}
