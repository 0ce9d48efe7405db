package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestOneProblemManyFilesIsOneBanner: nine files refused for one reason
// are one line with one action, which retries all of them.
func TestOneProblemManyFilesIsOneBanner(t *testing.T) {
	be := newFakeBackend()
	for i := range 9 {
		be.items = append(be.items, Item{
			ID: uint64(i + 1), Name: "f", Target: "work", State: Failed, Updated: t0,
			Reason: fmt.Sprintf("put chunk of f%d: HTTP 401", i), Advice: "The server refused the login. Store a new key in Settings.",
		})
	}
	be.items = append(be.items, Item{ID: 50, Name: "g", Target: "share", State: Failed, Reason: "Too large.", Updated: t0})
	u := newTestUI(t, be)
	if !u.banner.box.Visible() || u.banner.text.Text !=
		"9 uploads to work failed for the same reason: The server refused the login. Store a new key in Settings." {
		t.Fatalf("banner %q visible=%v", u.banner.text.Text, u.banner.box.Visible())
	}
	test.Tap(u.banner.retry)
	if n := strings.Count(strings.Join(be.Calls(), ","), "retry "); n != 9 {
		t.Errorf("retried %d, want the 9 of the banner: %v", n, be.Calls())
	}

	one := newFakeBackend()
	one.items = be.items[8:]
	if u := newTestUI(t, one); u.banner.box.Visible() {
		t.Error("a banner for unrelated single failures")
	}
}

// TestFolderHealthAndTrayStatus: a folder that is not watched shows in
// the main window and the tray; the tray's line says what happens.
func TestFolderHealthAndTrayStatus(t *testing.T) {
	be := newFakeBackend()
	be.folders = []Folder{
		{Name: "out", Path: "/home/ana/out", Target: "work", Enabled: true, Health: "failed: the folder is missing"},
		{Name: "ok", Path: "/home/ana/ok", Target: "work", Enabled: true, Health: "ok"},
	}
	be.status = Status{Uploading: 1, Waiting: 2, Failed: 2}
	be.items = []Item{{ID: 1, State: Uploading, Bytes: 1 << 20, Total: 13 << 20, Updated: t0}}
	u := newTestUI(t, be)
	if !u.folderHealth.Visible() || u.folderHealth.Text != "Folder out (/home/ana/out): failed: the folder is missing" {
		t.Errorf("folder health %q", u.folderHealth.Text)
	}
	got := u.trayStatus(be.status, t0)
	if got != "Uploading 3 files, 12.0 MiB left · 2 failed · 1 folder not watched" {
		t.Errorf("tray status %q", got)
	}
	paused := Status{Paused: true, PausedUntil: t0.Add(4 * time.Hour)}
	if got := u.trayStatus(paused, t0); got != "Paused until 14:00 · 1 folder not watched" {
		t.Errorf("paused: %q", got)
	}
	var tip string
	desk := &fakeDesk{}
	u.SetTrayTooltip(func(s string) { tip = s })
	u.EnableTray(desk, func() {})
	if tip != "Ferry: Uploading 3 files, 12.0 MiB left · 2 failed · 1 folder not watched" {
		t.Errorf("tooltip %q", tip)
	}
	labels := []string{}
	for _, it := range desk.menu.Items {
		labels = append(labels, it.Label)
	}
	if labels[0] != "Uploading 3 files, 12.0 MiB left · 2 failed · 1 folder not watched" || !desk.menu.Items[0].Disabled ||
		!strings.Contains(strings.Join(labels, "|"), "Settings…") {
		t.Errorf("tray menu %q", labels)
	}
	// The folder list follows the config, not only the first fill.
	be.folders = append(be.folders, Folder{Name: "new", Path: "/home/ana/new", Target: "work", Enabled: true, Health: "ok"})
	u.ConfigChanged()
	var sub []string
	for _, it := range u.tray.folders.ChildMenu.Items {
		sub = append(sub, it.Label)
	}
	if strings.Join(sub, "|") != "out — failed: the folder is missing|ok|new" {
		t.Errorf("folder menu %q", sub)
	}
}

type fakeDesk struct {
	menu *fyne.Menu
	icon fyne.Resource
}

func (d *fakeDesk) SetSystemTrayMenu(m *fyne.Menu)    { d.menu = m }
func (d *fakeDesk) SetSystemTrayIcon(r fyne.Resource) { d.icon = r }
func (d *fakeDesk) SetSystemTrayWindow(w fyne.Window) {}

// TestSummaryWithoutSpeedHasNoDash: uploads that send nothing yet (a
// server that does not answer) show no "· — ·" in the summary.
func TestSummaryWithoutSpeedHasNoDash(t *testing.T) {
	u := newTestUI(t, newFakeBackend())
	got := u.summaryText(Status{Uploading: 2, Waiting: 1, Unreachable: "work"})
	if strings.Contains(got, "—") || got != "2 uploading · 1 waiting · 0 failed · cannot reach the server of work; its uploads wait and retry" {
		t.Errorf("summary %q", got)
	}
}

// TestSelectedFolderShownInFull: the folders tab shows the selected
// folder's path and watcher state wrapped, not cut by an ellipsis.
func TestSelectedFolderShownInFull(t *testing.T) {
	be := newFakeBackend()
	long := "failed: folder /home/ana/a/very/long/path/that/does/not/fit/in/one/row/outbox no longer exists; waiting for it to come back"
	be.folders = []Folder{{Name: "out", Path: "/home/ana/out", Target: "work", Enabled: true, Health: long}}
	u := newTestUI(t, be)
	tab := u.foldersTab(u.win)
	var list *widget.List
	for _, o := range test.LaidOutObjects(tab) {
		if l, ok := o.(*widget.List); ok {
			list = l
		}
	}
	list.Select(0)
	found := false
	for _, o := range test.LaidOutObjects(tab) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, long) && l.Wrapping == fyne.TextWrapWord {
			found = true
		}
	}
	if !found {
		t.Error("the selected folder's watcher state is not shown in full")
	}
}
