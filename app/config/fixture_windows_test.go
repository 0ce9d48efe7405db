//go:build windows

package config

// fixtureRoot prefixes the absolute paths in test fixtures: on Windows a
// path needs a drive to be absolute.
const fixtureRoot = "C:"
