package ui

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

var update = flag.Bool("update", false, "rewrite the golden markup files in testdata")

func TestMain(m *testing.M) {
	time.Local = time.UTC // goldens show local times
	os.Exit(m.Run())
}

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func sampleItems() []Item {
	return []Item{
		{
			ID: 1, Name: "report.pdf", LocalPath: "/home/ana/out/report.pdf", Target: "work",
			Remote: "work: Projects/report.pdf", State: Uploading, Bytes: 3 << 20, Total: 10 << 20,
			Speed: 1 << 20, ETA: 7 * time.Second, Updated: t0,
		},
		{
			ID: 2, Name: "photo.jpg", Target: "work", Remote: "work: Projects/photo.jpg", State: Waiting,
			Total: 2 << 20, Reason: "retrying at 10:05 after a server error (HTTP 503)", Updated: t0,
		},
		{
			ID: 3, Name: "big.iso", Target: "share", Remote: "share: big.iso", State: Failed, Total: 5 << 30,
			Reason: "the file is larger than the service allows (4 GiB)",
			Advice: "split it or upload it to another target", Updated: t0,
		},
		{
			ID: 4, Name: "notes.txt", LocalPath: "/home/ana/out/notes.txt", Target: "work",
			Remote: "work: Projects/notes.txt", State: Done, Total: 1200, Link: "https://example.test/f/4",
			Updated: t0.Add(-time.Minute),
		},
	}
}

func newTestUI(t *testing.T, be *fakeBackend) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	u := New(a, be)
	u.now = func() time.Time { return t0 }
	u.SetBackground(func(f func()) { f() })
	u.win.Resize(fyne.NewSize(760, 560))
	return u
}

// assertGolden compares the window's markup with testdata/NAME; with
// -update it rewrites the file instead.
func assertGolden(t *testing.T, name string, c fyne.Canvas) {
	t.Helper()
	if *update {
		master := filepath.Join("testdata", name)
		_ = os.Remove(master) // rewritten below from fyne's failed/ output
		test.AssertRendersToMarkup(&testing.T{}, name, c)
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join("testdata", "failed", name), master); err != nil {
			t.Fatalf("update golden %s: %v", name, err)
		}
		return
	}
	test.AssertRendersToMarkup(t, name, c)
}

func TestModelSectionsAndOrder(t *testing.T) {
	m := newModel()
	m.reset(sampleItems(), Status{})
	if !m.rebuild() {
		t.Fatal("rebuild after reset reported no change")
	}
	if m.rebuild() {
		t.Fatal("second rebuild without changes reported a change")
	}
	ids := func(items []Item) (out []uint64) {
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	if got := fmt.Sprint(ids(m.active)); got != "[1 2]" {
		t.Errorf("active = %s, want [1 2] (uploading before waiting)", got)
	}
	if got := fmt.Sprint(ids(m.failed)); got != "[3]" {
		t.Errorf("failed = %s", got)
	}
	if got := fmt.Sprint(ids(m.history)); got != "[4]" {
		t.Errorf("history = %s", got)
	}
	done := sampleItems()[0]
	done.State, done.Updated = Done, t0.Add(time.Minute)
	m.apply(Change{Item: &done})
	m.apply(Change{Removed: 2})
	m.rebuild()
	if got := fmt.Sprint(ids(m.active), ids(m.history)); got != "[] [1 4]" {
		t.Errorf("after done+removed: active, history = %s, want [] [1 4] (newest first)", got)
	}
}

func TestMainWindowStates(t *testing.T) {
	be := newFakeBackend()
	u := newTestUI(t, be)
	assertGolden(t, "main_empty.xml", u.win.Canvas())

	be.items = sampleItems()
	be.status = Status{Parallel: 4, Uploading: 1, Waiting: 1, Failed: 1, Speed: 1 << 20, Bandwidth: 1 << 20}
	u.model.reset(be.items, be.status)
	u.refresh()
	assertGolden(t, "main_uploading.xml", u.win.Canvas())

	u.tabs.SelectIndex(1)
	assertGolden(t, "main_failed.xml", u.win.Canvas())

	u.tabs.SelectIndex(2)
	assertGolden(t, "main_history.xml", u.win.Canvas())

	be.status.Paused = true
	u.model.apply(Change{Status: &be.status})
	u.refresh()
	if u.pauseBtn.Text != "Resume all" || !strings.HasPrefix(u.summary.Text, "Paused · ") {
		t.Errorf("paused: button %q, summary %q", u.pauseBtn.Text, u.summary.Text)
	}
}

func TestRowActionsCallTheBackend(t *testing.T) {
	be := newFakeBackend()
	u := newTestUI(t, be)
	items := sampleItems()
	u.model.reset(items, Status{Failed: 1})
	u.refresh()

	r := newRow()
	u.updateFailedRow(r, items[2])
	test.Tap(r.primary)
	test.Tap(r.second)

	u.updateActiveRow(r, items[1])
	test.Tap(r.primary)
	u.updateActiveRow(r, items[0])
	if r.primary.Visible() {
		t.Error("an uploading row offers Retry now")
	}
	test.Tap(r.second)

	test.Tap(u.retryAll)
	test.Tap(u.pauseBtn)
	u.bandwidth.SetSelected("5 MiB/s")
	want := []string{"retry 3", "cancel 3", "retry 2", "cancel 1", "retry all", "pause", "bandwidth 5242880"}
	if got := be.Calls(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("calls = %q\nwant    %q", got, want)
	}
}

func TestDropAsksWhereAndUploads(t *testing.T) {
	be := newFakeBackend()
	be.settings.LastTarget, be.settings.LastRemoteDir = "share", "Inbox"
	u := newTestUI(t, be)

	f := u.newUploadForm([]string{"/tmp/a.txt", "/tmp/photos"}, be.Targets())
	if f.target.Selected != "share" || f.remote.Text != "Inbox" {
		t.Fatalf("form preset to %q %q, want the last choice share Inbox", f.target.Selected, f.remote.Text)
	}
	f.target.SetSelected("work")
	f.remote.SetText(" /Projects/2026/ ")
	f.submit()
	if len(be.uploads) != 1 {
		t.Fatalf("uploads = %v", be.uploads)
	}
	got := be.uploads[0]
	if got.target != "work" || got.remoteDir != "Projects/2026" || len(got.paths) != 2 {
		t.Errorf("upload = %+v", got)
	}
	if be.settings.LastTarget != "work" || be.settings.LastRemoteDir != "Projects/2026" {
		t.Errorf("last choice not remembered: %+v", be.settings)
	}
}

func TestDropOfNonFileURIsIsRefused(t *testing.T) {
	be := newFakeBackend()
	u := newTestUI(t, be)
	u.Drop(nil)
	if len(be.uploads) != 0 || len(u.win.Canvas().Overlays().List()) != 0 {
		t.Fatal("an empty drop did something")
	}
	u.Drop([]string{"/tmp/a.txt"})
	if n := len(u.win.Canvas().Overlays().List()); n != 1 {
		t.Fatalf("a drop showed %d dialogs, want the confirmation", n)
	}
	assertGolden(t, "drop_confirm.xml", u.win.Canvas())
}

func TestDropWithoutTargetsOffersSettings(t *testing.T) {
	be := newFakeBackend()
	be.targets = nil
	u := newTestUI(t, be)
	u.ConfirmUpload([]string{"/tmp/a.txt"})
	if len(be.uploads) != 0 {
		t.Fatal("uploaded without a target")
	}
	if n := len(u.win.Canvas().Overlays().List()); n != 1 {
		t.Fatalf("%d dialogs shown, want the no-target offer", n)
	}
}

func TestSettingsWindow(t *testing.T) {
	be := newFakeBackend()
	be.folders = []Folder{{
		Name: "out", Path: "/home/ana/out", Target: "work", RemoteDir: "Projects",
		Conflict: "rename", Enabled: true, Health: "ok",
	}}
	u := newTestUI(t, be)
	before := len(u.app.Driver().AllWindows())
	u.ShowSettings()
	if u.settings == nil {
		t.Fatal("no settings window")
	}
	u.settings.Resize(fyne.NewSize(640, 460))
	assertGolden(t, "settings_targets.xml", u.settings.Canvas())
	u.ShowSettings() // raises the same window
	if got := len(u.app.Driver().AllWindows()); got != before+1 {
		t.Errorf("%d windows open, want %d: showing settings twice opened two windows", got, before+1)
	}
}

func TestTenThousandItemsStayVirtualised(t *testing.T) {
	be := newFakeBackend()
	for i := range 10_000 {
		be.items = append(be.items, Item{
			ID: uint64(i + 1), Name: fmt.Sprintf("file-%05d.bin", i),
			Remote: "work: bulk", State: Waiting, Total: 4096, Updated: t0,
		})
	}
	u := newTestUI(t, be)
	u.model.reset(be.items, Status{Waiting: 10_000})
	u.refresh()
	if n := u.lists[0].Length(); n != 10_000 {
		t.Fatalf("list length %d", n)
	}
	bars := 0
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if _, ok := o.(*widget.ProgressBar); ok {
			bars++
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, child := range c.Objects {
				walk(child)
			}
		}
		if w, ok := o.(fyne.Widget); ok {
			for _, child := range test.WidgetRenderer(w).Objects() {
				walk(child)
			}
		}
	}
	walk(u.win.Content())
	if bars == 0 || bars > 100 {
		t.Errorf("%d rows rendered for 10,000 items: the list is not virtualised", bars)
	}
	// A flood of progress updates costs no redraw until the next refresh tick.
	for i := range 10_000 {
		it := be.items[i]
		it.Bytes = 2048
		u.model.apply(Change{Item: &it})
	}
	if !u.model.rebuild() || u.model.rebuild() {
		t.Error("updates were not coalesced into one rebuild")
	}
}

func BenchmarkRefresh10k(b *testing.B) {
	a := test.NewTempApp(b)
	be := newFakeBackend()
	for i := range 10_000 {
		be.items = append(be.items, Item{ID: uint64(i + 1), Name: "f", State: Waiting, Total: 1, Updated: t0})
	}
	u := New(a, be)
	u.win.Resize(fyne.NewSize(760, 560))
	it := be.items[0]
	for b.Loop() {
		it.Bytes++
		u.model.apply(Change{Item: &it})
		u.refresh()
	}
}

func TestBackendChangesReachTheLists(t *testing.T) {
	be := newFakeBackend()
	u := newTestUI(t, be)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u.Start(ctx)
	it := sampleItems()[2] // a failed item
	be.emit(Change{Item: &it})
	deadline := time.Now().Add(5 * time.Second)
	for len(u.model.failed) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		u.refresh() // the refresh tick does the same through fyne.Do
	}
	if len(u.model.failed) != 1 || u.failedTab.Text != "Failed (1)" {
		t.Fatalf("failed list %d items, tab %q", len(u.model.failed), u.failedTab.Text)
	}
}
