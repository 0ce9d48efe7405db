package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// bannerMin is how many failed files must share a target and a reason
// before they are shown as one problem (a target down, a key refused).
const bannerMin = 3

// problemGroup is many failed items with one cause.
type problemGroup struct {
	target, reason, advice string
	ids                    []uint64
}

// commonProblem returns the largest group of at least bannerMin failed
// items with the same target and reason, or ok=false.
func commonProblem(failed []Item) (g problemGroup, ok bool) {
	groups := map[[2]string]*problemGroup{}
	for _, it := range failed {
		// The advice names the cause (one per error kind); the raw
		// reason differs per file (its name, its chunk).
		k := [2]string{it.Target, it.Advice}
		if it.Advice == "" {
			k[1] = it.Reason
		}
		if groups[k] == nil {
			groups[k] = &problemGroup{target: it.Target, reason: it.Reason, advice: it.Advice}
		}
		groups[k].ids = append(groups[k].ids, it.ID)
	}
	for _, c := range groups {
		if len(c.ids) >= bannerMin && len(c.ids) > len(g.ids) {
			g, ok = *c, true
		}
	}
	return g, ok
}

// banner is the one line for a problem many files share, with one action.
type banner struct {
	text  *widget.Label
	retry *widget.Button
	box   *fyne.Container
	ids   []uint64
}

func (u *UI) newBanner() *banner {
	b := &banner{text: widget.NewLabel("")}
	b.text.Wrapping = fyne.TextWrapWord
	b.text.Importance = widget.DangerImportance
	b.retry = widget.NewButtonWithIcon("Retry them", theme.ViewRefreshIcon(), func() {
		for _, id := range b.ids {
			if err := u.be.Retry(id); err != nil {
				u.act("retry", err)
				return
			}
		}
	})
	b.box = container.NewBorder(nil, nil, nil, b.retry, b.text)
	b.box.Hide()
	return b
}

// show sets the banner for failed (hidden when no problem is shared).
func (b *banner) show(failed []Item) {
	g, ok := commonProblem(failed)
	if !ok {
		b.box.Hide()
		b.ids = nil
		return
	}
	b.ids = g.ids
	text := fmt.Sprintf("%d uploads to %s failed for the same reason: %s", len(g.ids), g.target, g.advice)
	if g.advice == "" {
		text = fmt.Sprintf("%d uploads to %s failed for the same reason: %s", len(g.ids), g.target, g.reason)
	}
	if b.text.Text != text {
		b.text.SetText(text)
	}
	b.box.Show()
}

// folderProblems lists the watched folders that do not work, in words
// ("Folder out: failed: the folder is missing"), sorted by name.
func folderProblems(folders []Folder) []string {
	var out []string
	for _, f := range folders {
		if !f.Enabled || f.Health == "" || f.Health == "ok" || f.Health == "off" ||
			f.Health == "starting" || f.Health == "scanning" {
			continue
		}
		out = append(out, "Folder "+f.Name+" ("+f.Path+"): "+f.Health)
	}
	sort.Strings(out)
	return out
}

// refreshFolders shows the watched folders' health in the main window and
// the tray and updates the tray's folder list. UI goroutine.
func (u *UI) refreshFolders() {
	folders := u.be.Folders()
	problems := folderProblems(folders)
	text := strings.Join(problems, "\n")
	if u.folderHealth.Text != text {
		u.folderHealth.SetText(text)
	}
	if text == "" {
		u.folderHealth.Hide()
	} else {
		u.folderHealth.Show()
	}
	u.folderIssues = len(problems)
	if u.tray != nil {
		u.tray.setFolderList(folders)
		u.tray.update(u.model.currentStatus(), u.now())
	}
}

// trayStatus is the tray's tooltip and status line: what Ferry does now.
func (u *UI) trayStatus(st Status, now time.Time) string {
	var parts []string
	switch {
	case st.PausedAt(now) && !st.PausedUntil.IsZero():
		parts = append(parts, "Paused until "+st.PausedUntil.Local().Format("15:04"))
	case st.PausedAt(now):
		parts = append(parts, "Paused")
	case st.Uploading > 0:
		var left int64
		for _, it := range u.model.active {
			left += max(0, it.Total-it.Bytes)
		}
		n := st.Uploading + st.Waiting
		parts = append(parts, fmt.Sprintf("Uploading %s, %s left", files(n), humanBytes(left)))
	case st.Waiting > 0:
		parts = append(parts, files(st.Waiting)+" waiting")
	}
	if st.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", st.Failed))
	}
	if st.Unreachable != "" {
		parts = append(parts, "cannot reach "+st.Unreachable)
	}
	if u.folderIssues == 1 {
		parts = append(parts, "1 folder not watched")
	} else if u.folderIssues > 1 {
		parts = append(parts, fmt.Sprintf("%d folders not watched", u.folderIssues))
	}
	if len(parts) == 0 {
		return "Up to date"
	}
	return strings.Join(parts, " · ")
}
