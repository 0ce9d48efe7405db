package filesro

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// finalize turns a complete upload into a file (2.4 "completion"): upload
// limit (413), quota (401, file deleted), folders from path (2.5), then
// the file appears atomically and the answer is 201 with the FileResource.
// It owns blob.
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

	// One finalize at a time: the quota check and the commit must not
	// interleave with another upload's, or both could fit "alone".
	a.fin.Lock()
	defer a.fin.Unlock()
	if a.opt.Quota > 0 && a.used()+size > a.opt.Quota {
		blob.Discard()
		typedError(w, http.StatusUnauthorized, "This user action is not allowed: the storage capacity of the share owner is full.")
		return
	}
	if path.present {
		for _, dir := range splitPath(path.s) {
			f, _, err := st.EnsureFolder(ns, parent, dir)
			if err != nil {
				blob.Discard()
				if errors.Is(err, sandbox.ErrBadName) || errors.Is(err, sandbox.ErrNotFolder) {
					messageJSON(w, http.StatusUnprocessableEntity, fmt.Sprintf("sandbox: cannot create folder %q from path %q: %v", dir, path.s, err))
					return
				}
				messageJSON(w, http.StatusInternalServerError, "Server Error")
				return
			}
			parent = f.ID
		}
	}
	basename := sandbox.NewID() + "." + ext
	link := a.env.BaseURL() + "/file/" + basename
	n, err := st.Commit(ns, parent, name, blob, sandbox.CommitOptions{
		// Two uploads of one name keep both; see the package comment on
		// why the sandbox renames where the real server may not.
		Conflict: sandbox.ConflictRename,
		Link:     link,
		Meta:     map[string]string{"basename": basename, "extension": ext, "share": sh.Name, "sniffed": sniff},
	})
	if err != nil {
		messageJSON(w, http.StatusInternalServerError, "Server Error")
		return
	}
	a.mu.Lock()
	a.files[basename] = n.ID
	a.mu.Unlock()
	p, err := st.Get(ns, parent)
	if err != nil {
		messageJSON(w, http.StatusInternalServerError, "Server Error")
		return
	}
	sandbox.WriteJSON(w, http.StatusCreated, a.fileResource(n, p, sh, sniff))
}

// used is the bytes of every file in the namespace (one owner owns all
// shares). Caller holds a.fin.
func (a *API) used() int64 {
	var n int64
	for _, e := range a.env.Store.Snapshot(a.Name()) {
		if e.Kind == sandbox.KindFile {
			n += e.Size
		}
	}
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
	a.mu.Lock()
	id, ok := a.files[r.PathValue("basename")]
	a.mu.Unlock()
	if !ok {
		messageJSON(w, http.StatusNotFound, "Not Found")
		return
	}
	n, err := a.env.Store.Get(a.Name(), id)
	if err != nil {
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
