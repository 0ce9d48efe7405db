package selfcommunity

import (
	"fmt"
	"net/http"
	"strings"
)

// done is "Chunk Upload Done": uuid and filename required; the optional
// totalparts, totalfilesize and md5 must match what was assembled. The
// file then appears in the store under /<uuid>/<filename>. Rule sc.done
// (selfcommunity/developers-doc@a0a0656538e9
// docs/apireference/v2/privatemessage/chunk_upload_done.md:17-29,109-112;
// selfcommunity/community-js@0918bfbad504
// packages/react-ui/src/shared/MessageChunkUploader/index.ts:162-165).
func (a *API) done(user User, f *form) (int, any, *apiError) {
	d := a.opt.Dialect
	uuid, e1 := f.required(fUUID)
	name, e2 := f.required(fName)
	if e1 != nil || e2 != nil {
		out := &apiError{status: http.StatusBadRequest}
		for _, e := range []*apiError{e1, e2} {
			if e != nil {
				out.items = append(out.items, e.items...)
			}
		}
		return 0, nil, out
	}
	up := a.lookup(uuid, user)
	if up == nil || up.kind == thumb {
		return 0, nil, fieldError(wire(d, fUUID), "invalid", "Unknown file uuid.")
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if up.gone {
		return 0, nil, fieldError(wire(d, fUUID), "invalid", "Unknown file uuid.")
	}
	if up.done { // rule sc.done.again (inferred; strict: selfcommunity.redone)
		if a.env.Switches.On(SwitchRedone) {
			return 0, nil, fieldError(wire(d, fUUID), codeAlreadyDone, "This upload is already finalized.")
		}
		return http.StatusOK, a.fileAnswer(up), nil
	}
	if v, ok, aerr := f.integer(fTot, 1); aerr != nil {
		return 0, nil, aerr
	} else if ok && int(v) != up.total {
		return 0, nil, fieldError(wire(d, fTot), "invalid", fmt.Sprintf("totalparts %d, the upload has %d", v, up.total))
	}
	if up.next != up.total { // rule sc.done.incomplete (inferred)
		return 0, nil, statusError(http.StatusBadRequest, "incomplete",
			fmt.Sprintf("parts %d..%d of %d were not received", up.next, up.total-1, up.total))
	}
	if v, ok, aerr := f.integer(fSize, 0); aerr != nil {
		return 0, nil, aerr
	} else if ok && v != up.offset {
		return 0, nil, fieldError(wire(d, fSize), "invalid", fmt.Sprintf("totalfilesize %d, the parts carry %d bytes", v, up.offset))
	}
	// Whether this user's uploads hash behind their parts from now on
	// (followsMD5): only when the MD5 is computed, not what is answered.
	a.md5Senders.Store(user.ID, f.str(fMD5) != "")
	if up.md5 != nil && up.md5hex == "" {
		// Followed: the sum of the accepted parts is (nearly) ready.
		sum, err := up.md5.sum()
		if err != nil {
			return 0, nil, internalError(err)
		}
		up.md5hex = sum
	}
	if m := f.str(fMD5); m != "" {
		if up.md5hex == "" {
			// Computed now that a rule needs it, once (a done refused here
			// keeps it): over the accepted parts, or the stored file of a
			// single upload.
			if aerr := a.md5Of(up); aerr != nil {
				return 0, nil, aerr
			}
		}
		if !strings.EqualFold(strings.TrimSpace(m), up.md5hex) {
			return 0, nil, fieldError(wire(d, fMD5), "invalid", "md5 does not match the assembled file")
		}
	}
	if up.kind == chunked {
		if aerr := checkName(wire(d, fName), name); aerr != nil {
			return 0, nil, aerr
		}
		if t := f.str(fType); t != "" {
			up.filetype = t
		}
		meta := map[string]string{"kind": "chunked", "parts": fmt.Sprint(up.total)}
		if up.filetype != "" {
			meta["filetype"] = up.filetype
		}
		if err := up.trimBlob(); err != nil {
			return 0, nil, internalError(err)
		}
		b := up.blob
		up.blob = nil // consumed by commit whatever happens
		if aerr := a.commit(up, name, b, meta); aerr != nil {
			a.forget(up.uuid)
			return 0, nil, aerr
		}
	}
	if up.kind == single && name != up.name {
		// The official client's one-part file: a plain upload of a part
		// called "blob", then done naming the file
		// (selfcommunity/community-js@0918bfbad504
		// packages/react-ui/src/shared/MessageChunkUploader/index.ts:162-165,206-217).
		// The file takes done's name; inferred, the server's code is not
		// public. Rule sc.done.plain.
		if aerr := checkName(wire(d, fName), name); aerr != nil {
			return 0, nil, aerr
		}
		if aerr := a.rename(up, name); aerr != nil {
			return 0, nil, aerr
		}
	}
	up.done = true
	up.trim()
	return http.StatusOK, a.fileAnswer(up), nil
}

func (a *API) forget(uuid string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.uploads, uuid)
}

// md5Of sets up.md5hex: the MD5 of a chunked upload's accepted parts, or
// of a finished single upload's stored file. Caller holds up.mu.
func (a *API) md5Of(up *upload) *apiError {
	var sum string
	var err error
	if up.kind == chunked {
		if err = up.trimBlob(); err == nil {
			sum, err = up.blob.MD5()
		}
	} else {
		sum, err = a.env.Store.MD5(Name, up.nodeID)
	}
	if err != nil {
		return internalError(err)
	}
	up.md5hex = sum
	return nil
}
