package selfcommunity

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// Message is one Send a Message request as recorded by the sandbox. The
// server delivers it as one private message per recipient (or one to the
// group), with the consecutive ids ID, ID+1, ... in Recipients order.
type Message struct {
	ID         int64     `json:"id"`
	Sender     int64     `json:"sender"`
	Recipients []int64   `json:"recipients,omitempty"`
	Group      int64     `json:"group,omitempty"`
	Text       string    `json:"message"`
	FileUUID   string    `json:"file_uuid,omitempty"`
	FileName   string    `json:"filename,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	file       *upload   // the attached file, nil without one
}

// rows is how many private messages m delivered.
func (m Message) rows() int {
	if m.Group != 0 {
		return 1
	}
	return len(m.Recipients)
}

// Messages returns the messages sent so far, oldest first.
func (a *API) Messages() []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Message, len(a.messages))
	for i, m := range a.messages {
		m.Recipients = slices.Clone(m.Recipients)
		m.file = nil
		out[i] = m
	}
	return out
}

// pm serves /api/v2/pm/: POST is Send a Message, GET is Get a Thread.
func (a *API) pm(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		a.sendMessage(w, r)
	case http.MethodGet:
		a.thread(w, r)
	default:
		methodNotAllowed(w, r, "GET, POST")
	}
}

// sendMessage is "Send a Message": recipients (user ids) or group, and
// message and/or file_uuid (a finished file of the sender). Recipients
// must be other known users; a group must exist and include the sender.
// The answer is 201 with a JSON list of the private messages created, one
// per recipient (selfcommunity/developers-doc@a0a0656538e9
// docs/apireference/v2/privatemessage/send_a_message.md:93 "list([Private
// Message])"; the official client reads res.data.length and res.data[0],
// selfcommunity/community-js@0918bfbad504
// packages/react-ui/src/components/PrivateMessageThread/PrivateMessageThread.tsx:475-476). Rules sc.msg.answer, sc.msg.fields
// (send_a_message.md:22-27).
func (a *API) sendMessage(w http.ResponseWriter, r *http.Request) {
	user, aerr := a.auth(r)
	if aerr != nil {
		aerr.write(w)
		return
	}
	f, aerr := parseForm(w, r, a.opt.Dialect, 1<<20, a.env.Store, nil)
	if aerr != nil {
		aerr.write(w)
		return
	}
	defer f.release()
	m, file, aerr := a.checkMessage(user, f)
	if aerr != nil {
		aerr.write(w)
		return
	}
	m.file = file
	a.mu.Lock()
	m.ID = a.nextMsg + 1
	a.nextMsg += int64(m.rows())
	var prev *upload // the file of the sender's previous message in this thread, if it had no text
	for i := len(a.messages) - 1; i >= 0; i-- {
		if p := a.messages[i]; p.Sender == m.Sender && threadKey(p) == threadKey(m) {
			if p.file != nil && p.Text == "" {
				prev = p.file
			}
			break
		}
	}
	a.messages = append(a.messages, m)
	a.indexRows(m, len(a.messages)-1)
	a.mu.Unlock()
	if aerr := a.annotate(m, file, prev); aerr != nil {
		aerr.write(w)
		return
	}
	out := make([]wireMessage, 0, m.rows())
	for i := range m.rows() {
		out = append(out, a.wireOf(m, i))
	}
	sandbox.WriteJSON(w, http.StatusCreated, out)
}

// rowRef is row row of message msg of a.messages.
type rowRef struct{ msg, row int32 }

// indexRows files the rows of m, a.messages[at], under their thread ids
// (a.threads), so Get a Thread reads its thread's rows, not every
// message ever sent. Caller holds a.mu.
func (a *API) indexRows(m Message, at int) {
	if a.threads == nil {
		a.threads = map[int64][]rowRef{}
	}
	for i := range m.rows() {
		id := m.Group
		if id == 0 {
			id = threadOf(m.Sender, m.Recipients[i])
		}
		a.threads[id] = append(a.threads[id], rowRef{msg: int32(at), row: int32(i)})
	}
}

// threadKey names the thread a message went to, for the tree annotation.
func threadKey(m Message) string {
	if m.Group != 0 {
		return "group:" + strconv.FormatInt(m.Group, 10)
	}
	ids := make([]string, len(m.Recipients))
	for i, id := range m.Recipients {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return "users:" + strings.Join(ids, ",")
}

// annotate shows in the tree which message carried a file: its node's
// Meta "sent_to", "message_id" and "message" (the text). A message naming
// a thumbnail annotates the thumbnail and its parent file. The official
// client never sends a text with a file, so a text-only message that
// follows the sender's file message without text in the same thread is
// taken as that file's caption: its text becomes the file's "message".
// This is the sandbox's view for tests only, not a rule of the service.
func (a *API) annotate(m Message, file, prev *upload) *apiError {
	to := threadKey(m)
	nodes := func(up *upload) []string {
		up.mu.Lock()
		ids := []string{up.nodeID}
		parent := up.parent
		up.mu.Unlock()
		if parent != "" {
			a.mu.Lock()
			p := a.uploads[parent]
			a.mu.Unlock()
			if p != nil {
				p.mu.Lock()
				ids = append(ids, p.nodeID)
				p.mu.Unlock()
			}
		}
		return ids
	}
	update := func(id string, fn func(n *sandbox.Node)) *apiError {
		if _, err := a.env.Store.Update(Name, id, fn); err != nil {
			return internalError(err)
		}
		return nil
	}
	switch {
	case file != nil:
		for _, id := range nodes(file) {
			if aerr := update(id, func(n *sandbox.Node) {
				n.Meta["sent_to"], n.Meta["message_id"] = to, strconv.FormatInt(m.ID, 10)
				if m.Text != "" || n.Meta["message"] == "" {
					n.Meta["message"] = m.Text
				}
			}); aerr != nil {
				return aerr
			}
		}
	case prev != nil && m.Text != "":
		for _, id := range nodes(prev) {
			if aerr := update(id, func(n *sandbox.Node) { n.Meta["message"] = m.Text }); aerr != nil {
				return aerr
			}
		}
	}
	return nil
}

// wireMessage is the Private Message schema
// (selfcommunity/developers-doc@a0a0656538e9
// docs/apireference/v2/schemas/private_message.md:8-18), declared here
// and not shared with the client.
type wireMessage struct {
	ID        int64          `json:"id"`
	Sender    map[string]any `json:"sender"`
	Receiver  map[string]any `json:"receiver,omitempty"`
	Group     *int64         `json:"group,omitempty"`
	Message   string         `json:"message"`
	CreatedAt string         `json:"created_at"`
	Status    string         `json:"status"`
	File      *wireFile      `json:"file"`
	ThreadID  int64          `json:"thread_id"`
}

// wireFile is the File schema (developers-doc
// docs/apireference/v2/schemas/file.md).
type wireFile struct {
	UUID      string `json:"uuid"`
	Filename  string `json:"filename"`
	Filesize  int64  `json:"filesize"`
	MimeType  string `json:"mimetype"`
	URL       string `json:"url"`
	Thumbnail any    `json:"thumbnail"`
}

// wireOf is row i of message m (its i-th recipient, or the group).
func (a *API) wireOf(m Message, i int) wireMessage {
	sender := a.users[m.Sender]
	w := wireMessage{
		ID: m.ID + int64(i), Sender: map[string]any{"id": sender.ID, "username": sender.Username},
		Message: m.Text, CreatedAt: m.CreatedAt.Format(time.RFC3339Nano), Status: "new",
	}
	if m.Group != 0 {
		g := m.Group
		w.Group, w.ThreadID = &g, g
	} else {
		rcpt := a.users[m.Recipients[i]]
		w.Receiver = map[string]any{"id": rcpt.ID, "username": rcpt.Username}
		w.ThreadID = threadOf(m.Sender, rcpt.ID)
	}
	if up := m.file; up != nil {
		up.mu.Lock()
		w.File = &wireFile{UUID: up.uuid, Filename: up.name, Filesize: up.size, MimeType: up.filetype, URL: a.fileURL(up)}
		up.mu.Unlock()
	}
	return w
}

// threadOf numbers the one-to-one thread of two users (the same both
// ways); group threads are numbered by the group id.
func threadOf(x, y int64) int64 {
	return 1_000_000 + min(x, y)*1000 + max(x, y)
}

// thread is "Get a Thread", GET /api/v2/pm/?user=|group=|thread= with
// limit and offset (selfcommunity/developers-doc@a0a0656538e9
// docs/apireference/v2/privatemessage/get_a_thread.md:25-31; rule sc.thread): the
// caller's messages with that user or in that group, oldest first, in
// the paginated {count,next,previous,results} shape (ibid. :86-91). The
// order of the real answer is not documented.
func (a *API) thread(w http.ResponseWriter, r *http.Request) {
	user, aerr := a.auth(r)
	if aerr != nil {
		aerr.write(w)
		return
	}
	q := r.URL.Query()
	num := func(k string) (int64, bool, *apiError) {
		s := q.Get(k)
		if s == "" {
			return 0, false, nil
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return 0, false, fieldError(k, "invalid", "A valid integer is required.")
		}
		return v, true, nil
	}
	other, byUser, e1 := num("user")
	group, byGroup, e2 := num("group")
	th, byThread, e3 := num("thread")
	limit, hasLimit, e4 := num("limit")
	offset, _, e5 := num("offset")
	for _, e := range []*apiError{e1, e2, e3, e4, e5} {
		if e != nil {
			e.write(w)
			return
		}
	}
	if !byUser && !byGroup && !byThread {
		fieldError("thread", "required", "One of thread, user or group is required.").write(w)
		return
	}
	if !hasLimit || limit == 0 {
		limit = 20
	}
	if byGroup {
		g, ok := a.groups[group]
		if !ok || !slices.Contains(g.Members, user.ID) {
			statusError(http.StatusForbidden, "permission_denied", "You are not a member of this group.").write(w)
			return
		}
	}
	keys := map[int64]bool{}
	if byUser {
		keys[threadOf(user.ID, other)] = true
	}
	if byGroup {
		keys[group] = true
	}
	if byThread {
		keys[th] = true
	}
	a.mu.Lock()
	msgs := a.messages // append-only, its elements never change: read after unlock
	var cands []rowRef
	for k := range keys {
		cands = append(cands, a.threads[k]...)
	}
	a.mu.Unlock()
	// Every row a query can select lies in the bucket of its thread id (a
	// pair of users' rows in threadOf of the pair, a group's in the group
	// id), so the candidates are the buckets of the ids it names, oldest
	// first; the selection itself is the same test as over all messages.
	if len(keys) > 1 { // one bucket is in order already
		slices.SortFunc(cands, func(x, y rowRef) int { return cmp.Or(cmp.Compare(x.msg, y.msg), cmp.Compare(x.row, y.row)) })
		cands = slices.Compact(cands)
	}
	var sel []rowRef
	for _, c := range cands {
		m, i := msgs[c.msg], int(c.row)
		var mine bool
		switch {
		case m.Group != 0:
			mine = slices.Contains(a.groups[m.Group].Members, user.ID) &&
				(byGroup && m.Group == group || byThread && m.Group == th)
		default:
			rcpt := m.Recipients[i]
			involved := m.Sender == user.ID || rcpt == user.ID
			mine = involved && (byUser && (m.Sender == other && rcpt == user.ID || m.Sender == user.ID && rcpt == other) ||
				byThread && threadOf(m.Sender, rcpt) == th)
		}
		if mine {
			sel = append(sel, c)
		}
	}
	count := int64(len(sel))
	from, to := min(offset, count), min(offset+limit, count)
	// Only the page's rows are built (wireOf takes the files' locks: without
	// a.mu, order up.mu, a.mu).
	rows := make([]wireMessage, 0, to-from)
	for _, c := range sel[from:to] {
		rows = append(rows, a.wireOf(msgs[c.msg], int(c.row)))
	}
	page := map[string]any{"count": count, "next": nil, "previous": nil, "results": rows}
	link := func(off int64) string {
		v := r.URL.Query()
		v.Set("limit", strconv.FormatInt(limit, 10))
		v.Set("offset", strconv.FormatInt(off, 10))
		return a.env.BaseURL() + "/api/v2/pm/?" + v.Encode()
	}
	if to < count {
		page["next"] = link(to)
	}
	if from > 0 {
		page["previous"] = link(max(0, from-limit))
	}
	sandbox.WriteJSON(w, http.StatusOK, page)
}

// checkMessage validates the fields and returns the message to record and
// the attached upload (nil without file_uuid).
func (a *API) checkMessage(user User, f *form) (Message, *upload, *apiError) {
	m := Message{Sender: user.ID, Text: f.values["message"], CreatedAt: a.env.Now()}
	// Rule sc.msg.fields (send_a_message.md:22-27), sc.msg.recipients
	// (:12; following is not modelled), sc.msg.group (inferred).
	rec, hasGroup := f.lists["recipients"], f.values["group"] != ""
	switch {
	case len(rec) == 0 && !hasGroup:
		return m, nil, fieldError("recipients", "required", "This field is required.")
	case len(rec) > 0 && hasGroup:
		return m, nil, fieldError("group", "invalid", "Give recipients or a group, not both.")
	}
	for _, s := range rec {
		for part := range strings.SplitSeq(s, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil || a.users[id].ID == 0 || id == user.ID {
				return m, nil, fieldError("recipients", "invalid", fmt.Sprintf("%q is not a user you can message", part))
			}
			m.Recipients = append(m.Recipients, id)
		}
	}
	if hasGroup {
		id, err := strconv.ParseInt(strings.TrimSpace(f.values["group"]), 10, 64)
		g, known := a.groups[id]
		if err != nil || !known {
			return m, nil, fieldError("group", "invalid", "Unknown group.")
		}
		if !slices.Contains(g.Members, user.ID) {
			return m, nil, statusError(http.StatusForbidden, "permission_denied", "You are not a member of this group.")
		}
		m.Group = id
	}
	fid := f.values["file_uuid"]
	if m.Text == "" && fid == "" {
		return m, nil, fieldError("message", "required", "This field is required when file_uuid is missing.")
	}
	if fid == "" {
		return m, nil, nil
	}
	// Rule sc.msg.file (inferred): a finished file of the sender.
	up := a.lookup(fid, user)
	if up != nil {
		up.mu.Lock()
		ok := up.final && (up.done || up.kind != chunked)
		name := up.name
		up.mu.Unlock()
		if !ok {
			up = nil
		}
		m.FileName = name
	}
	if up == nil {
		return m, nil, fieldError("file_uuid", "invalid", "file_uuid must be a finished file of yours")
	}
	if a.env.Switches.On(SwitchPMFile) {
		// Stricter than known: the official client sends file_uuid only
		// with an empty text, and only a thumbnail's uuid
		// (selfcommunity/community-js@0918bfbad504
		// packages/react-ui/src/components/PrivateMessageThread/PrivateMessageThread.tsx:471,
		// packages/react-ui/src/shared/MessageChunkUploader/index.ts:120-126).
		// Rule: strict selfcommunity.pmfile.
		up.mu.Lock()
		isThumb := up.kind == thumb
		up.mu.Unlock()
		switch {
		case m.Text != "":
			return m, nil, fieldError("file_uuid", "invalid", "file_uuid is sent with an empty message (selfcommunity.pmfile)")
		case !isThumb:
			return m, nil, fieldError("file_uuid", "invalid", "file_uuid must be the thumbnail upload's file_uuid (selfcommunity.pmfile)")
		}
	}
	m.FileUUID = up.uuid // fid's value, kept as the upload's own string (not the request's)
	return m, up, nil
}

// me is GET /api/v2/user/me/: the token's user (rule sc.me,
// selfcommunity/community-js@0918bfbad504
// packages/api-services/src/constants/Endpoints.ts:401-403).
func (a *API) me(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r, http.MethodGet)
		return
	}
	user, aerr := a.auth(r)
	if aerr != nil {
		aerr.write(w)
		return
	}
	sandbox.WriteJSON(w, http.StatusOK, map[string]any{"id": user.ID, "username": user.Username})
}

// noSlash answers the upload path without its trailing slash: a DRF
// backend cannot redirect a POST there (switch selfcommunity.slash,
// stricter than known; both clients use the slash,
// selfcommunity/community-js@0918bfbad504
// packages/api-services/src/constants/Endpoints.ts:891).
func (a *API) noSlash(w http.ResponseWriter, r *http.Request) {
	if !a.env.Switches.On(SwitchSlash) {
		a.upload(w, r)
		return
	}
	statusError(http.StatusNotFound, "not_found", "Not found: the upload path ends with a slash, /api/v2/pm/upload/").write(w)
}

// media serves a finished file at its file_url. Like the real service's
// media URLs it needs no token (rule sc.media, inferred).
func (a *API) media(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, r, "GET")
		return
	}
	a.mu.Lock()
	up := a.uploads[r.PathValue("uuid")]
	a.mu.Unlock()
	var nodeID, name string
	if up != nil {
		up.mu.Lock()
		if up.final {
			nodeID, name = up.nodeID, up.name
		}
		up.mu.Unlock()
	}
	if nodeID == "" || name != r.PathValue("name") {
		statusError(http.StatusNotFound, "not_found", "Not found.").write(w)
		return
	}
	f, err := a.env.Store.Open(Name, nodeID)
	if err != nil {
		statusError(http.StatusNotFound, "not_found", "Not found.").write(w)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		internalError(err).write(w)
		return
	}
	http.ServeContent(w, r, name, st.ModTime(), f)
}
