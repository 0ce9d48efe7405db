package quatrix

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// linkOptions are the target's public-link settings.
type linkOptions struct {
	on     bool
	expiry time.Duration
	// pin, when not "", is the PIN every public link asks for. It is a
	// secret: it goes out only in the share/create body, never in a log
	// line, an error or the link itself.
	pin string
}

// encodePin is the pin field of ShareCreateReq: "type: string, format:
// base64" (maytech/api-client-go@3d3df036 api/swagger.yaml:6247-6249), the
// standard padded encoding of the PIN's UTF-8 bytes, which every base64
// decoder reads (the C# SDK's PIN login also sends its PIN base64,
// shared/protocols/quatrix.md:56).
func encodePin(pin string) string {
	return base64.StdEncoding.EncodeToString([]byte(pin))
}

// shareCreate is ShareCreateReq (maytech/api-client-go@3d3df036
// api/swagger.yaml:6198-6274): folder_id, files and contacts are required;
// a public share (P) has no contacts and sends no e-mail.
type shareCreate struct {
	FolderID  string      `json:"folder_id"`
	Files     []string    `json:"files"`
	Contacts  []string    `json:"contacts"`
	ShareType string      `json:"share_type"`
	SendEmail bool        `json:"send_email"`
	Notify    bool        `json:"notify"`
	Expires   json.Number `json:"expires,omitempty"`
	// Pin is the base64 PIN (swagger.yaml:6247-6249); omitted without one.
	Pin string `json:"pin,omitempty"`
}

type idResp struct {
	ID string `json:"id"`
}

// publicLink makes a public link to file id in folder parent when the
// target asks for one, and returns "" otherwise or when the server refuses
// (the file is stored either way; the refusal is logged). The link is
// POST /share/create (share_type P, swagger.yaml:2343-2372), then GET
// /share/download-link/{share} (:2857-2911) for the download link id, and
// the address is GET /api/1.0/share/download/{link}, which needs no
// authentication (:2912-2931, security: []). With a PIN the share is
// created with pin (base64, :6247-6249) and the server lets a download
// through only after POST /share/login-pin {id, pin} (:2373-2392); the
// address returned is the same and never carries the PIN. A share the
// server refuses with the PIN is not made again without it: the file
// then has no link rather than an unprotected one.
func (p *Provider) publicLink(ctx context.Context, parent, id string) string {
	if !p.links.on || parent == "" || id == "" {
		return ""
	}
	req := shareCreate{FolderID: parent, Files: []string{id}, Contacts: []string{}, ShareType: "P"}
	if p.links.expiry > 0 {
		req.Expires = json.Number(strconv.FormatInt(time.Now().Add(p.links.expiry).Unix(), 10))
	}
	if p.links.pin != "" {
		req.Pin = encodePin(p.links.pin)
	}
	var share idResp
	if err := p.call(ctx, request{
		op: "quatrix share", method: http.MethodPost, path: apiRoot + "/share/create", json: req,
		ok: []int{http.StatusCreated, http.StatusOK},
	}, &share); err != nil || share.ID == "" {
		p.log.Warn("quatrix: could not create a public link; the file is uploaded", "err", err)
		return ""
	}
	var link idResp
	if err := p.call(ctx, request{
		op: "quatrix share link", method: http.MethodGet, path: apiRoot + "/share/download-link/" + url.PathEscape(share.ID),
	}, &link); err != nil || link.ID == "" {
		p.log.Warn("quatrix: could not read the public link; the file is uploaded", "err", err)
		return ""
	}
	return p.base + apiRoot + "/share/download/" + url.PathEscape(link.ID)
}

// checkLinkPin refuses a link PIN the provider cannot use, without quoting
// it: one without public links (it would protect nothing), one of only
// white space, or one with a control character (a pasted line break).
func checkLinkPin(cfg Config) error {
	pin := cfg.LinkPin
	switch {
	case pin == "":
		return nil
	case !cfg.PublicLinks:
		return errors.New("quatrix config: a link PIN needs public links; turn public links on or remove the PIN")
	case strings.TrimSpace(pin) == "":
		return errors.New("quatrix config: the link PIN is only white space; store a PIN with visible characters")
	case !utf8.ValidString(pin):
		return errors.New("quatrix config: the link PIN is not valid UTF-8 text; store it again")
	case strings.IndexFunc(pin, unicode.IsControl) >= 0:
		return errors.New("quatrix config: the link PIN contains a control character (a line break?); store it again without one")
	}
	return nil
}
