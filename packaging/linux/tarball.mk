# Installs Ferry from this unpacked tarball (shipped in it as Makefile).
#
#   make install               as root: into /usr/local; otherwise into ~/.local
#   make install PREFIX=/opt/ferry DESTDIR=/tmp/stage
#   make install AUTOSTART=1   also start Ferry at login: as root for every user
#                              (/etc/xdg/autostart), otherwise for you
#                              ($XDG_CONFIG_HOME/autostart); the Settings
#                              window's "Start Ferry when I log in" does the same
#   make uninstall             with the PREFIX used for install
#
# The .desktop and autostart entries name the binary by its absolute path,
# so a user install works without ~/.local/bin on PATH.

APP_ID     := io.github.ferry_sync.ferry
ICON_SIZES := 16 24 32 48 64 128 256 512
SRC        := usr/local

ifeq ($(shell id -u),0)
PREFIX        ?= /usr/local
AUTOSTART_DIR ?= /etc/xdg/autostart
else
PREFIX        ?= $(HOME)/.local
AUTOSTART_DIR ?= $(or $(XDG_CONFIG_HOME),$(HOME)/.config)/autostart
endif

BIN_DIR  = $(PREFIX)/bin
DATA_DIR = $(PREFIX)/share
HICOLOR  = $(DATA_DIR)/icons/hicolor

.PHONY: default install uninstall check-prefix

default:
	@sed -n '1,10s/^# \{0,1\}//p' Makefile

# A prefix that needs quoting in an Exec line is refused rather than
# written into an entry that desktops would split at the space.
check-prefix:
	@case "$(PREFIX)" in /*) ;; *) echo "PREFIX must be an absolute path: $(PREFIX)"; exit 1;; esac
	@case "$(PREFIX)" in *[!A-Za-z0-9/._+-]*) echo "PREFIX holds characters a .desktop Exec line would need quoted: $(PREFIX)"; exit 1;; esac

install: check-prefix
	install -Dm0755 $(SRC)/bin/ferry $(DESTDIR)$(BIN_DIR)/ferry
	install -Dm0644 $(SRC)/share/applications/$(APP_ID).desktop $(DESTDIR)$(DATA_DIR)/applications/$(APP_ID).desktop
	sed -i 's|^Exec=ferry\b|Exec=$(BIN_DIR)/ferry|' $(DESTDIR)$(DATA_DIR)/applications/$(APP_ID).desktop
	for n in $(ICON_SIZES); do \
	  install -Dm0644 $(SRC)/share/icons/hicolor/$${n}x$${n}/apps/$(APP_ID).png $(DESTDIR)$(HICOLOR)/$${n}x$${n}/apps/$(APP_ID).png || exit 1; \
	done
	install -Dm0644 $(SRC)/share/icons/hicolor/scalable/apps/$(APP_ID).svg $(DESTDIR)$(HICOLOR)/scalable/apps/$(APP_ID).svg
	install -Dm0644 $(SRC)/share/metainfo/$(APP_ID).metainfo.xml $(DESTDIR)$(DATA_DIR)/metainfo/$(APP_ID).metainfo.xml
ifeq ($(AUTOSTART),1)
	install -Dm0644 etc/xdg/autostart/$(APP_ID).desktop $(DESTDIR)$(AUTOSTART_DIR)/$(APP_ID).desktop
	sed -i 's|^Exec=ferry\b|Exec=$(BIN_DIR)/ferry|' $(DESTDIR)$(AUTOSTART_DIR)/$(APP_ID).desktop
endif
	@# GTK reads icons through a cache only where the theme has an index
	@# (the distribution's /usr/share/icons/hicolor); elsewhere no cache
	@# exists and none should be started.
	@if [ -z "$(DESTDIR)" ] && [ -f $(HICOLOR)/index.theme ] && command -v gtk-update-icon-cache >/dev/null; then \
	  gtk-update-icon-cache -q $(HICOLOR) || echo "warning: gtk-update-icon-cache failed; icons appear after the next login"; \
	fi
	@echo "installed $(BIN_DIR)/ferry"

uninstall: check-prefix
	rm -f $(DESTDIR)$(BIN_DIR)/ferry
	rm -f $(DESTDIR)$(DATA_DIR)/applications/$(APP_ID).desktop
	rm -f $(DESTDIR)$(DATA_DIR)/metainfo/$(APP_ID).metainfo.xml
	for n in $(ICON_SIZES); do rm -f $(DESTDIR)$(HICOLOR)/$${n}x$${n}/apps/$(APP_ID).png; done
	rm -f $(DESTDIR)$(HICOLOR)/scalable/apps/$(APP_ID).svg
	@# The login entry would start a binary that is gone.
	rm -f $(DESTDIR)$(AUTOSTART_DIR)/$(APP_ID).desktop
