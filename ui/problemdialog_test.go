package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestPlainReasonDropsRepeatedPrefixes(t *testing.T) {
	for in, want := range map[string]string{
		"watch folder: watch folder: /x is not a folder": "/x is not a folder",
		"Watch folder: the target is gone":               "The target is gone",
		"a plain message":                                "A plain message",
	} {
		if got := plainReason("watch folder", in); got != want {
			t.Errorf("plainReason(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWatchingAMissingFolderOffersToCreateIt: the form asks, and Yes
// saves the folder with Create set; the error dialog never doubles the
// action's name.
func TestWatchingAMissingFolderOffersToCreateIt(t *testing.T) {
	be := newFakeBackend()
	u := newTestUI(t, be)
	saved := false
	u.saveFolder(u.win, Folder{Name: "out", Path: "/home/ana/missing", Target: "work", Enabled: true}, func() { saved = true })
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no question asked")
	}
	var yes *widget.Button
	text := ""
	for _, o := range test.LaidOutObjects(top) {
		switch w := o.(type) {
		case *widget.Button:
			if w.Text == "Yes" {
				yes = w
			}
		case *widget.Label:
			text += w.Text
		}
	}
	if yes == nil || !strings.Contains(text, "does not exist. Create it") {
		t.Fatalf("question %q, yes button %v", text, yes != nil)
	}
	test.Tap(yes)
	if !saved || len(be.folders) != 1 || !be.folders[0].Create {
		t.Errorf("after Yes: saved=%v folders=%+v", saved, be.folders)
	}
}
