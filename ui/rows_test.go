package ui

import (
	"strings"
	"testing"
	"time"
)

// Rows say what is happening: paused rows "Paused", uploads to a server
// that cannot be reached "Waiting for server" (not "0 B of …"), and the
// header names the target that is down once.
func TestActiveRowsTellTheTruth(t *testing.T) {
	be := newFakeBackend()
	u := newTestUI(t, be)
	r := newRow()
	detail := func(it Item) string {
		u.updateActiveRow(r, it)
		return r.detail.Text
	}
	up := Item{ID: 1, Name: "a", Target: "work", State: Uploading, Total: 10 << 20}
	u.model.apply(Change{Status: &Status{Unreachable: "work", Uploading: 1}})
	if got := detail(up); got != "Waiting for server" {
		t.Errorf("uploading 0 bytes to a target that is down: %q", got)
	}
	if s := u.summaryText(u.model.currentStatus()); strings.Count(s, "work") != 1 || !strings.Contains(s, "cannot reach") {
		t.Errorf("header %q does not say once which target is down", s)
	}
	wait := Item{ID: 2, Name: "b", Target: "work", State: Waiting, ServerWait: true, Reason: "next try at 10:05: connection refused"}
	if got := detail(wait); !strings.HasPrefix(got, "Waiting for server") {
		t.Errorf("waiting after a network error: %q", got)
	}
	until := t0.Add(time.Hour)
	u.model.apply(Change{Status: &Status{Paused: true, PausedUntil: until}})
	if got := detail(Item{ID: 3, Name: "c", Target: "work", State: Waiting, Total: 5}); got != "Paused" {
		t.Errorf("queued row while all uploads are paused: %q", got)
	}
	u.model.apply(Change{Status: &Status{}})
	if got := detail(Item{ID: 4, Name: "d", Target: "work", State: Waiting, Paused: true, Reason: "paused"}); got != "Paused" {
		t.Errorf("paused row: %q", got)
	}
	// A long warning is offered in full behind the details button.
	long := strings.Repeat("the server may hold it twice and more words ", 10)
	u.updateHistoryRow(r, Item{ID: 5, Name: "e", State: Done, Warning: long, Updated: t0})
	if !r.details.Visible() {
		t.Fatal("no details button for a row with a warning")
	}
}
