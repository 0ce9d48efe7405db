package app

import (
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// TestTerminalReasonsGiveNoDesktopAdvice: what `ferry upload` and `ferry
// watch` print for a failed file names commands, never buttons or windows,
// and a read-only share is not called a login problem.
func TestTerminalReasonsGiveNoDesktopAdvice(t *testing.T) {
	kinds := []string{
		transfer.KindRetryable, transfer.KindAuth, transfer.KindConflict, transfer.KindTooLarge, transfer.KindQuota,
		transfer.KindPermanent, transfer.KindSession, transfer.KindConfig, transfer.KindUnreadable,
		transfer.KindNotRegular, transfer.KindChanged, transfer.KindVanished, "something new",
	}
	for _, k := range kinds {
		got := terminalReason(queue.Job{Target: "work", ErrKind: k, ErrMsg: "HTTP 500"})
		low := strings.ToLower(got)
		for _, gui := range []string{"press", "retry button", "settings", "click"} {
			if strings.Contains(low, gui) {
				t.Errorf("%s: %q gives desktop advice (%q)", k, got, gui)
			}
		}
		if !strings.HasSuffix(got, "(HTTP 500)") {
			t.Errorf("%s: %q lacks the technical message", k, got)
		}
	}
	ro := terminalReason(queue.Job{
		Target: "share", ErrKind: transfer.KindAuth,
		ErrMsg: "put chunk: HTTP 403: the share link only allows viewing (visitor permission); use an editor link: Access Denied",
	})
	if !strings.Contains(ro, "only allows viewing") || strings.Contains(ro, "login") {
		t.Errorf("read-only share: %q", ro)
	}
}

// TestSizeTextUnits: one unit system, no "1002.9 KiB", no "0.0 b".
func TestSizeTextUnits(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1_026_969: "1.0 MiB", 1000 * 1024: "1.0 MiB",
		999 * 1024: "999.0 KiB", 5 << 30: "5.0 GiB",
	} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}
