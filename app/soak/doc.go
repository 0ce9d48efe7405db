// Package soak holds Ferry's end-to-end reliability harness (tests only).
//
// TestSoak builds the ferry binary once, then for each of the four
// providers starts `ferry sandbox` with a fault profile in one process and
// `ferry watch` in another, feeds the watched folder a generated workload
// (many small files, a few large ones, nested folders, files rewritten
// while they upload, hostile names), kills `ferry watch` with SIGKILL and
// restarts it, and finally checks the sandbox's inspection view.
//
// ferry watch reaches the sandbox through a proxy (proxy_test.go) that
// sees each request body go up: most kills are fired by it while a body is
// half sent, and at least half the kills of every provider must have cut
// one. The runs cycle through kill plans (kills_test.go): mid-body, a mute
// server, a queue file cut short before the restart (ferry must say the
// queue was damaged; second copies of what the server held then count as
// announced), a trickling server, and a watched folder deleted and made
// anew under ferry watch's working directory. The last run has its
// working directory inside the folder too, which is recreated under it
// before the last files are written: they must arrive without a restart.
//
// Hostile names: two files whose names are equal in Unicode NFC must be
// refused (no remote copy, a failed job saying why), names with spaces at
// both ends, a 250-byte name and case twins must arrive, or be refused by
// the server with a failed job that says why (counted apart).
//
// What "present once, with its final content" means depends on the
// conflict policy the provider offers:
//
//   - quatrix can overwrite, so its folder uses conflict = overwrite: every
//     local file must be exactly one remote file at its own path, with the
//     final local content. Any second copy (a renamed "name(1).ext") counts
//     as duplicated; a copy holding an earlier version counts as lost.
//   - files.ro, twake (flat, path kept in the name) and selfcommunity can
//     only keep both names (conflict = rename). A file rewritten after an
//     upload completed is uploaded again as a new remote file, so the
//     expected outcome is: the final content is present, and every other
//     copy of that file holds an earlier complete version the harness
//     wrote, each version at most once. The same version twice counts as
//     duplicated; content that was never a complete local version counts
//     as corrupt; no copy with the final content counts as lost.
//
// One duplicate is accepted, and reported apart: files.ro stores a file
// with the request carrying its last chunk and cannot be asked afterwards,
// so a kill after the server stored it but before its answer was recorded
// leaves Ferry the choice of resending (a possible second copy) or risking
// a loss. Ferry resends and leaves a "may hold it twice" warning on the
// file's history entry; a duplicate counts as announced when the stopped
// watch's queue carries that warning for the file, and any other duplicate
// fails the run.
//
// Twake has the same kind of gap one step earlier: a new file entity's id
// exists only in the init answer, and nothing lists files, so a kill while
// that answer is on its way leaves an empty, nameless entity no client can
// find. Those are counted apart ("empty init orphans") and do not fail the
// run; any other partial node does.
//
// For every provider: no placeholder or partial node may be left, every
// remote file must belong to a local file (its name carries the file's
// unique id), and folder providers must keep the relative folder.
//
// The short run (all four providers, fewer files and kills) is part of
// `go test ./...`; the long one, all four providers, is
//
//	go test ./app/soak -run TestSoak -count=1 -v -timeout 60m -args -soak.long
//
// and its knobs are the -soak.* flags (see main_test.go).
package soak
