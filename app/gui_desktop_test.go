package app

import (
	"io"
	"log/slog"
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
	if n := newDBusNotifier(log, func(string) {}); n == nil || !n.failed {
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
	n := newDBusNotifier(log, func(key string) { got <- noticeKey(key) })
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
