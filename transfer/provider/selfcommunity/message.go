package selfcommunity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
)

// maxThreadPages bounds the pages of threadPage messages Get a Thread
// is read for a message that may have been sent.
const (
	maxThreadPages = 10
	threadPage     = 100
)

// messaging reports whether finished files are sent as private messages.
func (p *Provider) messaging() bool { return len(p.cfg.Recipients) > 0 || p.cfg.Group != 0 }

// messageText fills the target's template. The API has no folders, so the
// relative path in the text is the only place the folder survives.
func (p *Provider) messageText(u provider.Upload) string {
	rel := u.RelPath
	if rel == "" {
		rel = u.Name
	}
	return strings.NewReplacer("{path}", rel, "{name}", u.Name).Replace(p.cfg.MessageTemplate)
}

// messages are the private messages a finished file is sent as, in order.
// The official client never sends a text and a file together: it sends
// file_uuid only when the text is empty (community-js
// PrivateMessageThread.tsx handleSend, "file && !message ? file : null"),
// so a text typed next to a file would be sent without the file. How the
// real server takes both at once is unknown; Ferry sends the two shapes
// the official client sends, which work whichever way it is: first the
// file (message "", file_uuid the thumbnail's, or the file's own when the
// server refused the thumbnail), then the text (file_uuid null) when the
// template gives one.
func (s *session) messages(st state) []api.SendMessage {
	file := st.Thumb
	if file == "" {
		file = st.UUID
	}
	base := api.SendMessage{Recipients: s.p.cfg.Recipients, Group: s.p.cfg.Group}
	fm := base
	fm.FileUUID = &file
	out := []api.SendMessage{fm}
	if text := s.p.messageText(s.u); text != "" {
		tm := base
		tm.Message = text
		out = append(out, tm)
	}
	return out
}

// sendMessages sends the messages not sent yet, each at most once. A
// message is recorded as possibly sent (State.Pending) before its request
// goes out; while it is, the message is first looked for in the thread
// (Get a Thread) and sent only if it is not there. So a lost answer (a cut
// connection after the request was written, a 5xx from a gateway) and a
// resumed session (whose previous process may have sent any of them
// before dying) never send one twice, and a 2xx answer of any shape (a
// list, an object, or one that cannot be read) counts as sent. Where the
// thread cannot be read (the endpoint refuses, or the message is not in
// the pages read) the message is sent: at least once is kept over at
// most once, since the message is how the file reaches its recipients.
// One file's messages go out together: no other upload of this provider
// sends between them.
func (s *session) sendMessages(ctx context.Context) error {
	s.p.msgMu.Lock()
	defer s.p.msgMu.Unlock()
	for {
		st := s.snapshot()
		msgs := s.messages(st)
		if st.Sent >= len(msgs) {
			return nil
		}
		if err := retryBriefly(ctx, func() error { return s.sendOne(ctx, msgs[st.Sent], st) }); err != nil {
			return err
		}
	}
}

// sendOne sends message number st.Sent, m, unless it is found to have
// been sent already (see sendMessages).
func (s *session) sendOne(ctx context.Context, m api.SendMessage, st state) error {
	st = s.snapshot() // Pending may have changed in an earlier attempt
	if st.Pending {
		found, id, err := s.findMessage(ctx, m, st)
		if err != nil {
			return err
		}
		if found {
			s.sent(st.Sent, id, s.resumed)
			return nil
		}
		// Not there: the messages after it cannot have gone out either
		// (each is sent only once the one before it was answered).
		s.resumed = false
	}
	s.mu.Lock()
	s.st.Pending = true
	s.mu.Unlock()
	id, reached, err := s.p.postMessage(ctx, m)
	if err != nil {
		if !reached {
			s.mu.Lock()
			s.st.Pending = false
			s.mu.Unlock()
		}
		return err
	}
	s.sent(st.Sent, id, false)
	return nil
}

// Brief retries keep one file's messages together in the thread: a
// temporary failure is retried here, holding the provider's message lock,
// rather than by the engine, which would let other uploads' messages in
// between. Persistent failures are still returned to the engine.
const (
	briefAttempts = 4
	briefBackoff  = 200 * time.Millisecond
	briefMaxWait  = 5 * time.Second
)

// retryBriefly runs f until it succeeds, fails for good, or briefAttempts
// attempts failed temporarily, waiting between them (doubling from
// briefBackoff, or the server's Retry-After, at most briefMaxWait).
func retryBriefly(ctx context.Context, f func() error) error {
	wait := briefBackoff
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil || !provider.IsRetryable(err) || attempt == briefAttempts || ctx.Err() != nil {
			return err
		}
		d := wait
		var pe *provider.Error
		if errors.As(err, &pe) && pe.RetryAfter > 0 {
			d = pe.RetryAfter
		}
		t := time.NewTimer(min(d, briefMaxWait))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
}

// sent records message i as sent with id (0 when unknown); nextMaybe
// marks the next message as one that may have reached the server too.
func (s *session) sent(i int, id int64, nextMaybe bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Sent, s.st.Pending = i+1, nextMaybe
	if i == 0 {
		s.st.MsgID = id
	}
}

// postMessage sends m (POST /api/v2/pm/, JSON, as the official client)
// and returns the first private message's id (0 when the answer does not
// tell). reached is false only when the request certainly did not create
// a message: it was never written whole, or the server refused it with a
// 4xx. A 403 means the recipients may not be messaged by this user (the
// docs require that they follow the sender): a target setting to fix,
// ErrPermanent, not ErrAuth; 401 stays ErrAuth.
func (p *Provider) postMessage(ctx context.Context, m api.SendMessage) (id int64, reached bool, err error) {
	const op = "send message"
	body, err := json.Marshal(m)
	if err != nil {
		return 0, false, fmt.Errorf("%s: encode: %w", op, err)
	}
	wrote := false
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) { wrote = wrote || i.Err == nil },
	})
	req, err := p.newRequest(ctx, http.MethodPost, api.MessagePath, "", bytes.NewReader(body))
	if err != nil {
		return 0, false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, wrote, transportError(ctx, op, err)
	}
	if resp.StatusCode/100 != 2 {
		perr, _ := responseError(op, resp, p.fields, false)
		if resp.StatusCode == http.StatusForbidden {
			perr.Kind = provider.ErrPermanent
		}
		return 0, resp.StatusCode >= 500, perr
	}
	raw, err := rest.ReadBody(resp)
	if err != nil {
		// The server created the message; only its description is lost.
		return 0, true, nil
	}
	return firstMessageID(raw), true, nil
}

// firstMessageID reads the id of the first message of a Send a Message
// answer: a JSON list (the documented shape) or, defensively, one object.
// An answer in neither shape gives 0: the 2xx already says it was sent.
// Only the ids are decoded: the rest of a message (its text, file and
// sender) is not needed, and a field of a type other than documented
// does not hide the id.
func firstMessageID(raw []byte) int64 {
	type idOnly struct {
		ID int64 `json:"id"`
	}
	var list []idOnly
	if err := json.Unmarshal(raw, &list); err == nil {
		if len(list) > 0 {
			return list[0].ID
		}
		return 0
	}
	var one idOnly
	if err := json.Unmarshal(raw, &one); err == nil {
		return one.ID
	}
	return 0
}

// findMessage looks for m in the thread with the first recipient or the
// group (Get a Thread, at most maxThreadPages pages of threadPage). The file
// message matches by its file (the thumbnail's or the file's uuid); the
// text message by its text, and only after the file message's id, so an
// older message with the same text does not count. A thread the server
// will not show (400, 403, 404, 405) or cannot describe counts as not
// found; a transport failure or 5xx is returned, to be retried.
func (s *session) findMessage(ctx context.Context, m api.SendMessage, st state) (bool, int64, error) {
	if m.FileUUID == nil && st.MsgID == 0 {
		return false, 0, nil // nothing bounds the search: send it
	}
	q := url.Values{}
	if s.p.cfg.Group != 0 {
		q.Set("group", strconv.FormatInt(s.p.cfg.Group, 10))
	} else {
		q.Set("user", strconv.FormatInt(s.p.cfg.Recipients[0], 10))
	}
	q.Set("limit", strconv.Itoa(threadPage))
	first := q.Encode()
	// The order of the thread is not documented: the message, a recent
	// one, is on the first page (newest first) or on the last (oldest
	// first). Those two are read first, then the pages between.
	page, found, id, err := s.threadPage(ctx, first, m, st)
	if err != nil || found || page == nil {
		return found, id, err
	}
	next := page.Next
	if page.Count > threadPage {
		q.Set("offset", strconv.Itoa(page.Count-threadPage))
		if _, found, id, err := s.threadPage(ctx, q.Encode(), m, st); err != nil || found {
			return found, id, err
		}
	}
	for range maxThreadPages - 2 {
		if next == nil {
			return false, 0, nil
		}
		u, err := url.Parse(*next)
		if err != nil || u.RawQuery == "" {
			return false, 0, nil
		}
		if page, found, id, err = s.threadPage(ctx, u.RawQuery, m, st); err != nil || found || page == nil {
			return found, id, err
		}
		next = page.Next
	}
	return false, 0, nil
}

// threadPage reads one page of Get a Thread (raw is its query) and looks
// for m in it. A page the server will not give or describe is nil, with
// no error (the message is then sent); a transport failure, 401, 429 or
// 5xx is an error.
func (s *session) threadPage(ctx context.Context, raw string, m api.SendMessage, st state) (*api.ThreadPage, bool, int64, error) {
	const op = "look up message"
	req, err := s.p.newRequest(ctx, http.MethodGet, api.MessagePath, raw, nil)
	if err != nil {
		return nil, false, 0, err
	}
	resp, err := s.p.client.Do(req)
	if err != nil {
		return nil, false, 0, transportError(ctx, op, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		perr, _ := responseError(op, resp, s.p.fields, false)
		return nil, false, 0, perr
	case resp.StatusCode/100 != 2:
		rest.Drain(resp)
		return nil, false, 0, nil
	}
	var page api.ThreadPage
	if err := rest.DecodeJSON(op, resp, &page); err != nil {
		return nil, false, 0, nil
	}
	for _, got := range page.Results {
		if matches(got, m, st) {
			return &page, true, got.ID, nil
		}
	}
	return &page, false, 0, nil
}

// matches reports whether got is the message m this session sends.
func matches(got api.Message, m api.SendMessage, st state) bool {
	if m.FileUUID != nil {
		if got.File == nil {
			return false
		}
		u := string(got.File.UUID)
		for _, id := range []string{st.Thumb, st.UUID} {
			if id != "" && (u == id || strings.Contains(got.File.URL, "/"+id+"/")) {
				return true
			}
		}
		return false
	}
	return got.Message == m.Message && got.ID > st.MsgID
}
