package filesro

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// fieldErrors is Laravel's error bag: messages per attribute, in rule
// order.
type fieldErrors struct {
	order []string
	msgs  map[string][]string
}

func (e *fieldErrors) add(field, msg string) {
	if e.msgs == nil {
		e.msgs = map[string][]string{}
	}
	if _, ok := e.msgs[field]; !ok {
		e.order = append(e.order, field)
	}
	e.msgs[field] = append(e.msgs[field], msg)
}

func (e *fieldErrors) empty() bool { return len(e.order) == 0 }

// body is Laravel 9's 422 JSON: the first message, "(and N more
// errors)", and every message per field.
func (e *fieldErrors) body() map[string]any {
	total := 0
	for _, f := range e.order {
		total += len(e.msgs[f])
	}
	msg := e.msgs[e.order[0]][0]
	switch more := total - 1; {
	case more == 1:
		msg += " (and 1 more error)"
	case more > 1:
		msg += fmt.Sprintf(" (and %d more errors)", more)
	}
	return map[string]any{"message": msg, "errors": e.msgs}
}

// attr is how Laravel names a field in messages: "is_last_chunk" becomes
// "is last chunk".
func attr(field string) string { return strings.ReplaceAll(field, "_", " ") }

var uuidRE = regexp.MustCompile(`(?i)^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$`)

// value is a field as Laravel sees it after ConvertEmptyStringsToNull.
type value struct {
	present bool
	null    bool // sent as "" (converted to null)
	s       string
}

func (f *form) value(name string) value {
	v, ok := f.fields[name]
	if !ok {
		return value{}
	}
	return value{present: true, null: v == "", s: v}
}

func (f *form) requiredString(errs *fieldErrors, name string, nullable bool) {
	v := f.value(name)
	if !v.present || v.null {
		errs.add(name, fmt.Sprintf("The %s field is required.", attr(name)))
	}
	// Without "bail", Laravel runs the remaining rules too: a null value
	// also fails "string" unless the field is nullable.
	if v.present && v.null && !nullable {
		errs.add(name, fmt.Sprintf("The %s must be a string.", attr(name)))
	}
}

func (f *form) optionalUUID(errs *fieldErrors, name string) {
	if v := f.value(name); v.present && (v.null || !uuidRE.MatchString(v.s)) {
		errs.add(name, fmt.Sprintf("The %s must be a valid UUID.", attr(name)))
	}
}

func (f *form) optionalString(errs *fieldErrors, name string) {
	if v := f.value(name); v.present && v.null {
		errs.add(name, fmt.Sprintf("The %s must be a string.", attr(name)))
	}
}

// requiredFile checks "required|file|DisabledMimetypes".
func (f *form) requiredFile(errs *fieldErrors, name string, disabled []string) {
	u := f.files[name]
	switch {
	case u == nil && f.fields[name] != "":
		// Sent as a plain field: present, so "required" passes, "file" fails.
		errs.add(name, fmt.Sprintf("The %s must be a file.", attr(name)))
	case u == nil && !f.hasField(name):
		errs.add(name, fmt.Sprintf("The %s field is required.", attr(name)))
	case u == nil || !u.present():
		// An empty filename (no file chosen) or an empty field: PHP and
		// Laravel see null, which fails both rules.
		errs.add(name, fmt.Sprintf("The %s field is required.", attr(name)))
		errs.add(name, fmt.Sprintf("The %s must be a file.", attr(name)))
	case disabledMime(u.sniff, disabled):
		errs.add(name, "Type of this mime type is not allowed.")
	}
}

// disabledMime is the DisabledMimetypes rule [R-mime]: the uploaded part's
// sniffed type is split at "/" and refused when either half is in the
// admin's comma-separated blacklist, so "image" refuses every image and
// "x-gzip" one subtype (VueFileManager/vuefilemanager@5ba4bf347880
// src/Domain/Admin/Rules/DisabledMimetypes.php:14-19). It is a rule of the
// chunk field, so it runs on every chunk, each sniffed on its own bytes: a
// middle chunk that looks like a blacklisted type is refused (422) although
// the file as a whole is not.
func disabledMime(sniff string, disabled []string) bool {
	if sniff == "" || len(disabled) == 0 {
		return false
	}
	mt := strings.TrimSpace(strings.SplitN(sniff, ";", 2)[0])
	for _, half := range strings.Split(mt, "/") {
		if half != "" && slices.Contains(disabled, half) {
			return true
		}
	}
	return false
}

func (f *form) hasField(name string) bool {
	_, ok := f.fields[name]
	return ok
}

// chunkRules are the switches validateChunked applies beyond the real
// rules.
type chunkRules struct {
	disabled []string
	// maxFile is PHP's upload_max_filesize (0 = none) [R-ini].
	maxFile int64
	// pathRequired: files.ro's document marks path required [S-path].
	pathRequired bool
	// emptyRefused: a zero-byte chunk is refused as missing [S-empty].
	emptyRefused bool
}

// validateChunked applies the chunk upload rules [R-valid], in their
// order: name required|string, parent_id sometimes|uuid, path
// sometimes|string, is_last_chunk required|boolean, extension
// required|string|nullable, chunk required|file|DisabledMimetypes
// (VueFileManager/vuefilemanager@5ba4bf347880
// src/Domain/Files/Requests/UploadChunkRequest.php:26-33).
func (f *form) validateChunked(r chunkRules) *fieldErrors {
	errs := &fieldErrors{}
	f.requiredString(errs, "name", false)
	f.optionalUUID(errs, "parent_id")
	if r.pathRequired {
		// [S-path] document only (files.ro "File Chunks Upload": path
		// "yes"); VueFileManager's rule is "sometimes".
		f.requiredString(errs, "path", false)
	} else {
		f.optionalString(errs, "path")
	}
	if v := f.value("is_last_chunk"); !v.present || v.null {
		errs.add("is_last_chunk", "The is last chunk field is required.")
		if v.present {
			errs.add("is_last_chunk", "The is last chunk field must be true or false.")
		}
	} else if v.s != "1" && v.s != "0" {
		// Multipart values are strings; Laravel's boolean rule accepts only
		// "1" and "0" among them ("true", "false", "yes" fail).
		errs.add("is_last_chunk", "The is last chunk field must be true or false.")
	}
	f.requiredString(errs, "extension", true)
	if u := f.files["chunk"]; r.maxFile > 0 && u != nil && u.present() && u.size > r.maxFile {
		// [R-ini] PHP drops a part over upload_max_filesize
		// (UPLOAD_ERR_INI_SIZE); Laravel's validator then reports the
		// file as not uploaded and runs no other rule on it ("uploaded"
		// failure, message "The :attribute failed to upload.").
		errs.add("chunk", "The chunk failed to upload.")
	} else if r.emptyRefused && u != nil && u.present() && u.size == 0 {
		// [S-empty] what a server that drops empty uploads would answer
		// (PHP keeps them: an empty part with a filename is UPLOAD_ERR_OK
		// [inference]); a switch so the client is tested both ways.
		errs.add("chunk", "The chunk field is required.")
		errs.add("chunk", "The chunk must be a file.")
	} else {
		f.requiredFile(errs, "chunk", r.disabled)
	}
	return errs
}

// validateSimple applies the single-request upload rules: file
// required|file, parent_id sometimes|uuid, path sometimes|string, name
// sometimes|string.
func (f *form) validateSimple(disabled []string) *fieldErrors {
	errs := &fieldErrors{}
	f.optionalString(errs, "name")
	f.optionalUUID(errs, "parent_id")
	f.optionalString(errs, "path")
	f.requiredFile(errs, "file", disabled)
	return errs
}

// wantsJSON is Laravel's expectsJson for API clients: the Accept header
// names JSON. Without it a validation failure is a 302 back to the
// previous page.
func wantsJSON(r *http.Request) bool {
	a := strings.ToLower(r.Header.Get("Accept"))
	return strings.Contains(a, "/json") || strings.Contains(a, "+json")
}

// redirectBack is Laravel's answer to a failed validation of a request
// that does not expect JSON: 302 to the Referer (or the site root).
func redirectBack(w http.ResponseWriter, r *http.Request, base string) {
	to := r.Header.Get("Referer")
	if to == "" {
		to = base + "/"
	}
	w.Header().Set("Location", to)
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(http.StatusFound)
	_, _ = fmt.Fprintf(w, "<!DOCTYPE html><meta http-equiv=\"refresh\" content=\"0;url='%[1]s'\"><title>Redirecting to %[1]s</title>", html.EscapeString(to))
}

// reject answers a validation failure the way Laravel does.
func reject(w http.ResponseWriter, r *http.Request, base string, errs *fieldErrors) {
	if !wantsJSON(r) {
		redirectBack(w, r, base)
		return
	}
	sandbox.WriteJSON(w, http.StatusUnprocessableEntity, errs.body())
}
