# `make screenshots`: PNGs of the real desktop app under Xvfb against a
# `ferry sandbox` with a scripted workload (docs/screenshots.sh), written to
# docs/screenshots/. Include this file from the top Makefile:
#
#   include docs/screenshots.mk

SCREENSHOT_DIR ?= docs/screenshots

screenshots: build
	$(call ensure-packages,xvfb xauth xdotool dbus imagemagick python3)
	dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' sh docs/screenshots.sh ./$(BIN) $(SCREENSHOT_DIR)
