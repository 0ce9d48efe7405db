package quatrix

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// linkOptions are the target's public-link settings.
type linkOptions struct {
	on     bool
	expiry time.Duration
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
// authentication (:2912-2931, security: []). A PIN is not offered: the
// address a person would enter it at is not in the API's documents, and
// the download route would not ask for it.
func (p *Provider) publicLink(ctx context.Context, parent, id string) string {
	if !p.links.on || parent == "" || id == "" {
		return ""
	}
	req := shareCreate{FolderID: parent, Files: []string{id}, Contacts: []string{}, ShareType: "P"}
	if p.links.expiry > 0 {
		req.Expires = json.Number(strconv.FormatInt(time.Now().Add(p.links.expiry).Unix(), 10))
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
