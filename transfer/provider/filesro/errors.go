package filesro

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/filesro/api"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

// Messages the service uses to tell its 403s apart (2.7).
const (
	msgProtected = "Sorry, you don't have permission"
	msgVisitor   = "Access Denied"
)

// statusError maps a failed answer (body already read) to a provider
// error, following the service's error model (2.7):
//
//	401 {"type":"error"}  quota of the share owner      ErrQuota
//	401 otherwise         authentication                ErrAuth
//	403 protected/visitor share                         ErrAuth (the link or password must change)
//	403 without message   parent_id outside the share   ErrPermanent
//	404 unknown token     share link wrong or removed   ErrAuth
//	409                   the key was busy (sandbox)    ErrSessionGone
//	413                   upload limit or proxy cap     ErrTooLarge
//	422 chunk "failed to upload"  over upload_max_filesize  ErrTooLarge
//	422                   validation                    ErrPermanent
//	429, 5xx                                            ErrRetryable (+Retry-After)
//	3xx                   Laravel's redirect for a failed validation   ErrPermanent
func statusError(op string, resp *http.Response, body []byte) *provider.Error {
	var eb api.ErrorBody
	_ = json.Unmarshal(body, &eb) // a non-JSON body leaves the message empty
	msg := eb.Message
	var kind error
	switch s := resp.StatusCode; {
	case s == http.StatusUnauthorized && eb.Type == "error":
		kind = provider.ErrQuota
	case s == http.StatusUnauthorized:
		kind = provider.ErrAuth
	case s == http.StatusForbidden && eb.Message == msgProtected:
		kind, msg = provider.ErrAuth, "the share is password-protected and the share session was refused: "+msg
	case s == http.StatusForbidden && eb.Message == msgVisitor:
		kind, msg = provider.ErrAuth, "the share link only allows viewing (visitor permission); use an editor link: "+msg
	case s == http.StatusForbidden:
		kind, msg = provider.ErrPermanent, "the target folder (parent_id) is not inside the share"
	case s == http.StatusNotFound:
		kind, msg = provider.ErrAuth, "the share link is unknown: the token is wrong or the share was removed"
	case s == http.StatusConflict:
		kind = provider.ErrSessionGone
	case s >= 300 && s < 400:
		kind, msg = provider.ErrPermanent, "the server redirected instead of answering (a refused request)"
	case s == http.StatusUnprocessableEntity && uploadFailed(eb):
		// PHP dropped a part over its upload_max_filesize and Laravel
		// reports it as not uploaded: the chunk is too large for this
		// server, not the file wrong.
		kind = provider.ErrTooLarge
		msg = "the server refused the chunk as larger than its upload limit (PHP upload_max_filesize): " + eb.Errors[api.FieldChunk][0]
	case s == http.StatusUnprocessableEntity:
		kind = provider.ErrPermanent
		for field, msgs := range eb.Errors {
			if len(msgs) > 0 && msg == "" {
				msg = field + ": " + msgs[0]
			}
		}
	}
	return rest.StatusError(op, resp, kind, "", msg)
}

// uploadFailed reports Laravel's "uploaded" failure on the chunk field
// ("The chunk failed to upload."), what a part over PHP's
// upload_max_filesize gets (the validator checks the upload before any
// rule of the field).
func uploadFailed(eb api.ErrorBody) bool {
	msgs := eb.Errors[api.FieldChunk]
	return len(msgs) > 0 && strings.HasSuffix(msgs[0], "failed to upload.")
}
