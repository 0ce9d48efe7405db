// Package e2e holds Ferry's cross-process end-to-end tests: they build the
// ferry binary once, run `ferry sandbox` and `ferry upload` as child
// processes on 127.0.0.1 with their own temporary config, data and secrets,
// and check the result through the sandbox's /_sandbox/ inspection routes
// (tree, log, stats).
//
// Each provider (files.ro, Quatrix, Twake, SelfCommunity) gets a plain
// upload of a generated tree, an upload under injected faults, and an
// upload killed with SIGKILL and run again; the provider files add their
// specifics (TLS with a pinned certificate, both Quatrix logins and a forced
// session expiry, Twake chunk resumption and Drive folders, both
// SelfCommunity dialects and messages to recipients).
//
// The package has only tests; the harness is app/internal/ferrytest. Set
// FERRY_E2E_BINARY or FERRY_TEST_BINARY to a prebuilt ferry
// binary to skip the build in TestMain.
package e2e
