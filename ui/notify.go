package ui

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// Notifications are coalesced: finished uploads are counted per
// destination and announced together once things have been quiet for
// notifyQuiet (or at the latest after notifyMax), so a folder of 5,000 files
// is one notification, not 5,000. Turning a kind off drops it before it is
// counted: off means off.
const (
	notifyQuiet = 3 * time.Second
	notifyMax   = 30 * time.Second
)

// Notice is one desktop notification. Kind ("uploaded" or "failed")
// lets a sender replace the previous notice of the same kind instead of
// stacking a new one; Actions are offered where the notification server
// supports them. Link is the URL ActionCopyLink copies; a notice offers
// that action only when Link is set.
type Notice struct {
	Kind    string
	Title   string
	Body    string
	Actions []NoticeAction
	Link    string
}

// NoticeAction is a button on a notification.
type NoticeAction struct {
	Key   string // ActionShow, ActionRetry or ActionCopyLink
	Label string
}

// The notification actions; the app calls UI.NoticeAction with the key
// (and, for ActionCopyLink, the notice's Link).
const (
	ActionShow     = "show"
	ActionRetry    = "retry"
	ActionCopyLink = "copy-link"
)

// fyneNotice sends n through fyne (no replacement, no actions): the
// fallback when the app sets no sender of its own.
func fyneNotice(send func(*fyne.Notification)) func(Notice) {
	return func(n Notice) { send(fyne.NewNotification(n.Title, n.Body)) }
}

type notifier struct {
	send     func(Notice)
	settings func() Settings
	now      func() time.Time
	// failedTotal is what the window's Failed tab counts.
	failedTotal func() int

	mu       sync.Mutex     // guards everything below
	uploaded map[string]int // destination ("Target/top folder") -> count
	lastDone Item           // the latest item counted in uploaded
	failed   int
	failedBy map[string]int       // target -> failures in this batch
	reason   map[string]string    // target -> the latest failure's reason
	seen     map[uint64]ItemState // last state seen per item, so repeats are not counted
	first    time.Time            // first event of the pending batch
	last     time.Time            // latest event of the pending batch
}

func newNotifier(send func(Notice), settings func() Settings, now func() time.Time) *notifier {
	return &notifier{
		send: send, settings: settings, now: now, failedTotal: func() int { return 0 },
		uploaded: map[string]int{}, seen: map[uint64]ItemState{},
		failedBy: map[string]int{}, reason: map[string]string{},
	}
}

// observe counts an item that reached Done or Failed. Any goroutine.
func (n *notifier) observe(it Item) {
	n.mu.Lock()
	defer n.mu.Unlock()
	prev, known := n.seen[it.ID]
	if known && prev == it.State {
		return
	}
	n.seen[it.ID] = it.State
	if it.State != Done && it.State != Failed {
		return
	}
	st := n.settings()
	switch {
	case it.State == Done && st.NotifyUploaded:
		n.uploaded[destination(it)]++
		n.lastDone = it
	case it.State == Failed && st.NotifyFailed:
		n.failed++
		n.failedBy[it.Target]++
		if it.Reason != "" {
			n.reason[it.Target] = it.Reason
		}
	default:
		return
	}
	now := n.now()
	if n.first.IsZero() {
		n.first = now
	}
	n.last = now
}

// destination is where a notification says files went: the target and the
// first folder of the remote path.
func destination(it Item) string {
	remote := strings.TrimPrefix(it.Remote, it.Target+": ")
	top, _, _ := strings.Cut(remote, "/")
	if top == "" || top == path.Base(remote) {
		return it.Target
	}
	return it.Target + "/" + top
}

// flushDue sends the pending notifications if the batch is quiet or old
// enough. Any goroutine.
func (n *notifier) flushDue() {
	n.mu.Lock()
	now := n.now()
	if n.first.IsZero() || (now.Sub(n.last) < notifyQuiet && now.Sub(n.first) < notifyMax) {
		n.mu.Unlock()
		return
	}
	msgs := n.messages()
	n.uploaded, n.failed, n.first, n.last = map[string]int{}, 0, time.Time{}, time.Time{}
	n.lastDone = Item{}
	n.failedBy, n.reason = map[string]int{}, map[string]string{}
	if len(n.seen) > 100_000 { // forget old items; a repeat then costs one extra count at most
		n.seen = map[uint64]ItemState{}
	}
	n.mu.Unlock()
	for _, m := range msgs {
		n.send(m)
	}
}

// messages builds the notices for the pending batch: one for what was
// uploaded, one for what failed (naming the target and the reason, and
// counting what the window's Failed tab counts). Caller holds mu.
func (n *notifier) messages() []Notice {
	var msgs []Notice
	dests := make([]string, 0, len(n.uploaded))
	for d := range n.uploaded {
		dests = append(dests, d)
	}
	sort.Strings(dests)
	show := NoticeAction{Key: ActionShow, Label: "Show"}
	switch {
	case len(dests) == 1 && n.uploaded[dests[0]] == 1:
		// One file: the notice names it, and offers Copy link when the
		// service gave one. A batch of many files offers no Copy link:
		// which file's link it copied would be a guess the notice cannot
		// show (each link is in the history, on that file's row).
		one := Notice{
			Kind: "uploaded", Title: "Ferry: uploaded", Actions: []NoticeAction{show},
			Body: fmt.Sprintf("%s uploaded to %s", n.lastDone.Name, dests[0]),
		}
		if n.lastDone.Name == "" {
			one.Body = "1 file uploaded to " + dests[0]
		}
		if n.lastDone.Link != "" {
			one.Link = n.lastDone.Link
			one.Actions = append(one.Actions, NoticeAction{Key: ActionCopyLink, Label: "Copy link"})
		}
		msgs = append(msgs, one)
	case len(dests) == 1:
		msgs = append(msgs, Notice{
			Kind: "uploaded", Title: "Ferry: uploaded", Actions: []NoticeAction{show},
			Body: fmt.Sprintf("%s uploaded to %s", files(n.uploaded[dests[0]]), dests[0]),
		})
	case len(dests) > 1:
		total := 0
		for _, d := range dests {
			total += n.uploaded[d]
		}
		msgs = append(msgs, Notice{
			Kind: "uploaded", Title: "Ferry: uploaded", Actions: []NoticeAction{show},
			Body: fmt.Sprintf("%s uploaded to %d places: %s", files(total), len(dests), strings.Join(dests, ", ")),
		})
	}
	if n.failed > 0 {
		targets := make([]string, 0, len(n.failedBy))
		for t := range n.failedBy {
			targets = append(targets, t)
		}
		sort.Strings(targets)
		var lines []string
		for _, t := range targets {
			line := fmt.Sprintf("%s to %s", files(n.failedBy[t]), t)
			if r := n.reason[t]; r != "" {
				line += ": " + strings.TrimSuffix(r, ".")
			}
			lines = append(lines, line)
		}
		title := "Ferry: 1 upload failed"
		if n.failed > 1 {
			title = fmt.Sprintf("Ferry: %d uploads failed", n.failed)
		}
		body := strings.Join(lines, "\n")
		if total := n.failedTotal(); total > n.failed {
			body += fmt.Sprintf("\n%d in the Failed list in all", total)
		}
		msgs = append(msgs, Notice{
			Kind: "failed", Title: title, Body: body,
			Actions: []NoticeAction{show, {Key: ActionRetry, Label: "Retry"}},
		})
	}
	return msgs
}

func files(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}
