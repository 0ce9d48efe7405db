//go:build windows

package metered

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// iphlpapi's connectivity hint (Windows 10 version 2004, build 19041):
// GetNetworkConnectivityHint fills an NL_NETWORK_CONNECTIVITY_HINT;
// NotifyNetworkConnectivityHintChange calls back on each change until
// CancelMibChangeNotify2. An older Windows lacks both, which Find tells.
var (
	iphlpapi       = windows.NewLazySystemDLL("iphlpapi.dll")
	procGetHint    = iphlpapi.NewProc("GetNetworkConnectivityHint")
	procNotifyHint = iphlpapi.NewProc("NotifyNetworkConnectivityHintChange")
)

const (
	winCannotTell = "Ferry cannot tell on this system whether the connection is metered"
	winTooOld     = winCannotTell + ": this needs Windows 10 version 2004 or newer"
)

// New returns the system's detector: Windows' connectivity hint, or one
// that cannot tell (with the reason) on a Windows without it.
func New() Detector {
	d, err := newHintDetector()
	if err != nil {
		return Unsupported(err)
	}
	return d
}

// hintDetector follows Windows' connectivity cost hint.
type hintDetector struct {
	*latest
	id     uintptr        // its key in callbacks, the callback's context
	handle windows.Handle // the notification, for CancelMibChangeNotify2
	kick   chan struct{}  // one slot: the system said the hint changed
	done   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
}

// One callback serves every detector (windows.NewCallback's callbacks are
// limited in number and never freed); it finds its detector by the
// context the system passes back, a key here rather than a Go pointer
// (the system keeps it after the call returns).
var (
	callbackOnce sync.Once
	callback     uintptr
	callbacksMu  sync.Mutex
	callbacks    = map[uintptr]*hintDetector{}
	lastID       uintptr
)

// hintChanged is the PNETWORK_CONNECTIVITY_HINT_CHANGE_CALLBACK
// (WINAPI; PVOID CallerContext, NL_NETWORK_CONNECTIVITY_HINT by value).
// Each architecture passes that 12-byte struct its own way (by reference
// on amd64, in two registers on arm64, as three stack words on 386), so
// the callback takes the context and three words, which is exactly what
// the 386 callee must pop and harmless where the caller cleans up; it
// ignores the hint and wakes the loop, which asks GetNetworkConnectivityHint.
func hintChanged(ctx, _, _, _ uintptr) uintptr {
	callbacksMu.Lock()
	d := callbacks[ctx]
	callbacksMu.Unlock()
	if d != nil {
		select {
		case d.kick <- struct{}{}:
		default: // a wake-up is pending: the loop reads the newest hint
		}
	}
	return 0
}

func newHintDetector() (*hintDetector, error) {
	for _, p := range []*windows.LazyProc{procGetHint, procNotifyHint} {
		if p.Find() != nil { // not in iphlpapi.dll: a Windows before 10 version 2004
			return nil, errors.New(winTooOld)
		}
	}
	callbackOnce.Do(func() { callback = windows.NewCallback(hintChanged) })
	d := &hintDetector{kick: make(chan struct{}, 1), done: make(chan struct{})}
	callbacksMu.Lock()
	lastID++
	d.id = lastID
	callbacks[d.id] = d
	callbacksMu.Unlock()
	// Subscribe before reading, so no change falls between the two (no
	// initial notification: the read below is it).
	if r, _, _ := procNotifyHint.Call(callback, d.id, 0, uintptr(unsafe.Pointer(&d.handle))); r != 0 {
		d.forget()
		return nil, fmt.Errorf("%s: NotifyNetworkConnectivityHintChange failed (%v)", winCannotTell, syscall.Errno(r))
	}
	s, err := readHint()
	if err != nil {
		_ = windows.CancelMibChangeNotify2(d.handle)
		d.forget()
		return nil, fmt.Errorf("%s: %v", winCannotTell, err)
	}
	d.latest = newLatest(s)
	d.wg.Add(1)
	go d.loop()
	return d, nil
}

// readHint asks the system for the connectivity hint and decides.
func readHint() (State, error) {
	var h costHint
	if r, _, _ := procGetHint.Call(uintptr(unsafe.Pointer(&h))); r != 0 {
		return Unknown, fmt.Errorf("GetNetworkConnectivityHint failed (%v)", syscall.Errno(r))
	}
	return fromCostHint(h), nil
}

func (d *hintDetector) forget() {
	callbacksMu.Lock()
	delete(callbacks, d.id)
	callbacksMu.Unlock()
}

func (d *hintDetector) loop() {
	defer d.wg.Done()
	for {
		select {
		case <-d.done:
			return
		case <-d.kick:
			s, err := readHint()
			if err != nil {
				s = Unknown // never pause on a hint the system cannot give
			}
			d.set(s)
		}
	}
}

// Supported is nil: the system gave a hint.
func (d *hintDetector) Supported() error { return nil }

// State is the latest state the hint gave.
func (d *hintDetector) State() State { return d.get() }

// Changes delivers new states; closed by Close.
func (d *hintDetector) Changes() <-chan State { return d.changes }

// Close stops following. A callback still running after
// CancelMibChangeNotify2 finds no detector, or fills the kick slot, which
// is never closed: neither can crash or reach the closed Changes.
func (d *hintDetector) Close() error {
	var err error
	d.once.Do(func() {
		err = windows.CancelMibChangeNotify2(d.handle)
		d.forget()
		close(d.done)
		d.wg.Wait()
		close(d.changes)
	})
	return err
}

var _ Detector = (*hintDetector)(nil)
