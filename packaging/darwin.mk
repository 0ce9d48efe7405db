# macOS app bundle; see packaging/README.md ("macOS"). Included by the top
# Makefile after package.mk. Runs on a Mac only: the desktop app needs cgo
# against the macOS SDK (Fyne's GL driver), which Debian does not ship.
#
#   make package-darwin   dist/ferry-<version>-macos-<arch>.zip holding
#                         Ferry.app (ad-hoc signed; SIGN_ID="Developer ID
#                         Application: NAME (TEAMID)" signs for release)
#
# Ferry.app/Contents/Info.plist comes from darwin/Info.plist.in:
# CFBundleExecutable "ferry" (the path the login item, the LaunchAgent in
# darwin/ and app/autostart, starts with --background), LSUIElement (a
# tray app: no Dock icon, also not when started at login), the version
# and build from FyneApp.toml. `go test ./packaging` checks the template.

MAC_WORK := build/darwin
MAC_APP   = $(MAC_WORK)/Ferry.app
MAC_ARCH  = $(shell $(GO) env GOARCH)
MAC_ZIP   = dist/ferry-$(APP_VERSION)-macos-$(MAC_ARCH).zip
SIGN_ID  ?= -

.PHONY: package-darwin

package-darwin:
	@test "$$(uname -s)" = Darwin || { echo "package-darwin: run on a Mac (cgo needs the macOS SDK); see packaging/README.md, macOS"; exit 1; }
	rm -rf $(MAC_WORK) && mkdir -p $(MAC_APP)/Contents/MacOS $(MAC_APP)/Contents/Resources $(MAC_WORK)/ferry.iconset dist
	$(GO) build -ldflags "-X $(PKG)/app.version=$(APP_VERSION) -s -w" -o $(MAC_APP)/Contents/MacOS/ferry .
	sed -e 's/@VERSION@/$(APP_VERSION)/g' -e 's/@BUILD@/$(or $(WIN_BUILD),0)/g' packaging/darwin/Info.plist.in > $(MAC_APP)/Contents/Info.plist
	plutil -lint $(MAC_APP)/Contents/Info.plist
	for n in 16 32 128 256 512; do \
	  cp icons/hicolor/$${n}x$${n}/apps/$(APP_ID).png $(MAC_WORK)/ferry.iconset/icon_$${n}x$${n}.png; \
	done
	for n in 16 32 128 256; do \
	  sips -z $$((n*2)) $$((n*2)) icons/hicolor/512x512/apps/$(APP_ID).png --out $(MAC_WORK)/ferry.iconset/icon_$${n}x$${n}@2x.png >/dev/null; \
	done
	iconutil -c icns -o $(MAC_APP)/Contents/Resources/ferry.icns $(MAC_WORK)/ferry.iconset
	codesign --force --options runtime --timestamp$(if $(filter -,$(SIGN_ID)),=none) --sign "$(SIGN_ID)" $(MAC_APP)
	codesign --verify --strict $(MAC_APP)
	test "$$($(MAC_APP)/Contents/MacOS/ferry version | head -1)" = "ferry $(APP_VERSION)"
	rm -f $(MAC_ZIP) && ditto -c -k --keepParent $(MAC_APP) $(MAC_ZIP)
	@echo "package-darwin: $(MAC_ZIP)"
