package ui

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Opening the settings window and every tab only reads: a widget being
// populated never saves (a save while building wrote the app's copy of the
// config over changes made elsewhere).
func TestOpeningSettingsTabsSavesNothing(t *testing.T) {
	for _, st := range []Settings{
		{ParallelFiles: 4, NotifyUploaded: true, NotifyFailed: true, StartAtLogin: true, Bandwidth: 1 << 20},
		{ParallelFiles: 8},
	} {
		be := newFakeBackend()
		be.settings = st
		u := newTestUI(t, be)
		u.ShowSettings()
		tabs := u.settingsTabs
		for i := range tabs.Items {
			tabs.SelectIndex(i)
		}
		u.ConfigChanged() // a change made elsewhere rebuilds the open window
		for i := range u.settingsTabs.Items {
			u.settingsTabs.SelectIndex(i)
		}
		if slices.Contains(be.Calls(), "save settings") {
			t.Fatalf("settings %+v: opening the tabs saved: %v", st, be.Calls())
		}
		// A real change still saves.
		u.settingsTabs.SelectIndex(3)
		box := u.settingsTabs.Items[3].Content.(*fyne.Container)
		test.Tap(box.Objects[0].(*widget.Check))
		if !slices.Contains(be.Calls(), "save settings") {
			t.Fatalf("settings %+v: ticking a switch did not save", st)
		}
	}
}
