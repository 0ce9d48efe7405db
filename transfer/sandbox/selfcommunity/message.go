package selfcommunity

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// Message is one private message as recorded by the sandbox.
type Message struct {
	ID         int64     `json:"id"`
	Sender     int64     `json:"sender"`
	Recipients []int64   `json:"recipients,omitempty"`
	Group      int64     `json:"group,omitempty"`
	Text       string    `json:"message"`
	FileUUID   string    `json:"file_uuid,omitempty"`
	FileName   string    `json:"filename,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Messages returns the messages sent so far, oldest first.
func (a *API) Messages() []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Message, len(a.messages))
	for i, m := range a.messages {
		m.Recipients = slices.Clone(m.Recipients)
		out[i] = m
	}
	return out
}

// sendMessage is "Send a Message": recipients (user ids) or group, and
// message and/or file_uuid (a finished file of the sender). Recipients
// must be other known users; a group must exist and include the sender.
func (a *API) sendMessage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, r, http.MethodPost)
		return
	}
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
	a.mu.Lock()
	m.ID = int64(len(a.messages) + 1)
	a.messages = append(a.messages, m)
	a.mu.Unlock()
	body := map[string]any{
		"id": m.ID, "sender": map[string]any{"id": user.ID, "username": user.Username},
		"message": m.Text, "created_at": m.CreatedAt.Format(time.RFC3339Nano), "status": "new", "file": nil,
	}
	if file != nil {
		to := "group:" + strconv.FormatInt(m.Group, 10)
		if m.Group == 0 {
			ids := make([]string, len(m.Recipients))
			for i, id := range m.Recipients {
				ids[i] = strconv.FormatInt(id, 10)
			}
			to = "users:" + strings.Join(ids, ",")
		}
		// The tree shows which message carried the file (the last one).
		_, err := a.env.Store.Update(Name, file.nodeID, func(n *sandbox.Node) {
			n.Meta["sent_to"], n.Meta["message"], n.Meta["message_id"] = to, m.Text, strconv.FormatInt(m.ID, 10)
		})
		if err != nil {
			internalError(err).write(w)
			return
		}
		body["file"] = map[string]any{
			"uuid": file.uuid, "filename": file.name, "filesize": file.size,
			"mimetype": file.filetype, "url": file.fileURL, "thumbnail": nil,
		}
	}
	sandbox.WriteJSON(w, http.StatusCreated, body)
}

// checkMessage validates the fields and returns the message to record and
// the attached upload (nil without file_uuid).
func (a *API) checkMessage(user User, f *form) (Message, *upload, *apiError) {
	m := Message{Sender: user.ID, Text: f.values["message"], CreatedAt: a.env.Now()}
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
	m.FileUUID = fid
	return m, up, nil
}

// me is GET /api/v2/user/me/: the token's user.
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
// backend cannot redirect a POST there (switch selfcommunity.slash).
func (a *API) noSlash(w http.ResponseWriter, r *http.Request) {
	if !a.env.Switches.On(SwitchSlash) {
		a.upload(w, r)
		return
	}
	statusError(http.StatusNotFound, "not_found", "Not found: the upload path ends with a slash, /api/v2/pm/upload/").write(w)
}

// media serves a finished file at its file_url. Like the real service's
// media URLs it needs no token.
func (a *API) media(w http.ResponseWriter, r *http.Request) {
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
