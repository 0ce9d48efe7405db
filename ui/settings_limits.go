package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/ferry-sync/ferry/transfer/bwtimetable"
)

// scheduleExample is the placeholder of the timetable entry.
const scheduleExample = "Mon-Fri 08:00,512k 18:00,off"

// timetableCheck checks a timetable as typed: "" for an empty entry (no
// timetable), else what it puts in force now, or the parse error.
func timetableCheck(spec string, now time.Time) (preview string, err error) {
	if spec == "" {
		return "", nil
	}
	tt, err := bwtimetable.Parse(spec)
	if err != nil {
		return "", err
	}
	rate, until := tt.At(now)
	return "Now: " + bwtimetable.Describe(rate, until, now), nil
}

// limitsSettings are the Transfers tab's bandwidth timetable and metered
// switch. The timetable is checked as the user types (the message under
// the entry says what is wrong, or what it puts in force now) and saved
// only by Apply, so a half-typed timetable is never applied.
func (u *UI) limitsSettings() *fyne.Container {
	st := u.be.Settings()
	entry := widget.NewEntry()
	entry.SetPlaceHolder(scheduleExample)
	entry.SetText(st.BandwidthSchedule)
	msg := widget.NewLabel("")
	msg.Wrapping = fyne.TextWrapWord
	apply := widget.NewButton("Apply timetable", nil)
	check := func(s string) {
		preview, err := timetableCheck(s, u.now())
		switch {
		case err != nil:
			msg.SetText(err.Error())
			msg.Importance = widget.DangerImportance
			apply.Disable()
		case s == "":
			msg.SetText("No timetable: the limit above holds at all times. " +
				"A timetable changes it by the hour, in rclone's --bwlimit syntax: " + scheduleExample)
			msg.Importance = widget.MediumImportance
			apply.Enable()
		default:
			msg.SetText(preview)
			msg.Importance = widget.MediumImportance
			apply.Enable()
		}
		apply.Refresh()
		msg.Refresh()
	}
	check(entry.Text)
	entry.Validator = func(s string) error { _, err := timetableCheck(s, u.now()); return err }
	entry.OnChanged = check
	apply.OnTapped = func() {
		cur := u.be.Settings()
		if cur.BandwidthSchedule != entry.Text {
			cur.BandwidthSchedule = entry.Text
			u.act("save settings", u.be.SaveSettings(cur))
		}
	}

	metered := widget.NewCheck("Pause uploads on a metered connection", nil)
	metered.SetChecked(st.PauseOnMetered && st.MeteredNote == "")
	box := container.NewVBox(widget.NewForm(widget.NewFormItem("Bandwidth timetable", entry)), msg, apply, metered)
	if st.MeteredNote != "" {
		metered.Disable()
		note := widget.NewLabel(st.MeteredNote)
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.WarningImportance
		box.Add(note)
	} else {
		metered.OnChanged = func(on bool) {
			cur := u.be.Settings()
			if cur.PauseOnMetered != on {
				cur.PauseOnMetered = on
				u.act("save settings", u.be.SaveSettings(cur))
			}
		}
	}
	return box
}
