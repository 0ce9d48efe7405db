package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// OfferFirstRun shows, when no target is configured, an offer to try Ferry
// against a local sandbox server with a watched folder, so a newcomer sees
// the whole pipeline work before entering real credentials. It reports
// whether the offer was shown.
func (u *UI) OfferFirstRun() bool {
	if len(u.be.Targets()) > 0 {
		return false
	}
	text := widget.NewLabel("Ferry uploads files to Quatrix, Twake, files.ro and SelfCommunity.\n\n" +
		"To see how it works before entering an account, Ferry can start a test server on this " +
		"computer and upload to it. Everything stays on this machine.")
	text.Wrapping = fyne.TextWrapWord
	watch := widget.NewCheck("Also create a folder to watch: files put there are uploaded", nil)
	watch.SetChecked(true)
	d := dialog.NewCustomConfirm("Welcome to Ferry", "Try it", "Add my account",
		container.NewVBox(text, watch), func(try bool) {
			if !try {
				u.ShowSettings()
				return
			}
			folder, err := u.be.SetupSandbox(watch.Checked)
			if err != nil {
				u.showError(err)
				return
			}
			msg := "A local test target named \"sandbox\" is ready. Drop files on this window to upload them."
			if folder != "" {
				msg += "\n\nFiles you put in " + folder + " are uploaded automatically."
				u.openLocal(folder)
			}
			dialog.ShowInformation("Ready", msg, u.win)
		}, u.win)
	d.Resize(fyne.NewSize(520, 280))
	d.Show()
	return true
}
