// Package selfcommunity is the sandbox's SelfCommunity private-message API
// (v2): chunked media uploads to POST /api/v2/pm/upload/ with the "?done"
// call, plain uploads ("Upload a Media"), thumbnails, Send a Message (201,
// a list of messages), Get a Thread, and the current user.
//
// Its default mode models the real server rule by rule as the vendor
// documents and the official web client (community-js) show it; every
// rule, its source and its strict form are listed in
// docs/protocols/selfcommunity.md, and each rule's id is cited next to its
// code. In short: exact paths with the trailing slash, Bearer tokens, one
// field dialect per run (current plain names or the older qq* names),
// 0-based parts echoing the file uuid (a uuid on part 0, as Fine Uploader
// sends, starts an upload under it), done with uuid and filename checking
// the optional totalparts, totalfilesize and md5 against the assembled
// bytes, a plain upload finished by done under done's name (the official
// client's one-part files), thumbnails naming a finished parent. Error
// answers use the service's {"errors":[{code,message,field}]} shape; a
// request naming an upload already finalized (a part after done) gets code
// "already_done" on the uuid field, an unknown uuid "invalid".
//
// Checks stricter than (or not known of) the real service are switches,
// on when the sandbox runs strict. None of them refuses a request the
// official client or Fine Uploader sends (parentuuid and duration have no
// qq form: Fine Uploader never had them):
//
//	selfcommunity.series  only the last part received may be sent again
//	                      (a lost answer's retry); off (default): any
//	                      identical re-send of a received part is
//	                      acknowledged again (a server storing parts by
//	                      index would do so)
//	selfcommunity.slash   /api/v2/pm/upload without the slash is refused;
//	                      off: it is served like the slash form
//	selfcommunity.redone  a second done for a uuid is refused; off: it
//	                      returns the first answer again
//	selfcommunity.ranges  partbyteoffset, chunksize, totalfilesize and
//	                      Content-Range must match the bytes received
//	selfcommunity.pmfile  a message's file_uuid only with an empty text and
//	                      only a thumbnail's uuid, as the official client
//	                      sends it; off: any finished file, with or
//	                      without text
//	selfcommunity.thumbimage  a thumbnail must be a PNG, JPEG or GIF image
//	                      (the official client's are); off: any file
//
// One switch emulates inferred behaviour rather than a stricter check and
// is on unless turned off explicitly:
//
//	selfcommunity.uniquenames  a file name already stored gets Django's
//	                      "_<7 random characters>" suffix before its
//	                      extension (see reserveName)
//
// Store layout: the API has no folders, so a finished file is stored flat
// as /<file_uuid>/<stored name> in the "selfcommunity" namespace (thumbnails
// likewise under their own uuid, Meta parent_uuid naming the main file).
// Node.Meta records the owner, the MD5 and, once a message carried the
// file, its recipients and text. file_url is <base>/media/pm/<uuid>/<name>,
// served by GET without a token. Messages are also kept in order
// (API.Messages). Unfinished uploads are not in the tree: they have no
// name before done; their parts stay in a temporary blob until done, the
// expire fault, or the server's end.
//
// A chunk's file part is received straight onto its upload's blob when
// the fields before it (as clients send them) name the upload, and undone
// if the request is refused once the whole body is read (see stream); any
// other file part is staged in a blob of its own. No byte is hashed while
// it arrives: the whole-file MD5 is computed when a rule needs it (done or
// a single upload sending md5), from the accepted bytes in one pass, and
// otherwise by the store when first needed (Meta md5 in a Snapshot).
package selfcommunity

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// Name is the API's store namespace and switch prefix.
const Name = "selfcommunity"

// Switch names (see the package comment).
const (
	SwitchSeries     = Name + ".series"
	SwitchSlash      = Name + ".slash"
	SwitchRedone     = Name + ".redone"
	SwitchRanges     = Name + ".ranges"
	SwitchUnique     = Name + ".uniquenames"
	SwitchPMFile     = Name + ".pmfile"
	SwitchThumbImage = Name + ".thumbimage"
)

// Dialect selects the accepted form field names for a run.
type Dialect string

const (
	Plain Dialect = "plain" // file, uuid, partindex, ... (current)
	QQ    Dialect = "qq"    // qqfile, qquuid, qqpartindex, ... (until 2023-03)
)

// User is an account; Token is its Bearer access token.
type User struct {
	ID       int64
	Username string
	Token    string
}

// Group is a group messages can be sent to; Members are user ids.
type Group struct {
	ID      int64
	Name    string
	Members []int64
}

// Options configure the API. The zero value serves the plain dialect to
// the default accounts.
type Options struct {
	// Dialect is the one field naming accepted in this run (default Plain).
	Dialect Dialect
	// Users default to alice (11), bob (12) and carol (13) with random
	// tokens; a user without a Token gets a random one.
	Users []User
	// Groups default to "team" (21) with all default users.
	Groups []Group
	// MaxFileSize refuses larger files with 413 (0: no limit).
	MaxFileSize int64
	// MaxRequest bounds one request body (default 64 MiB); more is 413.
	MaxRequest int64
	// DoneSlash also accepts "?done/", the vendor doc's literal spelling.
	DoneSlash bool
}

// API implements sandbox.API for SelfCommunity.
type API struct {
	opt     Options
	byToken map[string]User
	users   map[int64]User
	groups  map[int64]Group
	env     *sandbox.Env

	mu       sync.Mutex // guards the fields below
	uploads  map[string]*upload
	names    map[string]bool // names of stored files (see reserveName)
	messages []Message
	threads  map[int64][]rowRef // rows of messages by thread id (indexRows)
	nextMsg  int64              // last private message id used

	md5Senders sync.Map // user id -> bool: that user's last done sent an md5 (followsMD5)
}

var _ sandbox.API = (*API)(nil)

// New validates o and returns the API.
func New(o Options) (*API, error) {
	switch o.Dialect {
	case "":
		o.Dialect = Plain
	case Plain, QQ:
	default:
		return nil, fmt.Errorf("selfcommunity sandbox: dialect %q is not plain or qq", o.Dialect)
	}
	if o.MaxRequest == 0 {
		o.MaxRequest = 64 << 20
	}
	if o.MaxRequest < 0 || o.MaxFileSize < 0 {
		return nil, fmt.Errorf("selfcommunity sandbox: negative size limit")
	}
	if o.Users == nil {
		o.Users = []User{{ID: 11, Username: "alice"}, {ID: 12, Username: "bob"}, {ID: 13, Username: "carol"}}
		if o.Groups == nil {
			o.Groups = []Group{{ID: 21, Name: "team", Members: []int64{11, 12, 13}}}
		}
	}
	a := &API{
		opt: o, byToken: map[string]User{}, users: map[int64]User{}, groups: map[int64]Group{},
		uploads: map[string]*upload{}, names: map[string]bool{},
	}
	for _, u := range o.Users {
		if u.ID <= 0 || u.Username == "" || a.users[u.ID].ID != 0 {
			return nil, fmt.Errorf("selfcommunity sandbox: user %d %q needs a unique positive id and a name", u.ID, u.Username)
		}
		if u.Token == "" {
			u.Token = randomToken()
		}
		if _, dup := a.byToken[u.Token]; dup {
			return nil, fmt.Errorf("selfcommunity sandbox: token of user %q is used twice", u.Username)
		}
		a.byToken[u.Token], a.users[u.ID] = u, u
	}
	for _, g := range o.Groups {
		if g.ID <= 0 || a.groups[g.ID].ID != 0 {
			return nil, fmt.Errorf("selfcommunity sandbox: group %d needs a unique positive id", g.ID)
		}
		for _, m := range g.Members {
			if a.users[m].ID == 0 {
				return nil, fmt.Errorf("selfcommunity sandbox: group %d has unknown member %d", g.ID, m)
			}
		}
		a.groups[g.ID] = g
	}
	return a, nil
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics instead)
	return hex.EncodeToString(b)
}

// Name returns "selfcommunity".
func (a *API) Name() string { return Name }

// Mount registers the routes. The upload path is registered without a
// method so a GET gets the service's 405 body rather than the mux's.
func (a *API) Mount(mux *http.ServeMux, env *sandbox.Env) {
	a.env = env
	mux.Handle("/api/v2/pm/upload/{$}", cors(http.HandlerFunc(a.upload)))
	mux.Handle("/api/v2/pm/upload", cors(http.HandlerFunc(a.noSlash)))
	mux.Handle("/api/v2/pm/{$}", cors(http.HandlerFunc(a.pm)))
	mux.Handle("/api/v2/user/me/{$}", cors(http.HandlerFunc(a.me)))
	mux.Handle("/media/pm/{uuid}/{name}", cors(http.HandlerFunc(a.media)))
}

// Credentials lists each user's token (the note names its id), each user
// id as a message recipient, each group id, and the run's dialect.
func (a *API) Credentials() []sandbox.Credential {
	var out []sandbox.Credential
	users := slices.SortedFunc(maps.Values(a.users), func(x, y User) int { return int(x.ID - y.ID) })
	for _, u := range users {
		out = append(out, sandbox.Credential{
			Kind: "token", Name: u.Username, Value: u.Token,
			Note: fmt.Sprintf("Bearer access token of user %d", u.ID),
		})
	}
	for _, u := range users {
		out = append(out, sandbox.Credential{Kind: "recipient", Name: u.Username, Value: strconv.FormatInt(u.ID, 10)})
	}
	groups := slices.SortedFunc(maps.Values(a.groups), func(x, y Group) int { return int(x.ID - y.ID) })
	for _, g := range groups {
		members := make([]string, len(g.Members))
		for i, m := range g.Members {
			members[i] = strconv.FormatInt(m, 10)
		}
		out = append(out, sandbox.Credential{
			Kind: "group", Name: g.Name, Value: strconv.FormatInt(g.ID, 10),
			Note: "members " + strings.Join(members, ","),
		})
	}
	return append(out, sandbox.Credential{
		Kind: "dialect", Name: "fields", Value: string(a.opt.Dialect),
		Note: "form field names this run accepts",
	})
}

// Token returns the token of the user called name ("" if none), for tests.
func (a *API) Token(name string) string {
	for _, u := range a.users {
		if u.Username == name {
			return u.Token
		}
	}
	return ""
}

// followsMD5 reports whether a chunked upload of user should hash its
// parts behind the requests (md5Follower): the user's last done sent an
// md5, so the next one most likely will. It decides only when the MD5 is
// computed, never what is answered or stored.
func (a *API) followsMD5(user User) bool {
	v, ok := a.md5Senders.Load(user.ID)
	return ok && v.(bool)
}

// newChunked is a new chunked upload record of user over blob b.
func (a *API) newChunked(uuid string, user User, total int, b *sandbox.Blob) *upload {
	up := &upload{uuid: uuid, owner: user.ID, kind: chunked, total: total, declSize: -1, blob: b}
	if a.followsMD5(user) {
		up.md5 = newMD5Follower(b)
	}
	return up
}
