// Package quatrix runs a client the Ferry team did not write, rclone's
// quatrix backend (github.com/rclone/rclone v1.76.0, used as a library),
// against the Quatrix sandbox started in-process over TLS, and checks the
// results on the server side through the sandbox's inspection API
// (GET /_sandbox/tree).
//
// It is a Go module of its own so that the main module's `go test ./...`
// and `go mod tidy` never see rclone; `make interop-quatrix` runs it.
// The sandbox runs with its defaults (Strict off): the real-server model.
package quatrix
