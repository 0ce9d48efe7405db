//go:build !race

package selfcommunity

// raceDetector: see race_test.go.
const raceDetector = false
