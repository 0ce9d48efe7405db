package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// limitsWidgets finds the timetable entry, its message, Apply and the
// metered switch in the Transfers tab's limits box.
func limitsWidgets(t *testing.T, box *fyne.Container) (*widget.Entry, *widget.Label, *widget.Button, *widget.Check) {
	t.Helper()
	form := box.Objects[0].(*widget.Form)
	return form.Items[0].Widget.(*widget.Entry), box.Objects[1].(*widget.Label),
		box.Objects[2].(*widget.Button), box.Objects[3].(*widget.Check)
}

// The timetable is checked as it is typed: a mistake shows its reason
// and Apply stays off; a valid one shows what it puts in force now, and
// only Apply saves it.
func TestTimetableCheckedAsTyped(t *testing.T) {
	be := newFakeBackend()
	u := newTestUI(t, be)
	entry, msg, apply, _ := limitsWidgets(t, u.limitsSettings())
	if !strings.Contains(msg.Text, "No timetable") || apply.Disabled() {
		t.Fatalf("empty: %q (apply disabled %v)", msg.Text, apply.Disabled())
	}
	test.Type(entry, "Mon-Fri 8:00")
	if !strings.Contains(msg.Text, "has no rate") || !apply.Disabled() {
		t.Fatalf("half typed: %q (apply disabled %v)", msg.Text, apply.Disabled())
	}
	entry.SetText("Mon-Fri 08:00,512k 18:00,fast")
	if !strings.Contains(msg.Text, `"fast" is not a rate`) || !apply.Disabled() || msg.Importance != widget.DangerImportance {
		t.Fatalf("bad rate: %q", msg.Text)
	}
	if len(be.Calls()) != 0 {
		t.Fatalf("typing saved: %v", be.Calls())
	}
	entry.SetText("Mon-Fri 08:00,512k 18:00,off")
	// t0 is Monday 2026-11-23 10:00 UTC.
	if msg.Text != "Now: limit 512 KiB/s until 18:00" || apply.Disabled() {
		t.Fatalf("valid: %q (apply disabled %v)", msg.Text, apply.Disabled())
	}
	test.Tap(apply)
	if be.settings.BandwidthSchedule != "Mon-Fri 08:00,512k 18:00,off" {
		t.Fatalf("Apply saved %+v", be.settings)
	}
}

// Where the system cannot tell, the metered switch is off and disabled,
// and says why; where it can, ticking it saves.
func TestMeteredSwitch(t *testing.T) {
	be := newFakeBackend()
	be.settings.PauseOnMetered = true
	be.settings.MeteredNote = "Ferry cannot tell on this system whether the connection is metered"
	u := newTestUI(t, be)
	box := u.limitsSettings()
	_, _, _, check := limitsWidgets(t, box)
	if check.Checked || !check.Disabled() || box.Objects[4].(*widget.Label).Text != be.settings.MeteredNote {
		t.Fatalf("unsupported: checked %v disabled %v", check.Checked, check.Disabled())
	}

	be = newFakeBackend()
	u = newTestUI(t, be)
	_, _, _, check = limitsWidgets(t, u.limitsSettings())
	test.Tap(check)
	if !be.settings.PauseOnMetered {
		t.Fatal("ticking the metered switch did not save it")
	}
}

// A hold for a metered connection is named in the header and on the rows
// of the targets it holds, apart from the user's own pause.
func TestHeldRowsAndHeader(t *testing.T) {
	be := newFakeBackend()
	u := newTestUI(t, be)
	r := newRow()
	detail := func(it Item) string {
		u.updateActiveRow(r, it)
		return r.detail.Text
	}
	st := Status{Held: "metered connection", HeldTargets: "work", Waiting: 2, BandwidthNote: "limit 512 KiB/s until 18:00"}
	u.model.apply(Change{Status: &st})
	if got := detail(Item{ID: 1, Name: "a", Target: "work", State: Waiting}); got != "Paused: metered connection" {
		t.Errorf("held row: %q", got)
	}
	if got := detail(Item{ID: 2, Name: "b", Target: "share", State: Waiting, Total: 5}); strings.Contains(got, "metered") {
		t.Errorf("row of a target not held: %q", got)
	}
	if s := u.summaryText(st); !strings.HasPrefix(s, "Paused: metered connection · ") {
		t.Errorf("header %q", s)
	}
	st.HeldAll, st.HeldTargets = true, ""
	if !st.TargetHeld("share") || (Status{}).TargetHeld("work") {
		t.Error("TargetHeld")
	}
	u.model.apply(Change{Status: &st})
	u.refresh()
	if !u.bwNote.Visible() || u.bwNote.Text != "limit 512 KiB/s until 18:00" {
		t.Errorf("toolbar note %q (visible %v)", u.bwNote.Text, u.bwNote.Visible())
	}
}

// trayRecorder is a desktop.App that keeps what the tray was given.
type trayRecorder struct {
	menu *fyne.Menu
	icon fyne.Resource
}

func (r *trayRecorder) SetSystemTrayMenu(m *fyne.Menu)    { r.menu = m }
func (r *trayRecorder) SetSystemTrayIcon(i fyne.Resource) { r.icon = i }
func (r *trayRecorder) SetSystemTrayWindow(_ fyne.Window) {}

// The tray says "Paused: metered connection" at the top of its menu, with
// the paused icon, only while the hold lasts.
func TestTrayShowsHold(t *testing.T) {
	be := newFakeBackend()
	u := newTestUI(t, be)
	rec := &trayRecorder{}
	u.EnableTray(rec, func() {})
	n := len(rec.menu.Items)
	u.tray.update(Status{Held: "metered connection", HeldAll: true}, t0)
	if len(rec.menu.Items) != n+1 || rec.menu.Items[0].Label != "Paused: metered connection" || !rec.menu.Items[0].Disabled {
		t.Fatalf("tray menu while held: first %q, %d items (was %d)", rec.menu.Items[0].Label, len(rec.menu.Items), n)
	}
	if rec.icon == nil || !strings.Contains(rec.icon.Name(), "paused") {
		t.Errorf("tray icon while held: %v", rec.icon)
	}
	u.tray.update(Status{}, t0)
	if len(rec.menu.Items) != n || rec.menu.Items[0].Label == "Paused: metered connection" {
		t.Fatalf("tray menu after the hold: %d items, first %q", len(rec.menu.Items), rec.menu.Items[0].Label)
	}
}
