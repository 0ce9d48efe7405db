package sync

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// Defaults for the zero fields of Folder and Options. The quiet period starts
// lower than Syncthing's 10 s because an uploader wants files out quickly; the
// 60 s cap and the jittered hourly rescan follow Syncthing.
const (
	DefaultQuiet          = 2 * time.Second
	DefaultMaxDelay       = 60 * time.Second
	DefaultRescan         = time.Hour
	DefaultDegradedRescan = 45 * time.Second
	DefaultRestartMin     = time.Second
	DefaultRestartMax     = time.Minute
	DefaultBatchSize      = 1000

	// Too many pending event paths collapse into one rescan of the root
	// (Syncthing's limits), so memory stays bounded during a large copy.
	maxPendingEvents       = 512
	maxPendingEventsPerDir = 128
)

// Folder is the configuration of one watched folder.
type Folder struct {
	ID      string   // stable identifier, copied into Candidate.Folder
	Root    string   // absolute local path of the folder
	Ignore  []string // extra patterns in gitignore syntax, relative to Root; "#" comments and blank lines skipped
	Enabled bool     // Run returns at once for a disabled folder

	Quiet          time.Duration // per-path quiet period before a file is checked; 0 = DefaultQuiet
	MaxDelay       time.Duration // a file that keeps changing goes after this long anyway; 0 = DefaultMaxDelay
	Rescan         time.Duration // full rescan interval, jittered to 3/4..5/4; 0 = DefaultRescan
	DegradedRescan time.Duration // rescan interval while watching is degraded; 0 = DefaultDegradedRescan
}

// withDefaults returns f with zero durations replaced by the defaults and the
// root cleaned, or an error naming the first invalid field.
func (f Folder) withDefaults() (Folder, error) {
	if f.ID == "" {
		return f, errors.New("folder config: empty ID")
	}
	if f.Root == "" || !filepath.IsAbs(f.Root) {
		return f, fmt.Errorf("folder config %s: root %q is not an absolute path", f.ID, f.Root)
	}
	f.Root = filepath.Clean(f.Root)
	if filepath.Dir(f.Root) == f.Root {
		return f, fmt.Errorf("folder config %s: refusing to watch the filesystem root %q", f.ID, f.Root)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&f.Quiet, DefaultQuiet)
	def(&f.MaxDelay, DefaultMaxDelay)
	def(&f.Rescan, DefaultRescan)
	def(&f.DegradedRescan, DefaultDegradedRescan)
	if f.Quiet < 0 || f.MaxDelay < 0 || f.Rescan < 0 || f.DegradedRescan < 0 {
		return f, fmt.Errorf("folder config %s: negative duration", f.ID)
	}
	if f.MaxDelay < f.Quiet {
		return f, fmt.Errorf("folder config %s: max delay %s is shorter than the quiet period %s", f.ID, f.MaxDelay, f.Quiet)
	}
	return f, nil
}
