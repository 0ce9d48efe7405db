package ui

import (
	"errors"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// ErrFolderMissing marks a SaveFolder refusal for a folder that does not
// exist; the form then offers to create it (Folder.Create).
var ErrFolderMissing = errors.New("the folder does not exist")

// showProblem shows a failed action in w: the reason in plain words first
// (without the prefixes the layers below add), the full error behind
// "Details" (copyable). what names the action and is the title.
func (u *UI) showProblem(w fyne.Window, what string, err error) {
	p := problemOf(err)
	reason := p.Reason
	if p.Details == "" {
		reason, p.Details = plainReason(what, err.Error()), err.Error()
		if reason == p.Details {
			p.Details = ""
		}
	}
	v := newProblemView()
	v.show(&Problem{Reason: reason, Details: p.Details})
	v.reason.Importance = 0
	d := dialog.NewCustom(sentence(what), "Close", v.box, w)
	d.Resize(fyne.NewSize(min(w.Canvas().Size().Width, 480), 0))
	d.Show()
}

// plainReason drops the "what: " prefixes (any case, repeated) from msg
// and starts it with a capital: "watch folder: watch folder: x is not a
// folder" reads "X is not a folder".
func plainReason(what, msg string) string {
	for {
		rest, ok := cutPrefixFold(msg, what+": ")
		if !ok {
			break
		}
		msg = rest
	}
	return sentence(msg)
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// sentence capitalises s's first letter.
func sentence(s string) string {
	for i, r := range s {
		return s[:i] + string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}
