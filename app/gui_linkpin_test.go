package app

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/ui"
)

// The target form has a "links ask for a PIN" switch and a password entry
// for the PIN; the PIN is required with the switch, goes to the secrets
// store, and the config file gets only link_pin = true.
func TestGUITargetLinkPin(t *testing.T) {
	g := newGUIEnv(t, newEnv(t))
	var setting, secret *ui.Field
	for _, k := range g.b.TargetKinds() {
		if k.Kind != config.KindQuatrix {
			continue
		}
		for i, f := range k.Fields {
			switch f.Key {
			case "link_pin":
				setting = &k.Fields[i]
			case SecretLinkPin:
				secret = &k.Fields[i]
			}
		}
	}
	if setting == nil || setting.Secret || len(setting.Options) == 0 || secret == nil || !secret.Secret || secret.Required {
		t.Fatalf("quatrix form: link_pin setting %+v, PIN entry %+v", setting, secret)
	}

	q := ui.Target{Name: "work", Kind: config.KindQuatrix, Settings: map[string]string{
		"base_url": "https://q.example", "link_pin": "yes",
	}}
	var p *ui.Problem
	if err := g.b.SaveTarget(q, map[string]string{SecretAPIKey: "k-1", SecretLinkPin: "4711"}); !errors.As(err, &p) || p.Field != "link_pin" {
		t.Errorf("a PIN without public links: %v", err)
	}
	q.Settings["public_links"] = "yes"
	if err := g.b.SaveTarget(q, map[string]string{SecretAPIKey: "k-1"}); !errors.As(err, &p) || p.Field != SecretLinkPin || !strings.Contains(p.Reason, "PIN") {
		t.Errorf("public links with a PIN but no PIN: %v", err)
	}
	if err := g.b.SaveTarget(q, map[string]string{SecretAPIKey: "k-1", SecretLinkPin: "4711"}); err != nil {
		t.Fatal(err)
	}
	if v, err := g.b.rt.store.Get("work", SecretLinkPin); err != nil || v != "4711" {
		t.Errorf("stored PIN: %v (matches: %v)", err, v == "4711")
	}
	raw, err := os.ReadFile(g.e.configPath())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "link_pin = true") || strings.Contains(string(raw), "4711") {
		t.Errorf("config file: want link_pin = true and no PIN:\n%s", raw)
	}
	if ts := g.b.Targets(); len(ts) != 1 || !ts[0].HasSecret || ts[0].Settings["link_pin"] != "yes" {
		t.Errorf("Targets = %+v", ts)
	}
}
