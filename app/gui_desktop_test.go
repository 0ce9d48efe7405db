package app

import (
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/godbus/dbus/v5"

	"github.com/ferry-sync/ferry/ui"
)

// fakeNotifications is a notification server on the session bus that
// records each Notify call.
type fakeNotifications struct {
	mu    sync.Mutex
	calls []fakeNotify
	next  uint32
}

type fakeNotify struct {
	replaces         uint32
	summary, body    string
	actions          []string
	returned         uint32
	appName, appIcon string
}

func (f *fakeNotifications) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"actions", "body"}, nil
}

func (f *fakeNotifications) Notify(appName string, replaces uint32, icon, summary, body string,
	actions []string, _ map[string]dbus.Variant, _ int32,
) (uint32, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := replaces
	if id == 0 {
		f.next++
		id = f.next
	}
	f.calls = append(f.calls, fakeNotify{replaces, summary, body, actions, id, appName, icon})
	return id, nil
}

func (f *fakeNotifications) snapshot() []fakeNotify {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeNotify(nil), f.calls...)
}

// TestNotificationsReplaceAndCarryActions: a second notice of a kind
// replaces the first (not stacked), actions are offered, an invoked action
// reaches the app, and without a server nothing is sent or printed.
func TestNotificationsReplaceAndCarryActions(t *testing.T) {
	if underSession(t, "TestNotificationsReplaceAndCarryActions", false) {
		return
	}
	test.NewTempApp(t) // fyne.Do needs an app
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	// No server yet: silent.
	if n := newDBusNotifier(log, func(string, string) {}); n == nil || !n.failed {
		t.Fatalf("without a notification server: %+v", n)
	} else {
		n.send(ui.Notice{Kind: "failed", Title: "x"}) // must not block, panic or print
	}

	srv, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	fake := &fakeNotifications{}
	if err := srv.Export(fake, notifyPath, notifyIface); err != nil {
		t.Fatal(err)
	}
	if reply, err := srv.RequestName(notifyDest, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", notifyDest, reply, err)
	}
	got := make(chan string, 4)
	n := newDBusNotifier(log, func(key, _ string) { got <- noticeKey(key) })
	if n == nil || n.failed || !n.actions {
		t.Fatalf("notifier %+v", n)
	}
	failed := ui.Notice{
		Kind: "failed", Title: "Ferry: 2 uploads failed", Body: "2 files to work: refused",
		Actions: []ui.NoticeAction{{Key: ui.ActionShow, Label: "Show"}, {Key: ui.ActionRetry, Label: "Retry"}},
	}
	n.send(failed)
	n.send(ui.Notice{Kind: "uploaded", Title: "Ferry: uploaded", Body: "3 files uploaded to work"})
	failed.Body = "3 files to work: refused"
	n.send(failed)
	calls := fake.snapshot()
	if len(calls) != 3 {
		t.Fatalf("calls %+v", calls)
	}
	if calls[0].replaces != 0 || calls[1].replaces != 0 || calls[2].replaces != calls[0].returned {
		t.Errorf("the second failure notice did not replace the first: %+v", calls)
	}
	if want := []string{"show", "Show", "retry", "Retry", "default", "Show"}; len(calls[0].actions) != len(want) {
		t.Errorf("actions %q, want %q", calls[0].actions, want)
	}
	if err := srv.Emit(notifyPath, notifyIface+".ActionInvoked", calls[2].returned, "retry"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Emit(notifyPath, notifyIface+".ActionInvoked", calls[2].returned, "default"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{ui.ActionRetry, ui.ActionShow} {
		select {
		case k := <-got:
			if k != want {
				t.Errorf("action %q, want %q", k, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("action %q never arrived", want)
		}
	}
}

// TestNotificationCopyLinkPutsTheLinkOnTheClipboard: over the session bus,
// an upload notice with a link offers "Copy link" (one without a link does
// not), and the server's ActionInvoked for it puts that notice's link on
// the app's clipboard through the window's UI.
func TestNotificationCopyLinkPutsTheLinkOnTheClipboard(t *testing.T) {
	if underSession(t, "TestNotificationCopyLinkPutsTheLinkOnTheClipboard", false) {
		return
	}
	const link = "https://files.example/s/abc123/report.pdf"
	e := newEnv(t)
	g := newGUIEnv(t, e)
	a := test.NewTempApp(t)
	u := ui.New(a, g.b)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	srv, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	fake := &fakeNotifications{}
	if err := srv.Export(fake, notifyPath, notifyIface); err != nil {
		t.Fatal(err)
	}
	if reply, err := srv.RequestName(notifyDest, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", notifyDest, reply, err)
	}
	// The clipboard is only touched on the notifier's goroutine (the test
	// driver runs fyne.Do in place): set before it starts, read in the
	// callback and handed over the channel. The D-Bus socket between the
	// test's Emit and the callback is no happens-before for the race
	// detector.
	a.Clipboard().SetContent("something else")
	done := make(chan string, 4) // the clipboard after each action
	n := newDBusNotifier(log, func(key, l string) {
		u.NoticeAction(noticeKey(key), l) // as the app wires it
		done <- a.Clipboard().Content()
	})
	if n == nil || n.failed || !n.actions {
		t.Fatalf("notifier %+v", n)
	}
	show := ui.NoticeAction{Key: ui.ActionShow, Label: "Show"}
	n.send(ui.Notice{Kind: "failed", Title: "Ferry: 1 upload failed", Body: "1 file to work: refused", Actions: []ui.NoticeAction{show}})
	n.send(ui.Notice{
		Kind: "uploaded", Title: "Ferry: uploaded", Body: "report.pdf uploaded to work", Link: link,
		Actions: []ui.NoticeAction{show, {Key: ui.ActionCopyLink, Label: "Copy link"}},
	})
	calls := fake.snapshot()
	if len(calls) != 2 {
		t.Fatalf("calls %+v", calls)
	}
	if !slices.Contains(calls[1].actions, "copy-link") || !slices.Contains(calls[1].actions, "Copy link") {
		t.Errorf("the notice with a link offers %q, no Copy link", calls[1].actions)
	}
	if slices.Contains(calls[0].actions, "copy-link") {
		t.Errorf("a notice without a link offers %q", calls[0].actions)
	}
	invoke := func(id uint32) string {
		t.Helper()
		if err := srv.Emit(notifyPath, notifyIface+".ActionInvoked", id, "copy-link"); err != nil {
			t.Fatal(err)
		}
		select {
		case clip := <-done:
			return clip
		case <-time.After(5 * time.Second):
			t.Fatal("the action never arrived")
			return ""
		}
	}
	// The notice without a link: nothing to copy.
	if got := invoke(calls[0].returned); got != "something else" {
		t.Errorf("clipboard = %q after Copy link on a notice without a link", got)
	}
	if got := invoke(calls[1].returned); got != link {
		t.Errorf("clipboard = %q after the notice's Copy link, want %q", got, link)
	}
}
