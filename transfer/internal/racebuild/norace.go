//go:build !race

// Package racebuild tells tests whether the race detector is built in: its
// instrumentation allocates, and sync.Pool drops items on purpose under it,
// so tests that bound allocations skip themselves there.
package racebuild

// Enabled: this build has the race detector.
const Enabled = false
