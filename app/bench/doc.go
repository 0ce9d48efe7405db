// Package bench is Ferry's performance harness (issue 10). It has no code
// outside its tests: TestHarness builds the ferry binary once, starts
// `ferry sandbox` in its own process on loopback and times the real
// commands (`ferry upload`, `ferry watch`) against it, next to the limits
// of the same machine measured in the same run (curl -T to the sandbox's
// plain sink, find over the same tree, sha256sum of the same file, and
// for small files curl sending each service's minimum requests: see
// curlSmall). Every Ferry run is paired with the baseline run just before
// it (for small files, with the mean of the curl runs just before and just
// after it), and the report gives min / median / max of the per-run
// ratios. The
// sandbox's own CPU and peak RSS are recorded next to every upload. It
// writes results.md, results.json and chart.png to the folder given by -out.
//
// It runs only when asked, because the full mode takes about an hour:
//
//	go test ./app/bench -run TestHarness -timeout 120m -args -out $PWD/docs/bench -runs 3
//	go test ./app/bench -run TestHarness -args -quick -out /tmp/bench
//
// A relative -out is relative to this package's folder (go test runs
// tests there), hence $PWD; `make bench` passes an absolute path.
//
// Without -out, TestHarness skips (saying so): `go test ./...` must stay
// quick. The other tests (statistics, report, chart) always run.
package bench
