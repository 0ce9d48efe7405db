# Ferry's make targets. `make run` and `make test` do all set-up on a fresh
# Debian or Ubuntu machine: missing system packages are installed when run as
# root, or named with the exact apt-get command otherwise.

GO      ?= go
PKG     := github.com/ferry-sync/ferry
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X $(PKG)/app.version=$(VERSION)
BIN     := ferry

# Debian package names (see README "Prerequisites" for other systems).
DEB_BUILD := ca-certificates gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev \
             libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
DEB_TEST  := xvfb xauth xdotool x11-utils dbus gnome-keyring curl appstream


# ensure-packages installs (as root) or names (otherwise) the missing Debian
# packages among $(1). On systems without dpkg it does nothing.
define ensure-packages
@if command -v dpkg-query >/dev/null 2>&1; then \
  missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done | tr '\n' ' '); \
  if [ -n "$$(echo $$missing)" ]; then \
    if [ "$$(id -u)" = 0 ]; then \
      echo "installing system packages: $$missing"; \
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) >/dev/null || exit 1; \
    else \
      echo "missing system packages: $$missing"; \
      echo "install them with: sudo apt-get install --no-install-recommends $$missing"; exit 1; \
    fi; \
  fi; \
fi
@command -v $(GO) >/dev/null 2>&1 || { echo "Go 1.26 or newer is required (see README, Install and run)"; exit 1; }
endef

.PHONY: all deps deps-test build run bin-install test race fmt lint bench fuzz soak screenshots golden package install clean

all: build

deps:
	$(call ensure-packages,$(DEB_BUILD))

deps-test:
	$(call ensure-packages,$(DEB_BUILD) $(DEB_TEST))

build: deps
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) .

# `make run` puts ferry on the user's PATH first, so every command in the
# README works as written (BINDIR= to choose another folder), then starts
# the desktop app from there (a login item then points at a stable path).
BINDIR ?= $(HOME)/.local/bin

run: bin-install
	$(BINDIR)/ferry

# bin-install copies the built binary to BINDIR and says what to do when
# BINDIR is not on PATH. (`make install` installs the whole package:
# desktop entry, icons; see packaging/package.mk.)
bin-install: build
	@mkdir -p "$(BINDIR)"
	@install -m 0755 $(BIN) "$(BINDIR)/ferry"
	@echo "installed $(BINDIR)/ferry"
	@case ":$$PATH:" in *":$(BINDIR):"*) ;; *) \
	  echo "note: $(BINDIR) is not on your PATH, so the command 'ferry' is not found yet. Either:"; \
	  echo "  export PATH=\"$(BINDIR):\$$PATH\"   # this shell; add the line to ~/.profile to keep it"; \
	  echo "  or run it as $(BINDIR)/ferry";; esac

# The full suite: vet, format and layering checks, then every test with the
# real Secret Service (gnome-keyring in a private D-Bus session, fresh keyring
# directory) and a virtual X display for the GUI tests.
test: deps-test
	$(GO) vet ./...
	@test -z "$$($(GO) tool gofumpt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { $(GO) tool gofumpt -l .; echo "gofumpt: files above need formatting (make fmt)"; exit 1; }
	@keyring=$$(mktemp -d); \
	XDG_DATA_HOME=$$keyring dbus-run-session -- sh -c '\
	  printf ferry-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
	  xvfb-run -a -s "-screen 0 1280x800x24" $(GO) test -count=1 -timeout 25m ./...'; \
	status=$$?; rm -rf $$keyring; exit $$status
	$(MAKE) --no-print-directory fuzz FUZZTIME=2000x
	$(MAKE) --no-print-directory package-check
	$(MAKE) --no-print-directory cross-check
	$(MAKE) --no-print-directory interop

race: deps-test
	$(GO) test -race -count=1 -timeout 30m ./...

fmt:
	$(GO) tool gofumpt -w $$(git ls-files '*.go')

lint:
	$(GO) vet ./...
	@test -z "$$($(GO) tool gofumpt -l $$(git ls-files '*.go'))" || { $(GO) tool gofumpt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) tool staticcheck ./...
	$(GO) test -count=1 -run 'TestLayering' .

# The crash-and-fault soak of all four providers (make test runs a short one).
soak:
	$(GO) test ./app/soak -run TestSoak -count=1 -v -timeout 60m -args -soak.long

# Every fuzz target of every package, FUZZTIME each. make test gives each a
# count of executions ("2000x"): a duration budget races Go's fuzz coordinator
# at its deadline (go.dev/issue/75804, fixed in Go 1.27) and fails with a bare
# "context deadline exceeded" and no crasher. The long run (`make fuzz`) uses a
# duration and retries a target once when that bare message is all it printed;
# a real finding always writes "Failing input written to" first.
FUZZTIME ?= 2m
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    for try in 1 2; do \
	      echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	      out=$$($(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg 2>&1) && break; \
	      if [ $$try = 1 ] && echo "$$out" | grep -q 'context deadline exceeded' && \
	         ! echo "$$out" | grep -q 'Failing input written to'; then \
	        echo "fuzz: $$f hit the coordinator's deadline race (no crasher); once more"; continue; \
	      fi; \
	      echo "$$out"; exit 1; \
	    done; \
	  done; \
	done

clean:
	rm -f $(BIN)

# Packaging targets (package, install, package-check) live beside the files
# they package; the screenshot script beside the screenshots.
include packaging/package.mk
include docs/screenshots.mk
include docs/bench/bench.mk
include packaging/cross.mk
include transfer/sandbox/interop/interop.mk
