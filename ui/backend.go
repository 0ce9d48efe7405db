// Package ui is Ferry's desktop interface: the tray, the main window with the
// transfer list, the drop confirmation, settings and coalesced
// notifications. It knows nothing about queues, watchers or providers: it
// talks to the rest of Ferry only through the Backend interface below, which
// the app package implements on top of the engine. Every update that arrives
// from a background goroutine reaches widgets through fyne.Do.
package ui

import (
	"context"
	"strings"
	"time"
)

// Backend is everything the interface needs from the engine, the config and
// the secrets store. Methods may block briefly (a database write); the UI
// calls them from event handlers. Watch callbacks arrive on any goroutine.
type Backend interface {
	// Items returns the current jobs and the recent history, newest last.
	Items() []Item
	// Status returns the global figures shown in the toolbar and the tray.
	Status() Status
	// Watch registers fn for every change until stop is called. Changes to one
	// item may be coalesced (only the latest progress matters) but a change of
	// state is always delivered.
	Watch(fn func(Change)) (stop func())

	PauseAll(until time.Time) error // zero until: until resumed
	ResumeAll() error
	Retry(id uint64) error
	Cancel(id uint64) error
	RetryAll() error
	SetBandwidth(bytesPerSecond int64) error // 0: unlimited
	SetParallel(files int) error

	// Upload queues local files and folders (their structure kept) for target
	// below remoteDir and returns how many files were queued.
	Upload(paths []string, target, remoteDir string) (int, error)

	TargetKinds() []KindSpec
	Targets() []Target
	// SaveTarget adds or replaces a target; secrets go to the secrets store,
	// never the config. An error says what to fix, in words.
	SaveTarget(t Target, secrets map[string]string) error
	// CheckTarget checks t as the form holds it, saving nothing: first
	// its settings (a *Problem with the Field at fault), then a real
	// request with secrets (those left out are read from the store, for
	// an edited target). The error says why the login failed, in words.
	CheckTarget(ctx context.Context, t Target, secrets map[string]string) error
	// TestTarget performs a real request with the saved credentials.
	TestTarget(ctx context.Context, name string) error
	RemoveTarget(name string) error
	// SecretsProblem is nil when secrets can be stored, otherwise a sentence
	// that says why not and what to do (install or unlock a keyring, or choose
	// the secret file explicitly).
	SecretsProblem() error

	Folders() []Folder
	// SaveFolder adds or replaces a watched folder and starts watching it.
	SaveFolder(f Folder) error
	RemoveFolder(name string) error

	Settings() Settings
	SaveSettings(s Settings) error

	// SetupSandbox is the first-run offer: it adds a target on a local
	// sandbox server that Ferry runs itself and, when watchFolder is true,
	// a watched folder (created if missing) whose path it returns.
	SetupSandbox(watchFolder bool) (folder string, err error)
}

// ItemState groups jobs the way the main window lists them.
type ItemState int

const (
	Uploading ItemState = iota // sending bytes now
	Waiting                    // queued, waiting for a retry, or paused
	Failed                     // needs the user
	Done                       // in the history
	Cancelled                  // in the history
)

// Item is one job or history row as the window shows it.
type Item struct {
	ID        uint64
	Name      string // file name
	LocalPath string // absolute local path
	Target    string
	Remote    string // where it goes or went, e.g. "Quatrix: Projects/2026/report.pdf"
	State     ItemState
	Paused    bool
	Bytes     int64         // sent so far
	Total     int64         // file size
	Speed     float64       // bytes per second, smoothed
	ETA       time.Duration // 0 when unknown
	Reason    string        // why it waits or failed, in words
	Advice    string        // what to do about it
	Warning   string        // a note that did not stop it
	// ServerWait is set while the job waits because its server could not
	// be reached or was busy (it retries by itself).
	ServerWait bool
	Link       string // a URL the service gave, if any
	Updated    time.Time
}

// Status is the global state for the toolbar and tray.
type Status struct {
	Paused      bool
	PausedUntil time.Time // when Paused: the automatic resume time; zero = until resumed
	Bandwidth   int64     // bytes per second, 0 unlimited
	Parallel    int
	Uploading   int
	Waiting     int
	Failed      int
	Speed       float64 // total bytes per second
	// Unreachable names the targets whose server cannot be reached now
	// (comma-separated, "" when none); their uploads wait and retry.
	Unreachable string
	// BandwidthNote says what a bandwidth timetable puts in force ("limit
	// 512 KiB/s until 18:00"); "" when the limit is one rate.
	BandwidthNote string
	// Held is why uploads are paused by Ferry rather than the user ("metered
	// connection"; "" when not): every upload when HeldAll, else those of
	// the targets in HeldTargets (comma-separated). The user's Pause and
	// Resume do not change it.
	Held        string
	HeldAll     bool
	HeldTargets string
}

// TargetHeld reports whether target's uploads are held in s (see Held).
func (s Status) TargetHeld(target string) bool {
	if s.Held == "" {
		return false
	}
	if s.HeldAll {
		return true
	}
	for _, t := range strings.Split(s.HeldTargets, ", ") {
		if t != "" && t == target {
			return true
		}
	}
	return false
}

// TargetDown reports whether target's server is unreachable in s.
func (s Status) TargetDown(target string) bool {
	for _, t := range strings.Split(s.Unreachable, ", ") {
		if t != "" && t == target {
			return true
		}
	}
	return false
}

// PausedAt reports whether uploads are paused at now.
func (s Status) PausedAt(now time.Time) bool {
	return s.Paused && (s.PausedUntil.IsZero() || now.Before(s.PausedUntil))
}

// Change is one update from the backend: an item changed or was removed, or
// the global status changed.
type Change struct {
	Item    *Item   // new state of one item
	Removed uint64  // an item that left the lists (0: none)
	Status  *Status // new global status
}

// KindSpec describes the fields a service needs when the user adds a target.
type KindSpec struct {
	Kind   string // "quatrix", ...
	Label  string // "Quatrix"
	Fields []Field
}

// Field is one input of a target form.
type Field struct {
	Key         string
	Label       string
	Placeholder string
	Secret      bool // stored in the secrets store, shown as a password entry
	Required    bool
	Options     []string // a choice instead of free text
}

// Target is a configured service account (no secrets).
type Target struct {
	Name      string
	Kind      string
	Settings  map[string]string // non-secret field values by Field.Key
	HasSecret bool
}

// Folder is a watched folder.
type Folder struct {
	Name      string
	Path      string
	Target    string
	RemoteDir string
	Conflict  string // rename, overwrite or skip
	Ignore    []string
	Enabled   bool
	Health    string // "ok", "degraded: …", "failed: …"
	// Create asks SaveFolder to create a missing folder; without it a
	// missing folder is refused with an error wrapping ErrFolderMissing.
	Create bool
}

// Settings are the user's preferences shown in the settings window.
type Settings struct {
	ParallelFiles  int
	Bandwidth      int64 // bytes per second, 0 unlimited
	NotifyUploaded bool
	NotifyFailed   bool
	StartAtLogin   bool
	LastTarget     string
	LastRemoteDir  string
	// AutostartNote, when set, is shown beside "start at login": why the
	// login item may not start this copy (it runs from a build folder).
	// Read only; SaveSettings ignores it.
	AutostartNote string
	// BandwidthSchedule is a bandwidth timetable in rclone's --bwlimit
	// syntax ("Mon-Fri 08:00,512k 18:00,off"); when set it replaces
	// Bandwidth. "" means none.
	BandwidthSchedule string
	// PauseOnMetered pauses every upload while the connection is metered.
	PauseOnMetered bool
	// MeteredNote, when set, is why this system cannot tell whether the
	// connection is metered: the switch is shown off and disabled. Read
	// only; SaveSettings ignores it.
	MeteredNote string
}
