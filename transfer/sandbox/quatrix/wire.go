package quatrix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// Error codes (protocols/quatrix.md §8; seed code table).
const (
	codeBadParameter     = 10
	codeMissingParameter = 11
	codeNotAuthorized    = 14
	codeNotFound         = 20
	codeNotSupported     = 21
	codeObjectExists     = 30
	codeRestriction      = 50
	codeExpired          = 60
	codeNotAllowed       = 70
	codeMFARequired      = 71
	codeNoPin            = 73 // "Not allowed without PIN"
	codeFailedPin        = 84 // "Failed PIN"
	codeNotADirectory    = 91
	codeQuotaExceeded    = 122
)

// apiError is the ErrorModel body, with the HTTP status it goes out with
// (Q-ERR: maytech/api-client-go@3d3df036 api/swagger.yaml:4467).
type apiError struct {
	status  int
	Msg     string         `json:"msg"`
	Code    int            `json:"code"`
	Details map[string]any `json:"details,omitempty"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d code %d: %s", e.status, e.Code, e.Msg) }

func errf(status, code int, format string, args ...any) *apiError {
	return &apiError{status: status, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// writeError sends e as application/json ErrorModel.
func writeError(w http.ResponseWriter, e *apiError) {
	sandbox.WriteJSON(w, e.status, e)
}

// maxJSONBody bounds a JSON request body; the real requests are tiny.
const maxJSONBody = 1 << 20

// decodeBody reads a JSON object into v (a struct of pointer fields). The
// Content-Type check is SwitchContentType. Unknown fields, wrong types,
// trailing data and non-objects are code 10; callers check required fields
// (nil pointers) for code 11. Q-JSON; the Content-Type check is
// S-CONTENTTYPE, strict only (the C# SDK's HttpRequest.cs posts JSON with
// no Content-Type).
func (a *API) decodeBody(r *http.Request, v any) *apiError {
	if a.env.Switches.On(SwitchContentType) {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			return errf(400, codeBadParameter, "Content-Type must be application/json")
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return errf(400, codeBadParameter, "reading the request body: %v", err)
	}
	return decodeJSON(body, v)
}

// decodeJSON is decodeBody's parser, separate so it can be fuzzed.
func decodeJSON(body []byte, v any) *apiError {
	if len(body) > maxJSONBody {
		return errf(400, codeBadParameter, "request body too large")
	}
	// encoding/json silently turns invalid UTF-8 into U+FFFD, which would
	// let a broken name through the name rules.
	if !utf8.Valid(body) {
		return errf(400, codeBadParameter, "the request body is not valid UTF-8")
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errf(400, codeBadParameter, "the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errf(400, codeBadParameter, "field %q has the wrong type (%s)", te.Field, te.Value)
		}
		return errf(400, codeBadParameter, "bad JSON: %v", err)
	}
	if dec.More() {
		return errf(400, codeBadParameter, "trailing data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errf(400, codeBadParameter, "trailing data after the JSON object")
	}
	return nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// checkUUID validates a required (or present optional) id field.
func checkUUID(field string, v *string, required bool) *apiError {
	if v == nil {
		if required {
			return errf(400, codeMissingParameter, "missing parameter %q", field)
		}
		return nil
	}
	if !uuidRE.MatchString(*v) {
		return errf(400, codeBadParameter, "%q must be a UUID", field)
	}
	return nil
}

// nameError returns why name breaks the naming rules (§3, §11.9), or "".
// The rules and their sources (docs/protocols/quatrix.md Q-NAME-*):
// rclone/rclone@64ab1ac32260 docs/content/quatrix.md:145-147 (1 to 255
// characters, not . or .., no / \ or non-printable ASCII). A trailing
// space is not among them: see trailingSpaceError.
func nameError(name string) string {
	switch {
	case !utf8.ValidString(name):
		return "is not valid UTF-8"
	case name == "":
		return "is empty"
	case utf8.RuneCountInString(name) > 255:
		return "is longer than 255 characters"
	case name == "." || name == "..":
		return "must not be . or .."
	case strings.ContainsAny(name, `/\`):
		return "must not contain / or \\"
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "must not contain control characters"
		}
	}
	return ""
}

// trailingSpaceError is Q-NAME-SPACE, a check behind SwitchTrailingSpace
// (strict only). rclone/rclone@64ab1ac32260 backend/quatrix/quatrix.go:5-8
// (a FIXME from the backend's first commit) says names with trailing
// spaces are not supported, but the same commit's user documentation
// (docs/content/quatrix.md:145-147) leaves them out, the backend's default
// encoding does not escape a trailing space (quatrix.go:69-71, no
// EncodeRightSpace), and rclone's integration run against real Quatrix
// ignores no test but cmd/bisync (fstest/test_all/config.yaml:654-658),
// so FsEncoding's "trailing space " names pass there. The default accepts
// them.
func trailingSpaceError(name string) string {
	if strings.HasSuffix(name, " ") {
		return "must not end with a space"
	}
	return ""
}

// checkName applies the name rules to a required name field.
func (a *API) checkName(field string, v *string) *apiError {
	if v == nil {
		return errf(400, codeMissingParameter, "missing parameter %q", field)
	}
	why := nameError(*v)
	if why == "" && a.env.Switches.On(SwitchTrailingSpace) {
		why = trailingSpaceError(*v)
	}
	if why != "" {
		return errf(400, codeBadParameter, "%q %s", field, why)
	}
	return nil
}

// contentRangeRE is the only Content-Range form chunk POSTs may use.
var contentRangeRE = regexp.MustCompile(`^bytes (\d{1,18})-(\d{1,18})/(\d{1,18})$`)

// parseContentRange parses "bytes S-E/T" into its numbers.
func parseContentRange(h string) (start, end, total int64, ok bool) {
	m := contentRangeRE.FindStringSubmatch(h)
	if m == nil {
		return 0, 0, 0, false
	}
	var err1, err2, err3 error
	start, err1 = strconv.ParseInt(m[1], 10, 64)
	end, err2 = strconv.ParseInt(m[2], 10, 64)
	total, err3 = strconv.ParseInt(m[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, 0, 0, false
	}
	if end < start || total <= 0 {
		return 0, 0, 0, false
	}
	return start, end, total, true
}

// mtimeRE is finalize's mtime: Unix seconds with at most six decimals.
var mtimeRE = regexp.MustCompile(`^(\d{1,12})(?:\.(\d{1,6}))?$`)

// parseMtime returns the mtime in microseconds since the epoch.
func parseMtime(s string) (int64, bool) {
	m := mtimeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	sec, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, false
	}
	var frac int64
	if m[2] != "" {
		if frac, err = strconv.ParseInt(m[2]+strings.Repeat("0", 6-len(m[2])), 10, 64); err != nil {
			return 0, false
		}
	}
	return sec*1_000_000 + frac, true
}
