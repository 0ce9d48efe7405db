//go:build !windows

package config

// fixtureRoot prefixes the absolute paths in test fixtures: nothing here,
// a drive on Windows (fixture_windows_test.go), where "/x" is not absolute.
const fixtureRoot = ""
