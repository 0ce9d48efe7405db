package ui

import (
	"fmt"
	"testing"
	"time"
)

func TestNotificationsAreCoalesced(t *testing.T) {
	now := t0
	settings := Settings{NotifyUploaded: true, NotifyFailed: true}
	var sent []string
	n := newNotifier(func(x Notice) { sent = append(sent, x.Body) },
		func() Settings { return settings }, func() time.Time { return now })

	for i := range 42 {
		n.observe(Item{ID: uint64(i + 1), Target: "Quatrix", Remote: "Quatrix: Projects/a/f.txt", State: Done})
		n.observe(Item{ID: uint64(i + 1), Target: "Quatrix", Remote: "Quatrix: Projects/a/f.txt", State: Done}) // repeat
	}
	n.observe(Item{ID: 100, Target: "work", State: Failed, Reason: "The server refused the login."})
	n.observe(Item{ID: 101, Target: "work", State: Failed, Reason: "The server refused the login."})
	now = now.Add(time.Second)
	n.flushDue()
	if len(sent) != 0 {
		t.Fatalf("sent %q before the batch went quiet", sent)
	}
	now = now.Add(notifyQuiet)
	n.flushDue()
	want := []string{"42 files uploaded to Quatrix/Projects", "2 files to work: The server refused the login"}
	if fmt.Sprint(sent) != fmt.Sprint(want) {
		t.Fatalf("sent %q, want %q", sent, want)
	}
	n.flushDue()
	if len(sent) != 2 {
		t.Fatalf("a flush without news sent %q", sent[2:])
	}
}

func TestNotificationsFlushAtTheLatestAfterMax(t *testing.T) {
	now := t0
	var sent []string
	n := newNotifier(func(x Notice) { sent = append(sent, x.Body) },
		func() Settings { return Settings{NotifyUploaded: true} }, func() time.Time { return now })
	for i := range 40 { // a steady trickle never goes quiet
		n.observe(Item{ID: uint64(i + 1), Target: "t", Remote: "t: f", State: Done})
		now = now.Add(time.Second)
		n.flushDue()
	}
	if len(sent) != 1 || sent[0] != "30 files uploaded to t" {
		t.Fatalf("sent %q, want one summary after %s", sent, notifyMax)
	}
}

func TestNotificationsOffMeansOff(t *testing.T) {
	now := t0
	var sent []string
	n := newNotifier(func(x Notice) { sent = append(sent, x.Body) },
		func() Settings { return Settings{} }, func() time.Time { return now })
	for i := range 5000 {
		n.observe(Item{ID: uint64(i + 1), State: Done})
		n.observe(Item{ID: uint64(i + 10_000), State: Failed})
	}
	now = now.Add(time.Hour)
	n.flushDue()
	if len(sent) != 0 {
		t.Fatalf("notifications off, yet sent %q", sent)
	}
}

// TestFailureNoticeNamesTargetReasonAndWindowCount: a failure notice says
// where and why, counts what the Failed tab counts, has one kind (so the
// sender replaces the previous one) and offers Show and Retry.
func TestFailureNoticeNamesTargetReasonAndWindowCount(t *testing.T) {
	now := t0
	var sent []Notice
	n := newNotifier(func(x Notice) { sent = append(sent, x) },
		func() Settings { return Settings{NotifyFailed: true} }, func() time.Time { return now })
	n.failedTotal = func() int { return 7 }
	n.observe(Item{ID: 1, Target: "share", State: Failed, Reason: "The share link only allows viewing."})
	n.observe(Item{ID: 2, Target: "work", State: Failed, Reason: "The server could not be reached."})
	now = now.Add(notifyQuiet)
	n.flushDue()
	if len(sent) != 1 {
		t.Fatalf("sent %+v", sent)
	}
	got := sent[0]
	want := "1 file to share: The share link only allows viewing\n1 file to work: The server could not be reached\n7 in the Failed list in all"
	if got.Kind != "failed" || got.Title != "Ferry: 2 uploads failed" || got.Body != want {
		t.Errorf("notice %+v", got)
	}
	if len(got.Actions) != 2 || got.Actions[0].Key != ActionShow || got.Actions[1].Key != ActionRetry {
		t.Errorf("actions %+v", got.Actions)
	}
}

// TestUploadNoticeOffersCopyLinkForOneFileWithALink: a batch of one file
// names it and, when the service gave a link, offers Copy link carrying
// that link; without a link, or for a batch of many files, it does not.
// Invoking the action puts the link on the clipboard.
func TestUploadNoticeOffersCopyLinkForOneFileWithALink(t *testing.T) {
	const link = "https://files.example/s/abc123/report.pdf"
	now := t0
	var sent []Notice
	n := newNotifier(func(x Notice) { sent = append(sent, x) },
		func() Settings { return Settings{NotifyUploaded: true} }, func() time.Time { return now })
	batch := func(items ...Item) Notice {
		t.Helper()
		sent = nil
		for _, it := range items {
			n.observe(it)
		}
		now = now.Add(notifyQuiet)
		n.flushDue()
		if len(sent) != 1 {
			t.Fatalf("sent %+v", sent)
		}
		return sent[0]
	}
	keys := func(x Notice) (k []string) {
		for _, a := range x.Actions {
			k = append(k, a.Key)
		}
		return k
	}

	one := batch(Item{ID: 1, Name: "report.pdf", Target: "work", Remote: "work: report.pdf", State: Done, Link: link})
	if one.Body != "report.pdf uploaded to work" || one.Link != link ||
		fmt.Sprint(keys(one)) != fmt.Sprint([]string{ActionShow, ActionCopyLink}) {
		t.Errorf("one file with a link: %+v", one)
	}
	if x := batch(Item{ID: 2, Name: "a.txt", Target: "work", Remote: "work: a.txt", State: Done}); x.Link != "" ||
		fmt.Sprint(keys(x)) != fmt.Sprint([]string{ActionShow}) {
		t.Errorf("one file without a link: %+v", x)
	}
	if x := batch(
		Item{ID: 3, Name: "b.txt", Target: "work", Remote: "work: b.txt", State: Done, Link: link + "b"},
		Item{ID: 4, Name: "c.txt", Target: "work", Remote: "work: c.txt", State: Done, Link: link + "c"},
	); x.Link != "" || x.Body != "2 files uploaded to work" || fmt.Sprint(keys(x)) != fmt.Sprint([]string{ActionShow}) {
		t.Errorf("two files with links: %+v", x)
	}

	u := newTestUI(t, newFakeBackend())
	u.app.Clipboard().SetContent("something else")
	u.NoticeAction(ActionCopyLink, one.Link)
	if got := u.app.Clipboard().Content(); got != link {
		t.Fatalf("clipboard = %q after the notice's Copy link, want %q", got, link)
	}
}
