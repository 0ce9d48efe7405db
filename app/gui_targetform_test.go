package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/ferry-sync/ferry/app/secrets"
	"github.com/ferry-sync/ferry/ui"
)

// dialogScene finds widgets in a window's top overlay (the open dialog) or,
// without one, in its content.
type dialogScene struct {
	t *testing.T
	w fyne.Window
}

func (s dialogScene) objects() []fyne.CanvasObject {
	root := s.w.Canvas().Content()
	if top := s.w.Canvas().Overlays().Top(); top != nil {
		root = top
	}
	return test.LaidOutObjects(root)
}

func (s dialogScene) button(text string) *widget.Button {
	s.t.Helper()
	for _, o := range s.objects() {
		if b, ok := o.(*widget.Button); ok && b.Text == text && b.Visible() {
			return b
		}
	}
	return nil
}

func (s dialogScene) mustButton(text string) *widget.Button {
	s.t.Helper()
	b := s.button(text)
	if b == nil {
		s.t.Fatalf("no visible button %q", text)
	}
	return b
}

// entry returns the n-th visible entry (password entries included) whose
// placeholder starts with prefix ("" for any).
func (s dialogScene) entry(prefix string, n int) *widget.Entry {
	s.t.Helper()
	for _, o := range s.objects() {
		if e, ok := o.(*widget.Entry); ok && e.Visible() && !e.MultiLine && strings.HasPrefix(e.PlaceHolder, prefix) {
			if n == 0 {
				return e
			}
			n--
		}
	}
	s.t.Fatalf("no entry with placeholder %q", prefix)
	return nil
}

func (s dialogScene) password(n int) *widget.Entry {
	s.t.Helper()
	for _, o := range s.objects() {
		if e, ok := o.(*widget.Entry); ok && e.Visible() && e.Password {
			if n == 0 {
				return e
			}
			n--
		}
	}
	s.t.Fatal("no password entry")
	return nil
}

func (s dialogScene) selectWith(option string) *widget.Select {
	s.t.Helper()
	for _, o := range s.objects() {
		if sel, ok := o.(*widget.Select); ok && sel.Visible() {
			for _, opt := range sel.Options {
				if opt == option {
					return sel
				}
			}
		}
	}
	s.t.Fatalf("no choice offering %q", option)
	return nil
}

// texts are the visible labels' texts.
func (s dialogScene) texts() string {
	var b strings.Builder
	for _, o := range s.objects() {
		if l, ok := o.(*widget.Label); ok && l.Visible() {
			b.WriteString(l.Text + "\n")
		}
	}
	return b.String()
}

func (s dialogScene) dialogOpen() bool { return s.w.Canvas().Overlays().Top() != nil }

// TestGUITargetDialogEndToEnd drives the settings window's target dialog
// with the real backend against a sandbox: choices are choices, a field
// problem keeps the form and is shown beside the field, Save tests the
// login for real (a view-only files.ro link is refused as such, not as a
// login problem, and can be saved anyway), a good link saves, and an
// existing target is edited, its stored secret kept or replaced.
func TestGUITargetDialogEndToEnd(t *testing.T) {
	srv := newSandbox(t, false)
	base := srv.BaseURL()
	var editor, visitor string
	for _, c := range srv.Credentials() {
		if c.API == "filesro" && c.Kind == "share-token" {
			switch c.Name {
			case "editor":
				editor = c.Value
			case "visitor":
				visitor = c.Value
			}
		}
	}
	e := newEnv(t)
	e.vars[EnvSecrets] = "file:" + e.dir + "/secrets"
	g := newGUIEnv(t, e)
	a := test.NewTempApp(t)
	u := ui.New(a, g.b)
	u.SetBackground(func(f func()) { f() }) // see ui.UI.SetBackground
	u.ShowSettings()
	var sw fyne.Window
	for _, w := range a.Driver().AllWindows() {
		if w.Title() == "Ferry settings" {
			sw = w
		}
	}
	if sw == nil {
		t.Fatal("no settings window")
	}
	sw.Resize(fyne.NewSize(700, 560))
	s := dialogScene{t, sw}

	// Twake without its company id: the form stays, the field says why.
	test.Tap(s.mustButton("Add…"))
	if !s.dialogOpen() {
		t.Fatal("Add… opened no dialog")
	}
	s.selectWith("Twake").SetSelected("Twake")
	if sel := s.selectWith("Twake"); sel == nil {
		t.Fatal("the service is not a choice")
	}
	test.Type(s.entry("a short name", 0), "chat")
	test.Type(s.entry("https://files.example.com", 0), base)
	test.Type(s.password(0), "jwt")
	test.Tap(s.mustButton("Save"))
	waitFor(t, "the company id to be marked", func() bool { return strings.Contains(s.texts(), "Company id is required") })
	if !s.dialogOpen() || len(g.b.Targets()) != 0 {
		t.Fatalf("a form with a missing field closed or saved: %v", g.b.Targets())
	}
	test.Tap(s.mustButton("Cancel"))

	// files.ro with a view-only link: Save tests it and says so.
	test.Tap(s.mustButton("Add…"))
	s.selectWith("files.ro").SetSelected("files.ro")
	for _, o := range s.objects() {
		if _, ok := o.(*widget.Check); ok {
			goto checks
		}
	}
	t.Fatal("the yes/no settings are not switches")
checks:
	test.Type(s.entry("a short name", 0), "share")
	test.Type(s.entry("https://files.example.com", 0), base)
	test.Type(s.password(0), visitor)
	test.Tap(s.mustButton("Save"))
	waitFor(t, "the login test", func() bool { return s.button("Save anyway") != nil })
	if txt := s.texts(); !strings.Contains(txt, "only allows viewing") || strings.Contains(txt, "refused the login") {
		t.Errorf("a view-only link was explained as:\n%s", txt)
	}
	if len(g.b.Targets()) != 0 {
		t.Fatal("a failed test saved the target")
	}
	test.Tap(s.mustButton("Details"))
	found := false
	for _, o := range s.objects() {
		if en, ok := o.(*widget.Entry); ok && en.MultiLine && en.Visible() && strings.Contains(en.Text, "403") {
			found = true
		}
	}
	if !found {
		t.Error("Details shows no technical message")
	}
	pw := s.password(0)
	pw.SetText(editor)
	test.Tap(s.mustButton("Save"))
	waitFor(t, "the save", func() bool { return len(g.b.Targets()) == 1 })
	waitFor(t, "the dialog to close after the save", func() bool { return !s.dialogOpen() })
	if v, err := g.b.rt.store.Get("share", SecretShareToken); err != nil || v != editor {
		t.Errorf("stored token %q, %v", v, err)
	}

	// Edit: select it, change the link back to the visitor one, save anyway.
	for _, o := range s.objects() {
		if l, ok := o.(*widget.List); ok {
			l.Select(0)
		}
	}
	test.Tap(s.mustButton("Edit…"))
	if en := s.entry("a short name", 0); en.Text != "share" || !en.Disabled() {
		t.Errorf("edit form name %q disabled=%v", en.Text, en.Disabled())
	}
	s.password(0).SetText(visitor)
	test.Tap(s.mustButton("Save"))
	waitFor(t, "the failed test", func() bool { return s.button("Save anyway") != nil })
	test.Tap(s.mustButton("Save anyway"))
	waitFor(t, "the replaced token", func() bool {
		v, err := g.b.rt.store.Get("share", SecretShareToken)
		return err == nil && v == visitor
	})
	if _, err := g.b.rt.store.Get("share", SecretSharePass); err == nil || !strings.Contains(err.Error(), secrets.ErrNotFound.Error()) {
		t.Errorf("an unset share password was stored: %v", err)
	}
}
