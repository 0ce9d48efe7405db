//go:build windows

package metered

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// On a Windows with the connectivity hint the detector follows it; on an
// older one (or a Wine without it) it says why it cannot tell, and never
// crashes. Either way Close ends Changes.
func TestNewWindows(t *testing.T) {
	d := New()
	if err := d.Supported(); err != nil {
		if procGetHint.Find() == nil && procNotifyHint.Find() == nil {
			t.Fatalf("the system has the hint functions but the detector says: %v", err)
		}
		if !strings.Contains(err.Error(), "needs Windows 10 version 2004 or newer") || d.State() != Unknown {
			t.Fatalf("unsupported: reason %q, state %v", err, d.State())
		}
		t.Logf("unsupported here: %v", err)
	} else {
		t.Logf("supported; state %v", d.State())
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-d.Changes():
		if ok {
			t.Fatal("Changes delivered after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not close Changes")
	}
}

// The callback, called through the system's calling convention with the
// context and the hint's words, wakes its own detector's loop only, and
// ignores a context it does not know.
func TestHintChangedCallback(t *testing.T) {
	d := &hintDetector{kick: make(chan struct{}, 1)}
	callbacksMu.Lock()
	lastID++
	d.id = lastID
	callbacks[d.id] = d
	callbacksMu.Unlock()
	defer d.forget()
	callbackOnce.Do(func() { callback = syscall.NewCallback(hintChanged) })

	if r, _, _ := syscall.SyscallN(callback, d.id+1000, 1, 2, 3); r != 0 {
		t.Fatalf("callback returned %d", r)
	}
	select {
	case <-d.kick:
		t.Fatal("a foreign context woke this detector")
	default:
	}
	for range 2 { // a second wake-up while one is pending must not block
		syscall.SyscallN(callback, d.id, 1, 2, 3)
	}
	select {
	case <-d.kick:
	default:
		t.Fatal("the callback did not wake the detector")
	}
}
