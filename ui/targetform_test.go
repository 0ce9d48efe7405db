package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// waitUntil polls cond (the form's test runs on a goroutine and reports
// through fyne.Do).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestTargetFormCollectsSplitsSecretsAndMarksFields(t *testing.T) {
	be := newFakeBackend()
	u := newTestUI(t, be)
	saved := 0
	f := u.showTargetForm(u.win, nil, func() { saved++ })

	test.Tap(f.save) // no name: the form stays and says so beside the field
	if !f.nameErr.Visible() || !strings.Contains(f.nameErr.Text, "needs a name") || len(be.saved) != 0 {
		t.Fatalf("no name: %q visible=%v saved=%v", f.nameErr.Text, f.nameErr.Visible(), be.saved)
	}
	test.Type(f.name, "w")
	test.Tap(f.save) // the address is required
	if in := f.inputs["base_url"]; !in.err.Visible() || !strings.Contains(in.err.Text, "Address is required") {
		t.Fatalf("missing required field not marked: %q", in.err.Text)
	}
	f.inputs["base_url"].entry.SetText(" https://q.example ")
	f.inputs["api_key"].entry.SetText(" key with spaces ")
	tg, secrets, p := f.collect()
	if p != nil {
		t.Fatal(p)
	}
	if tg.Settings["base_url"] != "https://q.example" || tg.Settings["api_key"] != "" {
		t.Errorf("settings = %v (secrets must not be in settings)", tg.Settings)
	}
	if secrets["api_key"] != " key with spaces " {
		t.Errorf("secret = %q, want it verbatim", secrets["api_key"])
	}

	// A failed login test keeps the form, gives the reason first and the
	// details on demand, and offers "Save anyway".
	be.testErr = &Problem{Reason: "The server refused the login.", Details: "HTTP 401: bad key"}
	test.Tap(f.save)
	waitUntil(t, "the failed test", func() bool { return f.saveAnyway.Visible() })
	if len(be.saved) != 0 || saved != 0 || f.problem.reason.Text != "The server refused the login." ||
		f.problem.details.Visible() || !f.problem.toggle.Visible() {
		t.Fatalf("failed test: saved %v, reason %q", be.saved, f.problem.reason.Text)
	}
	test.Tap(f.problem.toggle)
	if !f.problem.details.Visible() || f.problem.details.Text != "HTTP 401: bad key" {
		t.Errorf("details: %q", f.problem.details.Text)
	}
	test.Tap(f.saveAnyway)
	if len(be.saved) != 1 || saved != 1 || be.saved[0].Name != "w" {
		t.Fatalf("save anyway: %v", be.saved)
	}

	// A settings problem from the backend marks its field and offers no
	// "Save anyway" (saving cannot work).
	f = u.showTargetForm(u.win, nil, nil)
	test.Type(f.name, "v")
	f.inputs["base_url"].entry.SetText("http://q.example")
	f.inputs["api_key"].entry.SetText("k")
	be.testErr = &Problem{Field: "base_url", Reason: "The address must start with https://."}
	test.Tap(f.save)
	waitUntil(t, "the field problem", func() bool { return f.inputs["base_url"].err.Visible() })
	if f.saveAnyway.Visible() || len(be.saved) != 1 {
		t.Errorf("a settings problem offered save anyway or saved: %v", be.saved)
	}
	be.testErr = nil
	f.inputs["base_url"].entry.SetText("https://q.example")
	test.Tap(f.save)
	waitUntil(t, "the save", func() bool { return len(be.saved) == 2 })
	checks := 0
	for _, c := range be.Calls() {
		if c == "check target w" {
			checks++
		}
	}
	if checks != 1 {
		t.Errorf("the login of w was tested %d times, want once (Save anyway does not test)", checks)
	}
}

func TestTargetFormEditsAnExistingTarget(t *testing.T) {
	be := newFakeBackend()
	be.targets = []Target{{Name: "work", Kind: "quatrix", HasSecret: true, Settings: map[string]string{"base_url": "https://old.example"}}}
	u := newTestUI(t, be)
	f := u.showTargetForm(u.win, &be.targets[0], nil)
	if !f.name.Disabled() || f.name.Text != "work" || f.inputs["base_url"].entry.Text != "https://old.example" {
		t.Fatalf("edit form: name %q disabled=%v url %q", f.name.Text, f.name.Disabled(), f.inputs["base_url"].entry.Text)
	}
	f.inputs["base_url"].entry.SetText("https://new.example")
	test.Tap(f.save) // the stored key is kept: no secret needed
	waitUntil(t, "the save", func() bool { return len(be.saved) == 1 })
	if be.saved[0].Settings["base_url"] != "https://new.example" || len(be.secrets[0]) != 0 {
		t.Errorf("edit saved %+v with secrets %v", be.saved[0], be.secrets[0])
	}
}

// TestTargetFormScrollsAndButtonsStayBelow: at a small dialog size the
// fields scroll, and the buttons are laid out below the scrolled area.
func TestTargetFormScrollsAndButtonsStayBelow(t *testing.T) {
	be := newFakeBackend()
	u := newTestUI(t, be)
	u.win.Resize(fyne.NewSize(400, 300))
	f := u.showTargetForm(u.win, nil, nil)
	f.dlg.Resize(fyne.NewSize(380, 260))
	d := fyne.CurrentApp().Driver()
	scrollBottom := d.AbsolutePositionForObject(f.scroll).Y + f.scroll.Size().Height
	if top := d.AbsolutePositionForObject(f.save).Y; top < scrollBottom {
		t.Errorf("Save at y=%v overlaps the fields (they end at %v)", top, scrollBottom)
	}
	// At this size the fields cannot all show: they must be in the
	// scrolled area (taller than it), not squeezed or cut.
	if f.scroll.Content.MinSize().Height <= f.scroll.Size().Height {
		t.Errorf("fields %v tall in a scrolled area of %v: at 380x260 they should need scrolling", f.scroll.Content.MinSize().Height, f.scroll.Size().Height)
	}
}

// TestTargetFormWarningOffersSaveAnyway: a warning on a field (a
// SelfCommunity target without recipients) marks it and can be saved anyway.
func TestTargetFormWarningOffersSaveAnyway(t *testing.T) {
	be := newFakeBackend()
	u := newTestUI(t, be)
	f := u.showTargetForm(u.win, nil, nil)
	test.Type(f.name, "pm")
	f.inputs["base_url"].entry.SetText("https://c.example")
	f.inputs["api_key"].entry.SetText("k")
	be.testErr = &Problem{Field: "email", Reason: "Without recipients each file is sent to nobody.", Anyway: true}
	test.Tap(f.save)
	waitUntil(t, "the warning", func() bool { return f.saveAnyway.Visible() })
	if !f.inputs["email"].err.Visible() {
		t.Error("the field of the warning is not marked")
	}
	test.Tap(f.saveAnyway)
	if len(be.saved) != 1 {
		t.Errorf("save anyway: %v", be.saved)
	}
}
