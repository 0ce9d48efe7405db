# Cross-platform checks (Windows, macOS). Included by the top Makefile
# (after package.mk); `make test` runs `make cross-check`. It includes the
# Windows and macOS packaging targets.
#
#   make cross-check   on any Debian 12 as root (installs mingw-w64):
#     - vets every package for Windows with cgo (mingw-w64), test files too
#     - vets for macOS every package that builds without cgo (all but the
#       GUI: the root package and app need the macOS SDK for cgo), and
#       fails if another package drops out of that set
#     - cross-builds ferry.exe with cgo, the desktop app included
#     - builds the Windows release zip and checks it (package-windows-check:
#       GUI and console subsystems, version resource, `ferry.com version`)
#
# Cold (empty Go build cache for windows/amd64) the cgo compile of GLFW and
# go-gl with mingw-w64 dominates; warm it is the vets and two links. Times
# are in packaging/README.md.

include packaging/windows.mk packaging/darwin.mk

CROSS_WORK       := build/cross
# The packages that need cgo on macOS (Fyne's GL driver): vetted and built
# on a Mac only (packaging/README.md, "macOS").
DARWIN_CGO_PKGS  := $(PKG) $(PKG)/app

.PHONY: cross-check cross-vet-windows cross-vet-darwin cross-build-windows

cross-check: cross-vet-windows cross-vet-darwin cross-build-windows
	$(MAKE) --no-print-directory package-windows-check

cross-vet-windows:
	$(call ensure-packages,$(DEB_WINDOWS))
	$(WIN_ENV) $(GO) vet ./...

cross-vet-darwin:
	@excluded=$$(GOOS=darwin CGO_ENABLED=0 $(GO) list -e -f '{{if or .DepsErrors .Error}}{{.ImportPath}}{{end}}' ./... | sort | tr '\n' ' '); \
	want=$$(printf '%s\n' $(DARWIN_CGO_PKGS) | sort | tr '\n' ' '); \
	[ "$$excluded" = "$$want" ] || { echo "cross-vet-darwin: packages that do not build for macOS without cgo: $$excluded; expected only: $$want"; exit 1; }
	GOOS=darwin CGO_ENABLED=0 $(GO) vet $$(GOOS=darwin CGO_ENABLED=0 $(GO) list -e -f '{{if not (or .DepsErrors .Error)}}{{.ImportPath}}{{end}}' ./...)

cross-build-windows:
	$(call ensure-packages,$(DEB_WINDOWS))
	mkdir -p $(CROSS_WORK)
	$(WIN_ENV) $(GO) build -ldflags '$(LDFLAGS)' -o $(CROSS_WORK)/ferry.exe .
	@echo "cross-build-windows: $(CROSS_WORK)/ferry.exe"
