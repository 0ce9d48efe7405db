# Independent clients against the sandbox (see transfer/sandbox/interop/README.md).
# Included by the top Makefile; `make test` runs `make interop`.
.PHONY: interop interop-browser interop-quatrix interop-node

interop: interop-browser interop-quatrix

# The official web clients' upload libraries (resumable.js as Twake's web
# client uses it, react-uploady's chunked sender as SelfCommunity's) in
# headless Chromium against a `ferry sandbox` process, once with
# --strict=false and once strict. Chromium comes from Debian's package;
# npm ci installs the pinned packages (again only when package-lock.json is
# newer than the installed tree).
INTEROP_BROWSER := transfer/sandbox/interop/browser
interop-browser:
	$(call ensure-packages,chromium)
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || $(MAKE) --no-print-directory interop-node
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  $(GO) build -o "$$tmp/ferry" . && \
	  cd $(INTEROP_BROWSER) && \
	  { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && \
	  FERRY_BIN="$$tmp/ferry" CHROMIUM=/usr/bin/chromium node --test --test-concurrency=1 test/

# rclone's quatrix backend (a nested module: it fetches rclone from the
# module proxy on first use) against the in-process Quatrix sandbox.
interop-quatrix:
	cd transfer/sandbox/interop/quatrix && GOWORK=off go test -count=1 ./...

# Node.js and npm from Debian when the machine has none (the tests need
# node --test, Node 18 or newer).
interop-node:
	$(call ensure-packages,nodejs npm)
