# Cross-platform checks (Windows, macOS). Included by the top Makefile;
# `make test` runs `make cross-check`.
.PHONY: cross-check

cross-check:
