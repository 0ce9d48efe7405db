package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
)

func TestNotificationsAreCoalesced(t *testing.T) {
	now := t0
	settings := Settings{NotifyUploaded: true, NotifyFailed: true}
	var sent []string
	n := newNotifier(func(x *fyne.Notification) { sent = append(sent, x.Content) },
		func() Settings { return settings }, func() time.Time { return now })

	for i := range 42 {
		n.observe(Item{ID: uint64(i + 1), Target: "Quatrix", Remote: "Quatrix: Projects/a/f.txt", State: Done})
		n.observe(Item{ID: uint64(i + 1), Target: "Quatrix", Remote: "Quatrix: Projects/a/f.txt", State: Done}) // repeat
	}
	n.observe(Item{ID: 100, State: Failed})
	n.observe(Item{ID: 101, State: Failed})
	now = now.Add(time.Second)
	n.flushDue()
	if len(sent) != 0 {
		t.Fatalf("sent %q before the batch went quiet", sent)
	}
	now = now.Add(notifyQuiet)
	n.flushDue()
	want := []string{"42 files uploaded to Quatrix/Projects", "2 uploads need attention"}
	if fmt.Sprint(sent) != fmt.Sprint(want) {
		t.Fatalf("sent %q, want %q", sent, want)
	}
	n.flushDue()
	if len(sent) != 2 {
		t.Fatalf("a flush without news sent %q", sent[2:])
	}
}

func TestNotificationsFlushAtTheLatestAfterMax(t *testing.T) {
	now := t0
	var sent []string
	n := newNotifier(func(x *fyne.Notification) { sent = append(sent, x.Content) },
		func() Settings { return Settings{NotifyUploaded: true} }, func() time.Time { return now })
	for i := range 40 { // a steady trickle never goes quiet
		n.observe(Item{ID: uint64(i + 1), Target: "t", Remote: "t: f", State: Done})
		now = now.Add(time.Second)
		n.flushDue()
	}
	if len(sent) != 1 || sent[0] != "30 files uploaded to t" {
		t.Fatalf("sent %q, want one summary after %s", sent, notifyMax)
	}
}

func TestNotificationsOffMeansOff(t *testing.T) {
	now := t0
	var sent []string
	n := newNotifier(func(x *fyne.Notification) { sent = append(sent, x.Content) },
		func() Settings { return Settings{} }, func() time.Time { return now })
	for i := range 5000 {
		n.observe(Item{ID: uint64(i + 1), State: Done})
		n.observe(Item{ID: uint64(i + 10_000), State: Failed})
	}
	now = now.Add(time.Hour)
	n.flushDue()
	if len(sent) != 0 {
		t.Fatalf("notifications off, yet sent %q", sent)
	}
}
