# `make screenshots`: PNGs of the real desktop app under Xvfb against a
# `ferry sandbox` with a scripted workload (docs/screenshots.sh), written to
# docs/screenshots/. Include this file from the top Makefile:
#
#   include docs/screenshots.mk

SCREENSHOT_DIR ?= docs/screenshots

# Every state at scale 1 (NAME.png) and scale 2 (NAME@2x.png).
screenshots: build
	$(call ensure-packages,xvfb xauth xdotool dbus imagemagick python3)
	for scale in 1 2; do \
	  SCALE=$$scale dbus-run-session -- xvfb-run -a -s '-screen 0 2600x1800x24' sh docs/screenshots.sh ./$(BIN) $(SCREENSHOT_DIR) || exit 1; \
	done
