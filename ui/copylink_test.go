package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// "Copy link" on a history row puts the row's link on fyne's clipboard;
// rows without a link, and active or failed rows, offer no such button.
func TestCopyLinkPutsTheLinkOnTheClipboard(t *testing.T) {
	u := newTestUI(t, newFakeBackend())
	r := newRow()
	const link = "https://files.example/s/abc123/report.pdf"
	u.updateHistoryRow(r, Item{ID: 1, Name: "report.pdf", State: Done, Link: link, Updated: t0})
	if !r.copy.Visible() || r.copy.Text != "Copy link" {
		t.Fatalf("history row with a link: copy button visible=%v %q", r.copy.Visible(), r.copy.Text)
	}
	u.app.Clipboard().SetContent("something else")
	test.Tap(r.copy)
	if got := u.app.Clipboard().Content(); got != link {
		t.Fatalf("clipboard = %q after Copy link, want %q", got, link)
	}
	u.updateHistoryRow(r, Item{ID: 2, Name: "x", State: Done, Updated: t0})
	if r.copy.Visible() {
		t.Error("a row without a link offers Copy link")
	}
	u.updateHistoryRow(r, Item{ID: 1, Name: "report.pdf", State: Done, Link: link, Updated: t0})
	u.updateFailedRow(r, Item{ID: 3, Name: "y", State: Failed})
	if r.copy.Visible() {
		t.Error("a failed row reusing the template offers Copy link")
	}
}
