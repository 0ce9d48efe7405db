package selfcommunity

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// Logical field names; the qq dialect prefixes those in prefixed.
const (
	fFile = "file"
	fUUID = "uuid"
	fPart = "partindex"
	fTot  = "totalparts"
	fType = "filetype"
	fSize = "totalfilesize"
	fOff  = "partbyteoffset"
	fLen  = "chunksize"
	fName = "filename"
	fMD5  = "md5"
)

// prefixed are the names that carry "qq" in the old dialect (Fine
// Uploader's names). duration and parentuuid never had the prefix.
var prefixed = []string{fFile, fUUID, fPart, fTot, fType, fSize, fOff, fLen, fName, fMD5}

// wire returns the field name of logical name n in dialect d.
func wire(d Dialect, n string) string {
	if d == QQ {
		for _, p := range prefixed {
			if p == n {
				return "qq" + n
			}
		}
	}
	return n
}

// form is a parsed request body: single values, the repeated values of
// list fields, and at most one file. A form with a file must be released.
type form struct {
	d         Dialect
	values    map[string]string
	lists     map[string][]string
	file      *filePart
	fileField string // the file part's field name
	names     []string
}

// release frees the file part: a staged blob nobody took is discarded, a
// stream is kept or undone as the request's decision said (see stream).
// It is idempotent.
func (f *form) release() {
	if f != nil && f.file != nil {
		f.file.release()
	}
}

// listFields may be given more than once (or as a JSON array).
var listFields = map[string]bool{"recipients": true}

// parseForm reads a multipart, urlencoded or JSON body (DRF's default
// parsers; rule sc.parsers) of at most max bytes. A file is only possible in multipart; it
// is staged in a blob of st, or streamed where hook (may be nil) says.
// On error the form is released; otherwise the caller releases it.
func parseForm(w http.ResponseWriter, r *http.Request, d Dialect, max int64, st *sandbox.Store, hook streamHook) (*form, *apiError) {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	f := &form{d: d, values: map[string]string{}, lists: map[string][]string{}}
	aerr := f.read(r, st, hook)
	if aerr == nil {
		aerr = f.checkDialect()
	}
	if aerr != nil {
		f.release()
		return nil, aerr
	}
	return f, nil
}

func (f *form) read(r *http.Request, st *sandbox.Store, hook streamHook) *apiError {
	ctype, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil && r.Header.Get("Content-Type") != "" {
		return statusError(http.StatusUnsupportedMediaType, "unsupported_media_type", "unreadable Content-Type")
	}
	switch ctype {
	case "multipart/form-data":
		if params["boundary"] == "" {
			return statusError(http.StatusBadRequest, "parse_error", "multipart body without a boundary")
		}
		// Fields and file may come in any order; the whole body is read
		// before anything is decided.
		vals, order, files, err := f.readMultipart(r.Body, r.ContentLength, params["boundary"], st, hook)
		if err != nil {
			var se errStore
			if errors.As(err, &se) {
				return internalError(se)
			}
			return bodyError(err)
		}
		for _, name := range order {
			if err := f.add(name, vals[name]); err != nil {
				return err
			}
		}
		for i, name := range files {
			if i > 0 || (len(files) > 1 && files[1] == name) {
				return fieldError(name, "invalid", "exactly one file part is allowed")
			}
			if _, dup := f.values[name]; dup {
				return fieldError(name, "invalid", "given both as a field and as a file")
			}
			f.fileField = name
			f.names = append(f.names, name)
		}
	case "application/x-www-form-urlencoded":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return bodyError(err)
		}
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return statusError(http.StatusBadRequest, "parse_error", "malformed urlencoded body")
		}
		for name, vs := range q {
			if err := f.add(name, vs); err != nil {
				return err
			}
		}
	case "application/json":
		return f.parseJSON(r.Body)
	case "":
		// No body at all: every required field will be reported missing.
	default:
		return statusError(http.StatusUnsupportedMediaType, "unsupported_media_type",
			fmt.Sprintf("unsupported media type %q in request", ctype))
	}
	return nil
}

func bodyError(err error) *apiError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return statusError(http.StatusRequestEntityTooLarge, "request_too_large",
			fmt.Sprintf("request body over %d bytes", mbe.Limit))
	}
	return statusError(http.StatusBadRequest, "parse_error", "malformed request body: "+err.Error())
}

func (f *form) add(name string, vs []string) *apiError {
	f.names = append(f.names, name)
	if listFields[name] {
		f.lists[name] = append(f.lists[name], vs...)
		return nil
	}
	if len(vs) != 1 {
		return fieldError(name, "invalid", "given more than once")
	}
	f.values[name] = vs[0]
	return nil
}

func (f *form) parseJSON(r io.Reader) *apiError {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		if be := bodyError(err); be.status == http.StatusRequestEntityTooLarge {
			return be
		}
		return statusError(http.StatusBadRequest, "parse_error", "JSON parse error")
	}
	for name, v := range obj {
		var vs []string
		switch v := v.(type) {
		case nil:
			continue
		case string:
			vs = []string{v}
		case json.Number:
			vs = []string{v.String()}
		case []any:
			if !listFields[name] {
				return fieldError(name, "invalid", "a list is not allowed here")
			}
			for _, e := range v {
				n, ok := e.(json.Number)
				if !ok {
					return fieldError(name, "invalid", "list items must be numbers")
				}
				vs = append(vs, n.String())
			}
		default:
			return fieldError(name, "invalid", "must be a string or a number")
		}
		if err := f.add(name, vs); err != nil {
			return err
		}
	}
	return nil
}

// checkDialect refuses any name of the other dialect, alone or mixed with
// this run's names: one run speaks one dialect (rule sc.dialect; the
// current names: selfcommunity/developers-doc@a0a0656538e9
// docs/apireference/v2/privatemessage/upload_a_media_in_chunks.md:30-38). Every offending name is
// reported, sorted, so the answer does not depend on map order.
func (f *form) checkDialect() *apiError {
	other := Plain
	if f.d == Plain {
		other = QQ
	}
	var bad *apiError
	names := slices.Sorted(slices.Values(f.names))
	for _, n := range names {
		for _, p := range prefixed {
			if n == wire(other, p) {
				if bad == nil {
					bad = &apiError{status: http.StatusBadRequest}
				}
				bad.items = append(bad.items, errItem{
					Code: "invalid_field", Field: n,
					Message: fmt.Sprintf("%q belongs to the %s field names; this server takes the %s names (%q)",
						n, other, f.d, wire(f.d, p)),
				})
			}
		}
	}
	if bad != nil {
		return bad
	}
	if f.file != nil && f.fileField != wire(f.d, fFile) {
		return fieldError(f.fileField, "invalid", fmt.Sprintf("the file part must be called %q", wire(f.d, fFile)))
	}
	return nil
}

// has reports whether logical field n was sent.
func (f *form) has(n string) bool {
	_, ok := f.values[wire(f.d, n)]
	return ok
}

// str returns logical field n ("" when absent).
func (f *form) str(n string) string { return f.values[wire(f.d, n)] }

// required returns n or the field error DRF gives for a missing field.
func (f *form) required(n string) (string, *apiError) {
	v, ok := f.values[wire(f.d, n)]
	if !ok || strings.TrimSpace(v) == "" {
		return "", fieldError(wire(f.d, n), "required", "This field is required.")
	}
	return v, nil
}

// integer returns optional integer field n; ok is false when absent.
func (f *form) integer(n string, min int64) (v int64, ok bool, e *apiError) {
	s, present := f.values[wire(f.d, n)]
	if !present {
		return 0, false, nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, false, fieldError(wire(f.d, n), "invalid", "A valid integer is required.")
	}
	if v < min {
		return 0, false, fieldError(wire(f.d, n), "min_value", fmt.Sprintf("Ensure this value is greater than or equal to %d.", min))
	}
	return v, true, nil
}
