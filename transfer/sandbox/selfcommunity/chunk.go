package selfcommunity

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// chunk handles one part: 0-based partindex of totalparts, part 0 issuing
// the file uuid that later parts must echo, parts in series. Rules
// sc.part.fields and sc.part.uuid (selfcommunity/developers-doc@a0a0656538e9
// docs/apireference/v2/privatemessage/upload_a_media_in_chunks.md:30-33;
// selfcommunity/community-js@0918bfbad504
// packages/react-ui/src/shared/MessageChunkUploader/index.ts:201,206-214).
func (a *API) chunk(r *http.Request, user User, f *form) (int, any, *apiError) {
	d := a.opt.Dialect
	if f.file == nil {
		return 0, nil, fieldError(wire(d, fFile), "required", "No file was submitted.")
	}
	idx, okIdx, aerr := f.integer(fPart, 0)
	if aerr != nil {
		return 0, nil, aerr
	}
	total, okTot, aerr := f.integer(fTot, 1)
	if aerr != nil {
		return 0, nil, aerr
	}
	switch {
	case !okIdx:
		return 0, nil, fieldError(wire(d, fPart), "required", "This field is required.")
	case !okTot:
		return 0, nil, fieldError(wire(d, fTot), "required", "This field is required.")
	case idx >= total:
		return 0, nil, fieldError(wire(d, fPart), "invalid",
			fmt.Sprintf("partindex %d is not below totalparts %d (parts are numbered from 0)", idx, total))
	}
	var up *upload
	isNew, pinned := false, false
	s := f.file.st
	switch uuid := f.str(fUUID); {
	case idx == 0 && !f.has(fUUID) && s != nil && s.fresh:
		up, isNew = s.up, true // built when its part started
	case idx == 0 && !f.has(fUUID):
		b, err := a.env.Store.NewBlob()
		if err != nil {
			return 0, nil, internalError(err)
		}
		up = a.newChunked(sandbox.NewID(), user, int(total), b)
		isNew = true
	case uuid == "":
		return 0, nil, fieldError(wire(d, fUUID), "required",
			"This field is required when partindex > 0: send the file_uuid returned by part 0.")
	case s != nil && !s.fresh && s.up.uuid == uuid:
		// The part was streamed onto the upload, whose mu the stream holds
		// since; the lookup's expire draw happens now, where it would have.
		up, pinned = s.up, true
		if a.forgetsLocked(up) {
			return 0, nil, fieldError(wire(d, fUUID), "invalid", "Unknown file uuid.")
		}
	default:
		up = a.lookup(uuid, user)
		if up == nil && idx == 0 {
			// A uuid on part 0 that names no upload of the caller starts a
			// new one under that uuid: Fine Uploader sends its own qquuid on
			// every part, part 0 included, and echoes it (not the answer's)
			// afterwards; the document only says the uuid is required when
			// partindex > 0 (selfcommunity/developers-doc@a0a0656538e9
			// docs/apireference/v2/privatemessage/upload_a_media_in_chunks.md:31;
			// rule sc.part.uuid0).
			// A uuid already used by someone else gets a fresh one.
			b, err := a.env.Store.NewBlob()
			if err != nil {
				return 0, nil, internalError(err)
			}
			id := uuid
			if a.taken(id) {
				id = sandbox.NewID()
			}
			up = a.newChunked(id, user, int(total), b)
			isNew = true
			break
		}
		if up == nil || up.kind != chunked {
			return 0, nil, fieldError(wire(d, fUUID), "invalid", "Unknown file uuid.")
		}
	}
	if !pinned {
		up.mu.Lock()
		defer up.mu.Unlock()
	}
	status, body, aerr := a.part(r, f, up, int(idx), int(total))
	if isNew {
		if aerr != nil {
			up.blob.Discard()
		} else {
			a.register(up)
		}
	}
	return status, body, aerr
}

// part checks and stores part idx of up. Caller holds up.mu.
func (a *API) part(r *http.Request, f *form, up *upload, idx, total int) (int, any, *apiError) {
	d := a.opt.Dialect
	switch {
	case up.gone:
		return 0, nil, fieldError(wire(d, fUUID), "invalid", "Unknown file uuid.")
	case up.done || up.blob == nil:
		// Rule sc.done.after (inferred). The same code as a second done:
		// a client resuming after a lost done answer re-sends its last
		// part first.
		return 0, nil, fieldError(wire(d, fUUID), codeAlreadyDone, "This upload is already finalized.")
	case total != up.total: // rule sc.part.total (inferred)
		return 0, nil, fieldError(wire(d, fTot), "invalid",
			fmt.Sprintf("totalparts changed from %d to %d for this uuid", up.total, total))
	}
	size := f.file.size
	if a.resendAllowed(up, idx) {
		// An identical re-send is acknowledged again, as a server storing
		// parts by index would; different content is refused because the
		// whole-file MD5 already covers the first copy.
		same, err := f.file.sameAs(up, idx)
		if err != nil {
			return 0, nil, internalError(err)
		}
		if !same || size != up.partLen[idx] {
			return 0, nil, fieldError(wire(d, fPart), "invalid",
				fmt.Sprintf("part %d was already received with different content", idx))
		}
		return http.StatusOK, map[string]string{"file_uuid": up.uuid}, nil
	}
	if idx != up.next { // rule sc.part.series (upload_a_media_in_chunks.md:17 "in series")
		return 0, nil, fieldError(wire(d, fPart), "invalid",
			fmt.Sprintf("expected part %d, got %d: parts must be sent in series", up.next, idx))
	}
	if aerr := a.checkRanges(r, f, up, idx, size); aerr != nil {
		return 0, nil, aerr
	}
	end := up.offset + size
	if a.opt.MaxFileSize > 0 && (end > a.opt.MaxFileSize || up.declSize > a.opt.MaxFileSize) {
		return 0, nil, &apiError{status: http.StatusRequestEntityTooLarge, items: []errItem{{
			Code:  "file_too_large",
			Field: wire(d, fFile), Message: fmt.Sprintf("The file exceeds the maximum size of %d bytes.", a.opt.MaxFileSize),
		}}}
	}
	// A part that fails half-way leaves the blob as it was (storeInto,
	// stream.end).
	if err := f.file.storeInto(up); err != nil {
		return 0, nil, internalError(err)
	}
	up.next++
	up.partOff = append(up.partOff, up.offset)
	up.partLen = append(up.partLen, size)
	up.offset = end
	if up.md5 != nil {
		up.md5.advance(end)
	}
	if t := f.str(fType); t != "" {
		up.filetype = t
	}
	// Rule sc.part.answer (upload_a_media_in_chunks.md:108-118).
	return http.StatusOK, map[string]string{"file_uuid": up.uuid}, nil
}

// resendAllowed reports whether part idx, already received, may be sent
// again (and is then compared with the stored copy). The last part
// received always may: a client whose 200 answer was lost repeats it, as
// every uploader retries a part (react-uploady's chunked sender retries a
// failed chunk, selfcommunity/community-js@0918bfbad504
// packages/react-ui/src/shared/MessageChunkUploader/index.ts:197-219 sends
// the same partindex again), so even the strict series rule takes it.
// Rule sc.part.series; the default models a server storing parts by
// index, the strict one (switch selfcommunity.series) the document's
// "in series" (upload_a_media_in_chunks.md:17).
// Older parts only with the switch selfcommunity.series off. Caller holds
// up.mu.
func (a *API) resendAllowed(up *upload, idx int) bool {
	return idx < up.next && (idx == up.next-1 || !a.env.Switches.On(SwitchSeries))
}

// taken reports whether uuid names any known upload (of any user).
func (a *API) taken(uuid string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.uploads[uuid]
	return ok
}

// checkRanges enforces that the optional size fields and Content-Range
// describe the bytes actually received (switch selfcommunity.ranges,
// stricter than known: the fields are documented optional,
// upload_a_media_in_chunks.md:34-38, and the official client sends none).
// It also fixes the announced file size on the first part that gives one.
func (a *API) checkRanges(r *http.Request, f *form, up *upload, idx int, size int64) *apiError {
	d := a.opt.Dialect
	strict := a.env.Switches.On(SwitchRanges)
	declared := up.declSize
	if v, ok, aerr := f.integer(fSize, 0); aerr != nil {
		return aerr
	} else if ok {
		if strict && declared >= 0 && v != declared {
			return fieldError(wire(d, fSize), "invalid", fmt.Sprintf("totalfilesize changed from %d to %d", declared, v))
		}
		declared = v
	}
	if strict {
		if v, ok, aerr := f.integer(fOff, 0); aerr != nil {
			return aerr
		} else if ok && v != up.offset {
			return fieldError(wire(d, fOff), "invalid", fmt.Sprintf("partbyteoffset %d, but %d bytes were received before this part", v, up.offset))
		}
		if v, ok, aerr := f.integer(fLen, 0); aerr != nil {
			return aerr
		} else if ok && v != size {
			return fieldError(wire(d, fLen), "invalid", fmt.Sprintf("chunksize %d, but the part has %d bytes", v, size))
		}
		if cr := r.Header.Get("Content-Range"); cr != "" {
			start, end, tot, ok := parseContentRange(cr)
			switch {
			case !ok:
				return statusError(http.StatusBadRequest, "invalid", fmt.Sprintf("malformed Content-Range %q", cr))
			case start != up.offset || end-start+1 != size:
				return statusError(http.StatusBadRequest, "invalid",
					fmt.Sprintf("Content-Range %q does not match a %d-byte part at offset %d", cr, size, up.offset))
			case declared >= 0 && tot != declared:
				return statusError(http.StatusBadRequest, "invalid", fmt.Sprintf("Content-Range total %d, file size %d", tot, declared))
			}
			declared = tot
		}
		end := up.offset + size
		if declared >= 0 && (end > declared || (idx == up.total-1 && end != declared)) {
			return fieldError(wire(d, fSize), "invalid", fmt.Sprintf("parts carry %d bytes so far, the file has %d", end, declared))
		}
	}
	up.declSize = declared
	return nil
}

// parseContentRange reads "bytes <start>-<end>/<total>".
func parseContentRange(s string) (start, end, total int64, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(s), "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, 0, false
	}
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, 0, false
	}
	var err1, err2, err3 error
	start, err1 = strconv.ParseInt(a, 10, 64)
	end, err2 = strconv.ParseInt(b, 10, 64)
	total, err3 = strconv.ParseInt(tot, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || start < 0 || end < start || total <= end {
		return 0, 0, 0, false
	}
	return start, end, total, true
}
