package selfcommunity

import (
	"fmt"
	"image"
	_ "image/gif" // thumbnail formats the official client sends
	_ "image/jpeg"
	_ "image/png"
	"maps"
	"net/http"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// storeWhole receives a whole file in one request into a new finalized
// upload record (committed to the store), checking the optional
// totalfilesize and md5 fields against it.
func (a *API) storeWhole(r *http.Request, user User, f *form, k kind, meta map[string]string) (*upload, *apiError) {
	d := a.opt.Dialect
	if f.file == nil {
		return nil, fieldError(wire(d, fFile), "required", "No file was submitted.")
	}
	name := f.str(fName)
	if name == "" {
		name = f.file.filename
	}
	if aerr := checkName(wire(d, fName), name); aerr != nil {
		return nil, aerr
	}
	size := f.file.size
	if v, ok, aerr := f.integer(fSize, 0); aerr != nil {
		return nil, aerr
	} else if ok && v != size {
		return nil, fieldError(wire(d, fSize), "invalid", fmt.Sprintf("totalfilesize %d, but the file has %d bytes", v, size))
	}
	if cr := r.Header.Get("Content-Range"); cr != "" && a.env.Switches.On(SwitchRanges) {
		// The official client sends it on a one-part upload too.
		start, end, total, ok := parseContentRange(cr)
		if !ok || start != 0 || end != size-1 || total != size {
			return nil, statusError(http.StatusBadRequest, "invalid",
				fmt.Sprintf("Content-Range %q does not describe the %d-byte file", cr, size))
		}
	}
	if a.opt.MaxFileSize > 0 && size > a.opt.MaxFileSize { // rule sc.limits (configured only)
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, items: []errItem{{
			Code:  "file_too_large",
			Field: wire(d, fFile), Message: fmt.Sprintf("The file exceeds the maximum size of %d bytes.", a.opt.MaxFileSize),
		}}}
	}
	b, err := f.file.own(a.env.Store)
	if err != nil {
		return nil, internalError(err)
	}
	up := &upload{
		uuid: sandbox.NewID(), owner: user.ID, kind: k, total: 1, next: 1, offset: size,
		declSize: size, filetype: f.str(fType),
	}
	if m := f.str(fMD5); m != "" {
		// The MD5 only when the rule needs it; else the store computes it
		// on first need.
		if up.md5hex, err = b.MD5(); err != nil {
			b.Discard()
			return nil, internalError(err)
		}
		if !strings.EqualFold(m, up.md5hex) {
			b.Discard()
			return nil, fieldError(wire(d, fMD5), "invalid", "md5 does not match the file received")
		}
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if aerr := a.commit(up, name, b, meta); aerr != nil {
		return nil, aerr
	}
	a.register(up)
	return up, nil
}

// single is "Upload a Media": the whole file at once. The answer already
// carries file_url; a done call afterwards is accepted (the official
// client sends one with totalparts=1) and gives the file done's name.
// Rule sc.plain (selfcommunity/developers-doc@a0a0656538e9
// docs/apireference/v2/privatemessage/upload_a_media.md:23-28,100-101;
// selfcommunity/community-js@0918bfbad504
// packages/react-ui/src/shared/MessageChunkUploader/index.ts:206-217).
func (a *API) single(r *http.Request, user User, f *form) (int, any, *apiError) {
	up, aerr := a.storeWhole(r, user, f, single, map[string]string{"kind": "single"})
	if aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, a.fileAnswer(up), nil
}

// thumbnail is "Upload a Thumbnail": parentuuid must name a finished file
// of the caller. Rule sc.thumb (selfcommunity/developers-doc@a0a0656538e9
// docs/apireference/v2/privatemessage/upload_a_thumbnail.md:17,29-34,105-109;
// selfcommunity/community-js@0918bfbad504
// packages/react-ui/src/shared/MessageChunkUploader/index.ts:109-127).
func (a *API) thumbnail(r *http.Request, user User, f *form) (int, any, *apiError) {
	pid := f.values["parentuuid"]
	parent := a.lookup(pid, user)
	if parent != nil {
		parent.mu.Lock()
		ok := parent.final && parent.kind != thumb
		parent.mu.Unlock()
		if !ok {
			parent = nil
		}
	}
	if parent == nil {
		return 0, nil, fieldError("parentuuid", "invalid", "parentuuid must be a finished file of yours")
	}
	if a.env.Switches.On(SwitchThumbImage) { // rule sc.thumb.image: strict only
		if aerr := isImage(f); aerr != nil {
			return 0, nil, aerr
		}
	}
	up, aerr := a.storeWhole(r, user, f, thumb, map[string]string{"kind": "thumbnail", "parent_uuid": pid})
	if aerr != nil {
		return 0, nil, aerr
	}
	up.mu.Lock()
	up.parent = pid
	up.mu.Unlock()
	return http.StatusOK, map[string]string{"file_url": a.fileURL(up), "file_uuid": up.uuid, "parent_file_uuid": pid}, nil
}

// rename stores the finished file up under name instead (a copy of its
// content committed anew, the old node deleted), keeping its uuid and
// meta. Caller holds up.mu.
func (a *API) rename(up *upload, name string) *apiError {
	st := a.env.Store
	old, err := st.Get(Name, up.nodeID)
	if err != nil {
		return internalError(err)
	}
	f, err := st.Open(Name, up.nodeID)
	if err != nil {
		return internalError(err)
	}
	b, err := st.NewBlob()
	if err != nil {
		f.Close()
		return internalError(err)
	}
	_, err = b.ReadFrom(f)
	f.Close()
	if err != nil {
		b.Discard()
		return internalError(err)
	}
	if err := st.Delete(Name, up.nodeID); err != nil {
		b.Discard()
		return internalError(err)
	}
	a.releaseName(up.name)
	meta := maps.Clone(old.Meta)
	if meta == nil {
		meta = map[string]string{}
	}
	return a.commit(up, name, b, meta)
}

// isImage refuses a thumbnail whose content is not a PNG, JPEG or GIF
// image (switch selfcommunity.thumbimage, stricter than known: the
// document types the field "image", selfcommunity/developers-doc@a0a0656538e9
// docs/apireference/v2/privatemessage/upload_a_thumbnail.md:29, and the
// official client always sends a JPEG or PNG it drew, or a GIF as it was,
// selfcommunity/community-js@0918bfbad504
// packages/react-ui/src/utils/thumbnailCoverter.ts:3-11,93-121 and
// packages/react-ui/src/shared/MessageChunkUploader/index.ts:229-256).
func isImage(f *form) *apiError {
	d := f.d
	if f.file == nil {
		return fieldError(wire(d, fFile), "required", "No file was submitted.")
	}
	r, err := f.file.open()
	if err != nil {
		return internalError(err)
	}
	if _, _, err := image.DecodeConfig(r); err != nil {
		return fieldError(wire(d, fFile), "invalid_image",
			"Upload a valid image. The file you uploaded was either not an image or a corrupted image.")
	}
	return nil
}
