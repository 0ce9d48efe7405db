# Windows package, cross-built here with mingw-w64; see packaging/README.md
# ("Windows"). Included by the top Makefile after package.mk.
#
#   make package-windows        dist/ferry-<version>-windows-amd64.zip
#   make package-windows-check  the zip, then check-windows.sh on it
#
# Two programs from the same source, as other tray apps ship them:
# Ferry.exe is linked for the GUI subsystem (-H windowsgui: no console
# window, also not at login), ferry.com for the console subsystem (the
# command line's output reaches cmd and PowerShell; `ferry` finds .com
# before .exe on PATHEXT). Both are built with `go build` and the version
# from FyneApp.toml (-X app.version), then packed; nothing rebuilds them,
# so the version survives (fyne package's second build dropped it). The
# icon, the manifest and the version resource come from windows/ferry.rc.in
# through windres into a .syso that go build links in (removed after).

WIN_CC      := x86_64-w64-mingw32-gcc
WIN_WINDRES := x86_64-w64-mingw32-windres
WIN_WORK    := build/windows
WIN_ZIP      = dist/ferry-$(APP_VERSION)-windows-amd64.zip
WIN_BUILD    = $(shell sed -n 's/^[[:space:]]*Build[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' FyneApp.toml)
WIN_ENV     := CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=$(WIN_CC)
WIN_LDFLAGS  = -X $(PKG)/app.version=$(APP_VERSION) -s -w
WIN_SYSO    := ferry_windows_amd64.syso
DEB_WINDOWS := gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 zip unzip

.PHONY: package-windows package-windows-check

package-windows:
	$(call ensure-packages,$(DEB_WINDOWS))
	@test -n "$(APP_VERSION)" || { echo "package-windows: no Version in FyneApp.toml"; exit 1; }
	rm -rf $(WIN_WORK) && mkdir -p $(WIN_WORK)/rc $(WIN_WORK)/Ferry dist
	$(GO) run ./packaging/windows/mkico -o $(WIN_WORK)/rc/ferry.ico \
	  $(foreach n,16 24 32 48 64 128 256,icons/hicolor/$(n)x$(n)/apps/$(APP_ID).png)
	cp packaging/windows/ferry.manifest $(WIN_WORK)/rc/
	nums=$$(echo "$(APP_VERSION)" | sed 's/[^0-9.].*//' | awk -F. '{printf "%d,%d,%d", $$1, $$2, $$3}'); \
	sed -e 's/@VERSION@/$(APP_VERSION)/g' -e "s/@VERSION_COMMAS@/$$nums,$(or $(WIN_BUILD),0)/g" \
	  -e 's/@FILENAME@/Ferry.exe/g' packaging/windows/ferry.rc.in > $(WIN_WORK)/rc/ferry.rc
	cd $(WIN_WORK)/rc && $(WIN_WINDRES) -O coff -o $(CURDIR)/$(WIN_SYSO) ferry.rc
	@# The .syso is linked into both programs; it must not outlive the build.
	status=0; \
	$(WIN_ENV) $(GO) build -ldflags "$(WIN_LDFLAGS) -H windowsgui" -o $(WIN_WORK)/Ferry/Ferry.exe . || status=1; \
	[ $$status = 1 ] || $(WIN_ENV) $(GO) build -ldflags "$(WIN_LDFLAGS)" -o $(WIN_WORK)/Ferry/ferry.com . || status=1; \
	rm -f $(WIN_SYSO); exit $$status
	cp $(WIN_WORK)/rc/ferry.ico packaging/windows/install.ps1 packaging/windows/uninstall.ps1 $(WIN_WORK)/Ferry/
	sed 's/$$/\r/' packaging/windows/README.txt > $(WIN_WORK)/Ferry/README.txt
	rm -f $(WIN_ZIP)
	cd $(WIN_WORK) && TZ=UTC find Ferry -exec touch -d @$$(git log -1 --format=%ct 2>/dev/null || date +%s) {} + && \
	  zip -q -X -r $(CURDIR)/$(WIN_ZIP) Ferry
	@echo "package-windows: $(WIN_ZIP)"

# Wine runs `ferry.com version` from the zip; its prefix (made on the first
# run, about half a minute) is kept in build/wine. Debian 12's Wine 8.0
# lacks bcryptprimitives.dll, without which Go 1.24+ programs abort at
# start: windows/wine/bcryptprimitives.c is a stand-in, built here.
package-windows-check: package-windows
	$(call ensure-packages,wine64)
	mkdir -p build/wine-dlls
	$(WIN_CC) -O2 -shared -s -o build/wine-dlls/bcryptprimitives.dll packaging/windows/wine/bcryptprimitives.c -ladvapi32
	WINEPREFIX=$(CURDIR)/build/wine WINE_DLLS=$(CURDIR)/build/wine-dlls GO=$(GO) \
	  sh packaging/windows/check.sh $(WIN_ZIP) $(APP_VERSION)
