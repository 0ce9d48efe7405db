package selfcommunity

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
)

// transportError wraps a failure to get any response. A cancelled or
// expired ctx is returned as such (not as retryable), so the engine sees
// its own cancellation.
func transportError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, ctx.Err())
	}
	return rest.TransportError(op, err)
}

// serverError is a decoded error answer.
type serverError struct {
	code, message string
	fields        []string    // offending parameters named by the server
	items         []errorItem // every error, in order
}

// errorItem is one error of an answer: the parameter it names ("" for
// none) and its code.
type errorItem struct{ field, code string }

// parseErrorBody reads the {"errors":[{code,message,field}]} shape; a body
// in another shape (a proxy's HTML page) yields no fields and a clipped
// text message, never an error: the status alone still classifies it.
func parseErrorBody(body []byte) serverError {
	var eb api.ErrorBody
	if err := json.Unmarshal(body, &eb); err != nil || len(eb.Errors) == 0 {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 200 || strings.HasPrefix(msg, "<") {
			msg = ""
		}
		return serverError{message: msg}
	}
	var se serverError
	msgs := make([]string, 0, len(eb.Errors))
	for _, e := range eb.Errors {
		if se.code == "" {
			se.code = e.Code
		}
		m := e.Message
		if m == "" && len(e.Messages) > 0 {
			m = strings.Join(e.Messages, "; ")
		}
		se.items = append(se.items, errorItem{field: e.Field, code: e.Code})
		if e.Field != "" {
			se.fields = append(se.fields, e.Field)
			m = e.Field + ": " + m
		}
		msgs = append(msgs, m)
	}
	se.message = strings.Join(msgs, "; ")
	return se
}

func (se serverError) has(names ...string) bool {
	for _, f := range se.fields {
		for _, n := range names {
			if f == n {
				return true
			}
		}
	}
	return false
}

// responseError turns a non-success answer into a *provider.Error, reading
// and closing the body. The kinds differ from provider.StatusKind where
// this API differs: the upload URL never names a session, so 404 means a
// wrong base URL (permanent), not a forgotten session; a 400 naming the
// uuid field means the server does not know the file uuid (session gone);
// a 400 naming the file field with a size complaint, or 413, is too large.
// sessionOp says the request carried a uuid (later parts, done).
func responseError(op string, resp *http.Response, f api.Fields, sessionOp bool) (*provider.Error, serverError) {
	body, _ := rest.ReadBody(resp) // a broken error body still leaves the status to classify
	se := parseErrorBody(body)
	var kind error
	switch {
	case resp.StatusCode == http.StatusNotFound:
		kind = provider.ErrPermanent
	case resp.StatusCode == http.StatusBadRequest && sessionOp && se.has(f.UUID):
		kind = provider.ErrSessionGone
	case resp.StatusCode == http.StatusBadRequest && se.has(f.File) && tooLargeCode(se.code):
		kind = provider.ErrTooLarge
	}
	return rest.StatusError(op, resp, kind, se.code, se.message), se
}

func tooLargeCode(code string) bool {
	c := strings.ToLower(code)
	return strings.Contains(c, "too_large") || strings.Contains(c, "max_size") || strings.Contains(c, "too_big")
}
