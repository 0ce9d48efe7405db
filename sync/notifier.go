package sync

import "github.com/fsnotify/fsnotify"

// notifier is the slice of fsnotify the watcher uses. It is the seam tests
// use to make Add fail (watch limit) or to feed synthetic events.
type notifier interface {
	Add(dir string) error    // watch one directory, not recursive; safe from any goroutine
	Remove(dir string) error // fsnotify.ErrNonExistentWatch if the kernel already dropped it
	Events() <-chan fsnotify.Event
	Errors() <-chan error
	Close() error
}

// eventBuffer lets events queue in user space while the owner goroutine is
// busy in EmitFunc; beyond it the kernel queue holds them, and beyond that
// fsnotify reports ErrEventOverflow, which becomes a rescan.
const eventBuffer = 1024

type fsNotifier struct{ w *fsnotify.Watcher }

func newFSNotifier() (notifier, error) {
	w, err := fsnotify.NewBufferedWatcher(eventBuffer)
	if err != nil {
		return nil, err
	}
	return fsNotifier{w}, nil
}

func (n fsNotifier) Add(dir string) error          { return n.w.Add(dir) }
func (n fsNotifier) Remove(dir string) error       { return n.w.Remove(dir) }
func (n fsNotifier) Events() <-chan fsnotify.Event { return n.w.Events }
func (n fsNotifier) Errors() <-chan error          { return n.w.Errors }
func (n fsNotifier) Close() error                  { return n.w.Close() }
