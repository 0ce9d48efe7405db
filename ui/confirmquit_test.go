package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// tapDialogButton taps the button labelled text in w's top overlay.
func tapDialogButton(t *testing.T, w fyne.Window, text string) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog open")
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("the dialog has no %q button", text)
}

// TestConfirmQuitWithoutTray: closing the window without a tray asks;
// "Keep open" leaves Ferry running and the window shown, "Quit" quits.
func TestConfirmQuitWithoutTray(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("Ferry")
	w.Resize(fyne.NewSize(600, 400))
	quits := 0
	// What app/gui.go installs without a tray. fyne's test window does not
	// model the window manager's close button, so closeButton stands in.
	closeButton := func() { ConfirmQuit(w, func() { quits++ }) }
	w.SetCloseIntercept(closeButton)
	w.Show()

	closeButton() // asks instead of closing
	texts := ""
	for _, o := range test.LaidOutObjects(w.Canvas().Overlays().Top()) {
		if l, ok := o.(*widget.Label); ok {
			texts += l.Text
		}
	}
	if texts == "" || quits != 0 {
		t.Fatalf("closing did not ask (quits %d, dialog %q)", quits, texts)
	}
	tapDialogButton(t, w, "Keep open")
	if quits != 0 || w.Canvas().Overlays().Top() != nil {
		t.Fatalf("Keep open: quits %d, dialog still open %v", quits, w.Canvas().Overlays().Top() != nil)
	}
	closeButton()
	tapDialogButton(t, w, "Quit")
	if quits != 1 {
		t.Errorf("Quit: quit called %d times, want 1", quits)
	}
}
