# Cross-platform checks (Windows, macOS). Included by the top Makefile
# (after package.mk); `make test` runs `make cross-check`. It includes the
# Windows and macOS packaging targets.
#
#   make cross-check   on any Debian 12 as root (installs mingw-w64):
#     - vets every package for Windows with cgo (mingw-w64), test files too
#     - vets for macOS every package but the three that need cgo against
#       the macOS SDK (DARWIN_CGO_PKGS: the root package, app, ui)
#     - cross-builds ferry.exe with cgo, the desktop app included
#     - builds the Windows release zip and checks it (package-windows-check:
#       GUI and console subsystems, version resource, `ferry.com version`)
#
# Cold (empty Go build cache for windows/amd64) the cgo compile of GLFW and
# go-gl with mingw-w64 dominates; warm it is the vets and two links. Times
# are in packaging/README.md.

include packaging/windows.mk packaging/darwin.mk

CROSS_WORK       := build/cross
# The packages that need cgo on macOS (Fyne's GL driver, and in ui Fyne's
# internal widgets): vetted and built on a Mac only (packaging/README.md,
# "macOS"). Every other package is vetted for darwin; a new one that needs
# cgo fails that vet until it is named here.
DARWIN_CGO_PKGS  := $(PKG) $(PKG)/app $(PKG)/ui

.PHONY: cross-check cross-vet-windows cross-vet-darwin cross-build-windows

cross-check: cross-vet-windows cross-vet-darwin cross-build-windows
	$(MAKE) --no-print-directory package-windows-check

cross-vet-windows:
	$(call ensure-packages,$(DEB_WINDOWS))
	$(WIN_ENV) $(GO) vet ./...

cross-vet-darwin:
	GOOS=darwin CGO_ENABLED=0 $(GO) vet $$($(GO) list ./... | grep -v -x -F $(foreach p,$(DARWIN_CGO_PKGS),-e $(p)))

cross-build-windows:
	$(call ensure-packages,$(DEB_WINDOWS))
	mkdir -p $(CROSS_WORK)
	$(WIN_ENV) $(GO) build -ldflags '$(LDFLAGS)' -o $(CROSS_WORK)/ferry.exe .
	@echo "cross-build-windows: $(CROSS_WORK)/ferry.exe"
