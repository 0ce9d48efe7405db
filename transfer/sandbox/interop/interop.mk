# Independent clients against the sandbox (see transfer/sandbox/interop/README.md).
# Included by the top Makefile; `make test` runs `make interop`.
.PHONY: interop interop-browser interop-quatrix

interop: interop-browser interop-quatrix

interop-browser:

# rclone's quatrix backend (a nested module: it fetches rclone from the
# module proxy on first use) against the in-process Quatrix sandbox.
interop-quatrix:
	cd transfer/sandbox/interop/quatrix && GOWORK=off go test -count=1 ./...
