package ui

import (
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// row is the reusable template of one list line. Lists are virtualised:
// only visible rows exist, and update fills a row from an item.
type row struct {
	name     *widget.Label
	remote   *widget.Label
	detail   *widget.Label
	progress *widget.ProgressBar
	primary  *widget.Button
	second   *widget.Button
	details  *widget.Button // the row's full text, when there is any
	copy     *widget.Button // "Copy link" of a history row with a link
	box      *fyne.Container
}

func newRow() *row {
	r := &row{
		name:     widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		remote:   widget.NewLabel(""),
		detail:   widget.NewLabel(""),
		progress: widget.NewProgressBar(),
		primary:  widget.NewButton("", nil),
		second:   widget.NewButton("", nil),
		details:  widget.NewButtonWithIcon("", theme.InfoIcon(), nil),
		copy:     widget.NewButtonWithIcon("Copy link", theme.ContentCopyIcon(), nil),
	}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.remote.Truncation = fyne.TextTruncateEllipsis
	r.detail.Truncation = fyne.TextTruncateEllipsis
	r.remote.Importance = widget.LowImportance
	r.details.Hide()
	r.copy.Hide()
	buttons := container.NewHBox(r.details, r.primary, r.second, r.copy)
	text := container.NewVBox(r.name, r.remote, r.detail)
	r.box = container.NewBorder(nil, r.progress, nil, container.NewCenter(buttons), text)
	return r
}

// The three kinds of list share the row template and differ in what update
// shows and what the buttons do.

func (u *UI) updateActiveRow(r *row, it Item) {
	r.name.SetText(it.Name)
	r.remote.SetText("→ " + it.Remote)
	if it.State == Uploading || it.Bytes > 0 {
		r.progress.Show()
	} else {
		r.progress.Hide()
	}
	if it.Total > 0 {
		r.progress.SetValue(float64(it.Bytes) / float64(it.Total))
	} else {
		r.progress.SetValue(0)
	}
	st := u.model.currentStatus()
	down := st.TargetDown(it.Target)
	switch {
	case st.TargetHeld(it.Target) && it.State != Uploading:
		r.detail.SetText("Paused: " + st.Held)
	case it.Paused || (st.PausedAt(u.now()) && it.State != Uploading):
		r.detail.SetText("Paused")
	case it.State == Uploading && it.Bytes == 0 && down:
		r.detail.SetText("Waiting for server")
	case it.State == Uploading && it.Bytes == 0 && it.Speed == 0:
		r.detail.SetText("Connecting · " + humanBytes(it.Total))
	case it.State == Uploading:
		r.detail.SetText(fmt.Sprintf("%s of %s · %s · %s",
			humanBytes(it.Bytes), humanBytes(it.Total), humanSpeed(it.Speed), humanETA(it.ETA)))
	case it.ServerWait || down:
		r.detail.SetText("Waiting for server · " + it.Reason)
	case it.Reason != "":
		r.detail.SetText(it.Reason)
	default:
		r.detail.SetText("Waiting · " + humanBytes(it.Total))
	}
	u.setDetails(r, it, r.detail.Text)
	id := it.ID
	r.primary.SetText("Retry now")
	r.primary.SetIcon(theme.ViewRefreshIcon())
	r.primary.OnTapped = func() { u.act("retry", u.be.Retry(id)) }
	if it.State == Uploading {
		r.primary.Hide()
	} else {
		r.primary.Show()
	}
	r.second.SetText("Cancel")
	r.second.SetIcon(theme.CancelIcon())
	r.second.OnTapped = func() { u.act("cancel", u.be.Cancel(id)) }
	r.second.Show()
	r.copy.Hide()
	r.box.Refresh() // buttons changed size: lay the row out again
}

func (u *UI) updateFailedRow(r *row, it Item) {
	r.name.SetText(it.Name)
	r.remote.SetText("→ " + it.Remote)
	r.progress.Hide()
	// The plain words first; the server's own message is behind Details.
	text := it.Reason
	if it.Advice != "" {
		text = it.Advice
	}
	r.detail.SetText(text)
	u.setDetails(r, it, text)
	id := it.ID
	r.primary.SetText("Retry")
	r.primary.SetIcon(theme.ViewRefreshIcon())
	r.primary.OnTapped = func() { u.act("retry", u.be.Retry(id)) }
	r.primary.Show()
	r.second.SetText("Cancel")
	r.second.SetIcon(theme.CancelIcon())
	r.second.OnTapped = func() { u.act("cancel", u.be.Cancel(id)) }
	r.second.Show()
	r.copy.Hide()
	r.box.Refresh() // buttons changed size: lay the row out again
}

func (u *UI) updateHistoryRow(r *row, it Item) {
	r.name.SetText(it.Name)
	r.remote.SetText("→ " + it.Remote)
	r.progress.Hide()
	when := it.Updated.Local().Format("Jan 2 15:04")
	switch {
	case it.State == Cancelled:
		r.detail.SetText("Cancelled · " + when)
	case it.Warning != "":
		r.detail.SetText(fmt.Sprintf("%s · %s · %s", humanBytes(it.Total), when, it.Warning))
	default:
		r.detail.SetText(fmt.Sprintf("%s · uploaded %s", humanBytes(it.Total), when))
	}
	u.setDetails(r, it, r.detail.Text)
	dir := filepath.Dir(it.LocalPath)
	r.primary.SetText("Show file")
	r.primary.SetIcon(theme.FolderOpenIcon())
	r.primary.OnTapped = func() { u.openLocal(dir) }
	r.primary.Show()
	if it.Link != "" {
		link := it.Link
		r.second.SetText("Open link")
		r.second.SetIcon(theme.ComputerIcon())
		r.second.OnTapped = func() { u.openLink(link) }
		r.second.Show()
		r.copy.OnTapped = func() { u.copyLink(link) }
		r.copy.Show()
	} else {
		r.second.Hide()
		r.copy.Hide()
	}
	r.box.Refresh()
}

// setDetails offers the row's whole text (its warning, reason and advice,
// never cut off) behind the details button when the row has any.
func (u *UI) setDetails(r *row, it Item, shown string) {
	var parts []string
	for _, p := range []string{it.Reason, it.Advice, it.Warning} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		r.details.Hide()
		return
	}
	full := strings.Join(parts, "\n\n")
	name := it.Name
	r.details.OnTapped = func() { u.showText(name, shown, full) }
	r.details.Show()
}

// showText shows text in full, wrapped, in a dialog titled title, with
// details below in a selectable (copyable) text.
func (u *UI) showText(title, text, details string) {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	raw := widget.NewMultiLineEntry()
	raw.SetText(details)
	raw.Wrapping = fyne.TextWrapWord
	raw.OnChanged = func(s string) { // for reading and copying only
		if s != details {
			raw.SetText(details)
		}
	}
	d := dialog.NewCustom(title, "Close", container.NewBorder(l, nil, nil, nil, raw), u.win)
	d.Resize(fyne.NewSize(520, 320))
	d.Show()
}

func (u *UI) openLocal(dir string) {
	u.openLink(fileURL(runtime.GOOS, dir))
}

// copyLink puts link on the system clipboard.
func (u *UI) copyLink(link string) {
	u.app.Clipboard().SetContent(link)
}

func (u *UI) openLink(link string) {
	parsed, err := url.Parse(link)
	if err != nil {
		u.showError(fmt.Errorf("open %q: %w", link, err))
		return
	}
	open := u.app.OpenURL
	if u.openURL != nil {
		open = u.openURL
	}
	if err := open(parsed); err != nil {
		u.showError(fmt.Errorf("open %s: %w", link, err))
	}
}
