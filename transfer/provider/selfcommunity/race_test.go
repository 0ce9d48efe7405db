//go:build race

package selfcommunity

// raceDetector: under -race, sync.Pool drops some of what is put in it
// on purpose, so tests of buffer reuse cannot bound allocations.
const raceDetector = true
