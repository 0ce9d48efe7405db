# Packaging targets; see packaging/README.md. Included by the top Makefile,
# after ensure-packages, GO, LDFLAGS and VERSION are defined.
#
#   make package        dist/ferry-<version>-linux-<arch>.tar.xz
#   make install        build the package and install it: as root into
#                       /usr/local, otherwise into ~/.local (PREFIX=,
#                       DESTDIR=, AUTOSTART=1 as in the tarball's Makefile)
#   make uninstall      remove what install put there (same PREFIX)
#   make package-check  build the package and check its contents
#   make icons          re-render icons/hicolor from icons/ferry.svg
#
# How the tarball is made: `go build` makes the binary (so the build cache
# of `make build` and `make test` is reused: fyne package would rebuild
# with its own cgo hardening flags, a cold go-gl compile of minutes every
# time the cache is cold for those flags), then the pinned fyne tool
# (packaging/tools/go.mod) packages that executable: it writes the .desktop
# entry from FyneApp.toml and lays out the tarball. fyne package then
# rewrites FyneApp.toml (Build+1) and wants Go code beside it, so it runs
# in a scratch copy. Last, what fyne leaves out is added: hicolor icons at
# every size and SVG, AppStream metainfo, the XDG autostart entry, and an
# install Makefile that knows about them.

APP_ID      := io.github.ferry_sync.ferry
APP_VERSION  = $(shell sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' FyneApp.toml)
PKG_ARCH     = $(shell $(GO) env GOARCH)
# The leading underscore keeps the go command's ./... out of the scratch
# copy (it holds main.go): a later vet or cross-vet would take it for a
# package of the module.
PKG_WORK    := build/_package
TARBALL      = dist/ferry-$(APP_VERSION)-linux-$(PKG_ARCH).tar.xz
ICON_SIZES  := 16 24 32 48 64 128 256 512
# The link-time half of fyne package's Linux hardening and of its
# --release (-s -w: no symbol table or DWARF; panics still print stack
# traces). The compile-time halves (CGO_CFLAGS, the "release" build tag)
# would change the cache key of every cgo or Fyne package.
PKG_LDFLAGS  = $(LDFLAGS) -s -w -extldflags '-Wl,-z,relro,-z,now -Wl,--as-needed'
DEB_PACKAGE := xz-utils desktop-file-utils appstream

.PHONY: package install uninstall package-check icons

package: deps
	$(call ensure-packages,xz-utils)
	@test -n "$(APP_VERSION)" || { echo "package: no Version in FyneApp.toml"; exit 1; }
	rm -rf $(PKG_WORK) && mkdir -p $(PKG_WORK)/src/icons dist
	$(GO) build -ldflags "$(PKG_LDFLAGS)" -o $(PKG_WORK)/ferry .
	cp FyneApp.toml main.go $(PKG_WORK)/src/ && cp icons/ferry.png $(PKG_WORK)/src/icons/
	@# fyne's tarball is unpacked again below: XZ_OPT=-0 saves the half
	@# minute of CPU that compressing the binary at xz's default level costs.
	fyne=$$($(GO) -C packaging/tools tool -n fyne) && cd $(PKG_WORK)/src && \
	  XZ_OPT=-0 $$fyne package -os linux --executable $(CURDIR)/$(PKG_WORK)/ferry
	mkdir -p $(PKG_WORK)/root && tar -C $(PKG_WORK)/root -xJf $(PKG_WORK)/src/Ferry.tar.xz
	@# fyne puts files under usr/ when the build machine has no /usr/local.
	cd $(PKG_WORK)/root/ferry && if [ ! -d usr/local ]; then mkdir usr/local && mv usr/bin usr/share usr/local/; fi
	cd $(PKG_WORK)/root/ferry && rm -rf Makefile usr/local/share/pixmaps && \
	  cp $(CURDIR)/packaging/linux/tarball.mk Makefile && \
	  mkdir -p usr/local/share/icons usr/local/share/metainfo etc/xdg/autostart && \
	  cp -R $(CURDIR)/icons/hicolor usr/local/share/icons/ && \
	  cp $(CURDIR)/packaging/linux/$(APP_ID).metainfo.xml usr/local/share/metainfo/ && \
	  cp $(CURDIR)/packaging/linux/autostart.desktop etc/xdg/autostart/$(APP_ID).desktop && \
	  chmod -R u=rwX,go=rX . && chmod 0755 usr/local/bin/ferry
	XZ_OPT=-T0 tar -C $(PKG_WORK)/root --sort=name --owner=0 --group=0 --numeric-owner \
	  --mtime=@$$(git log -1 --format=%ct 2>/dev/null || date +%s) -cJf $(TARBALL) ferry
	@echo "package: $(TARBALL)"

install: package
	rm -rf $(PKG_WORK)/install && mkdir -p $(PKG_WORK)/install
	tar -C $(PKG_WORK)/install -xJf $(TARBALL)
	$(MAKE) -C $(PKG_WORK)/install/ferry install $(if $(PREFIX),PREFIX=$(PREFIX)) \
	  $(if $(DESTDIR),DESTDIR=$(DESTDIR)) $(if $(AUTOSTART),AUTOSTART=$(AUTOSTART))

# uninstall needs no build: the tarball's Makefile knows the file list.
uninstall:
	$(MAKE) -C packaging/linux -f tarball.mk uninstall $(if $(PREFIX),PREFIX=$(PREFIX)) \
	  $(if $(DESTDIR),DESTDIR=$(DESTDIR))

package-check: package
	$(call ensure-packages,$(DEB_PACKAGE))
	sh packaging/check.sh $(TARBALL) $(APP_VERSION)

icons:
	$(call ensure-packages,librsvg2-bin)
	for n in $(ICON_SIZES); do \
	  mkdir -p icons/hicolor/$${n}x$${n}/apps && \
	  rsvg-convert -w $$n -h $$n -o icons/hicolor/$${n}x$${n}/apps/$(APP_ID).png icons/ferry.svg || exit 1; \
	done
	mkdir -p icons/hicolor/scalable/apps
	cp icons/ferry.svg icons/hicolor/scalable/apps/$(APP_ID).svg
	cp icons/hicolor/512x512/apps/$(APP_ID).png icons/ferry.png
