package ui

import (
	"slices"
	"sync"
)

// model holds the items the window lists. Backend changes land here from any
// goroutine (apply); the window reads stable slices built on the UI
// goroutine (rebuild), at most a few times a second, so a flood of progress
// updates costs one map write each and never a redraw per update.
type model struct {
	mu     sync.Mutex // guards items, status, dirty
	items  map[uint64]Item
	status Status
	dirty  bool

	// Built by rebuild on the UI goroutine only; read by the lists.
	active  []Item // uploading first, then waiting, in queue order
	failed  []Item // most recent first
	history []Item // most recent first
}

func newModel() *model { return &model{items: make(map[uint64]Item)} }

// reset replaces every item and the status (initial load).
func (m *model) reset(items []Item, st Status) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items = make(map[uint64]Item, len(items))
	for _, it := range items {
		m.items[it.ID] = it
	}
	m.status = st
	m.dirty = true
}

// apply records one change; it is safe from any goroutine.
func (m *model) apply(c Change) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c.Item != nil {
		m.items[c.Item.ID] = *c.Item
		m.dirty = true
	}
	if c.Removed != 0 {
		delete(m.items, c.Removed)
		m.dirty = true
	}
	if c.Status != nil {
		m.status = *c.Status
		m.dirty = true
	}
}

// rebuild rebuilds the section slices if anything changed and reports
// whether it did. Call it on the UI goroutine.
func (m *model) rebuild() bool {
	m.mu.Lock()
	if !m.dirty {
		m.mu.Unlock()
		return false
	}
	m.dirty = false
	active, failed, history := m.active[:0], m.failed[:0], m.history[:0]
	for _, it := range m.items {
		switch it.State {
		case Uploading, Waiting:
			active = append(active, it)
		case Failed:
			failed = append(failed, it)
		default:
			history = append(history, it)
		}
	}
	m.mu.Unlock()

	slices.SortFunc(active, func(a, b Item) int {
		if a.State != b.State {
			return int(a.State) - int(b.State)
		}
		return cmpID(a.ID, b.ID)
	})
	newestFirst := func(a, b Item) int {
		if c := b.Updated.Compare(a.Updated); c != 0 {
			return c
		}
		return cmpID(b.ID, a.ID)
	}
	slices.SortFunc(failed, newestFirst)
	slices.SortFunc(history, newestFirst)
	m.active, m.failed, m.history = active, failed, history
	return true
}

func (m *model) currentStatus() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status
}

func cmpID(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
