# Cross-platform checks (Windows, macOS). Included by the top Makefile
# (after package.mk); `make test` runs `make cross-check`. It includes the
# Windows and macOS packaging targets.
#
#   make cross-check   on any Debian 12 as root (installs mingw-w64):
#     - vets every package for Windows with cgo (mingw-w64), test files too
#     - vets for macOS every package but the three that need cgo against
#       the macOS SDK (DARWIN_CGO_PKGS: the root package, app, ui)
#     - checks the macOS metered detector's C and cgo glue with clang
#       (cross-check-darwin-c; installs clang)
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

.PHONY: cross-check cross-vet-windows cross-vet-darwin cross-check-darwin-c cross-build-windows

cross-check: cross-vet-windows cross-vet-darwin cross-check-darwin-c cross-build-windows
	$(MAKE) --no-print-directory package-windows-check

cross-vet-windows:
	$(call ensure-packages,$(DEB_WINDOWS))
	$(WIN_ENV) $(GO) vet ./...

cross-vet-darwin:
	GOOS=darwin CGO_ENABLED=0 $(GO) vet $$($(GO) list ./... | grep -v -x -F $(foreach p,$(DARWIN_CGO_PKGS),-e $(p)))

# cross-check-darwin-c checks what only a Mac builds of app/metered's
# macOS detector (metered_darwin.c, the cgo glue metered_darwin.go), with
# stand-ins for the SDK headers it uses (app/metered/testdata/darwin-stubs,
# written from Apple's declarations): clang parses the C file; `go tool
# cgo` rewrites the Go file for darwin/arm64; clang parses the C file
# again under the prototype cgo exports (_cgo_export.h); cgocheck
# type-checks the package as darwin with cgo sees it. cgo's output (Go
# files) goes to a folder whose name starts with "_", out of ./... .
DARWIN_CLANG   := clang -target arm64-apple-macos12 -ffreestanding -fblocks -Wall -Wextra -Werror
DARWIN_STUBS   := app/metered/testdata/darwin-stubs
DARWIN_CGO_OBJ := $(CROSS_WORK)/_darwin-metered

cross-check-darwin-c:
	$(call ensure-packages,clang)
	$(DARWIN_CLANG) -fsyntax-only -I$(DARWIN_STUBS) app/metered/metered_darwin.c
	rm -rf $(DARWIN_CGO_OBJ) && mkdir -p $(DARWIN_CGO_OBJ)
	cd app/metered && GOOS=darwin GOARCH=arm64 CGO_ENABLED=1 CC='$(DARWIN_CLANG)' $(GO) tool cgo \
	  -objdir $(CURDIR)/$(DARWIN_CGO_OBJ)/ -importpath $(PKG)/app/metered -- -I$(CURDIR)/$(DARWIN_STUBS) -I. metered_darwin.go
	$(DARWIN_CLANG) -fsyntax-only -I$(DARWIN_STUBS) -Iapp/metered -include $(DARWIN_CGO_OBJ)/_cgo_export.h app/metered/metered_darwin.c
	$(GO) run ./app/metered/testdata/cgocheck -goos darwin -goarch arm64 ./app/metered $(DARWIN_CGO_OBJ)

cross-build-windows:
	$(call ensure-packages,$(DEB_WINDOWS))
	mkdir -p $(CROSS_WORK)
	$(WIN_ENV) $(GO) build -ldflags '$(LDFLAGS)' -o $(CROSS_WORK)/ferry.exe .
	@echo "cross-build-windows: $(CROSS_WORK)/ferry.exe"
