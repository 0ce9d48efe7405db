//go:build race

package racebuild

// Enabled: this build has the race detector.
const Enabled = true
