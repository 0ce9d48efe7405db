package selfcommunity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
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

// sendMessage posts the finished file to the configured recipients or
// group (POST /api/v2/pm/, JSON body). A 403 here means the recipients may
// not be messaged by this user (the docs require that they follow the
// sender), which is a target setting to fix, not a login problem: it is
// ErrPermanent, not ErrAuth. 401 stays ErrAuth.
func (p *Provider) sendMessage(ctx context.Context, u provider.Upload, fileUUID string) error {
	const op = "send message"
	msg := api.SendMessage{
		Recipients: p.cfg.Recipients, Group: p.cfg.Group,
		Message: p.messageText(u), FileUUID: fileUUID,
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("%s: encode: %w", op, err)
	}
	req, err := p.newRequest(ctx, http.MethodPost, api.MessagePath, "", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return transportError(ctx, op, err)
	}
	if resp.StatusCode/100 != 2 {
		perr, _ := responseError(op, resp, p.fields, false)
		if resp.StatusCode == http.StatusForbidden {
			perr.Kind = provider.ErrPermanent
		}
		return perr
	}
	var m api.Message
	if err := rest.DecodeJSON(op, resp, &m); err != nil {
		return err
	}
	if m.File != nil && m.File.UUID != "" && m.File.UUID != fileUUID {
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: op, Status: resp.StatusCode,
			Message: fmt.Sprintf("message carries file %q, not %q", m.File.UUID, fileUUID),
		}
	}
	return nil
}
