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

type notifier struct {
	send     func(*fyne.Notification) // the app's SendNotification
	settings func() Settings
	now      func() time.Time

	mu       sync.Mutex     // guards everything below
	uploaded map[string]int // destination ("Target/top folder") -> count
	failed   int
	seen     map[uint64]ItemState // last state seen per item, so repeats are not counted
	first    time.Time            // first event of the pending batch
	last     time.Time            // latest event of the pending batch
}

func newNotifier(send func(*fyne.Notification), settings func() Settings, now func() time.Time) *notifier {
	return &notifier{
		send: send, settings: settings, now: now,
		uploaded: map[string]int{}, seen: map[uint64]ItemState{},
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
	case it.State == Failed && st.NotifyFailed:
		n.failed++
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
	if len(n.seen) > 100_000 { // forget old items; a repeat then costs one extra count at most
		n.seen = map[uint64]ItemState{}
	}
	n.mu.Unlock()
	for _, m := range msgs {
		n.send(fyne.NewNotification("Ferry", m))
	}
}

// messages builds the texts for the pending batch. Caller holds mu.
func (n *notifier) messages() []string {
	var msgs []string
	dests := make([]string, 0, len(n.uploaded))
	for d := range n.uploaded {
		dests = append(dests, d)
	}
	sort.Strings(dests)
	switch {
	case len(dests) == 1:
		msgs = append(msgs, fmt.Sprintf("%s uploaded to %s", files(n.uploaded[dests[0]]), dests[0]))
	case len(dests) > 1:
		total := 0
		for _, d := range dests {
			total += n.uploaded[d]
		}
		msgs = append(msgs, fmt.Sprintf("%s uploaded to %d places", files(total), len(dests)))
	}
	if n.failed == 1 {
		msgs = append(msgs, "1 upload needs attention")
	} else if n.failed > 1 {
		msgs = append(msgs, fmt.Sprintf("%d uploads need attention", n.failed))
	}
	return msgs
}

func files(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}
