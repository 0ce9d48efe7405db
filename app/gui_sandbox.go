package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

// The first-run sandbox: a target named "sandbox" on a local sandbox
// server the app runs itself, on a fixed loopback port so the target's URL
// stays valid across launches, with the share token kept in the secrets
// store like any other and reused as the editor share's token on the next
// launch. Its blobs live in the data dir (the sandbox empties them on
// start: it is a demonstration, not storage).
const (
	sandboxTarget = "sandbox"
	// sandboxAddr differs from `ferry sandbox`'s default, so both can run.
	sandboxAddr = "127.0.0.1:8766"
	outboxDir   = "Ferry Outbox" // below the home folder
	outboxName  = "Ferry-Outbox" // the folder's name in the config
)

// appSandbox is a running in-process sandbox server.
type appSandbox struct {
	srv    *sandbox.Server
	cancel context.CancelFunc
	done   chan error
}

// startAppSandbox serves the four APIs of `ferry sandbox` on addr, with
// the files.ro editor share's token set to token. It returns once the
// listener is open; ctx or stop ends it.
func startAppSandbox(ctx context.Context, addr, dir, token string, log *slog.Logger) (*appSandbox, error) {
	specs := sandboxAPIs()
	apis := make([]sandbox.API, len(specs))
	for i, s := range specs {
		var err error
		if s.kind == config.KindFilesRo {
			shares := sbfilesro.DefaultShares()
			for j := range shares {
				if shares[j].Name == "editor" {
					shares[j].Token = token
				}
			}
			apis[i], err = sbfilesro.New(sbfilesro.Options{Shares: shares})
		} else {
			apis[i], err = s.make()
		}
		if err != nil {
			return nil, fmt.Errorf("start the sandbox: %w", err)
		}
	}
	srv, err := sandbox.New(sandbox.Config{
		Dir: dir, Addr: addr, APIs: apis, // the real servers' behaviour, not the strict checks
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	})
	if err != nil {
		return nil, fmt.Errorf("start the sandbox: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("start the sandbox on %s (is another Ferry sandbox running?): %w", addr, err), srv.Close())
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &appSandbox{srv: srv, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- srv.Serve(sctx) }()
	return s, nil
}

// stop closes the server and waits for it.
func (s *appSandbox) stop() error {
	s.cancel()
	return <-s.done
}

// sandboxURL is the base URL of the app's sandbox at addr.
func sandboxURL(addr string) string { return "http://" + addr }

// isAppSandbox reports whether t is the target SetupSandbox made.
func isAppSandbox(t *config.Target, addr string) bool {
	return t != nil && t.Name == sandboxTarget && t.Kind == config.KindFilesRo && t.BaseURL == sandboxURL(addr)
}

// resumeSandbox starts the sandbox again on launch when the config has
// the target SetupSandbox made, with the token from the secrets store.
// Without that target it does nothing.
func (b *guiBackend) resumeSandbox(addr string) error {
	b.editMu.Lock()
	defer b.editMu.Unlock()
	if !isAppSandbox(b.config().Target(sandboxTarget), addr) || b.sandbox != nil {
		return nil
	}
	var err error
	b.sandbox, err = startConfiguredSandbox(b.ctx, b.rt, addr)
	return err
}

// startConfiguredSandbox starts the sandbox of the target SetupSandbox
// made, with its token from the secrets store (the app at launch, and
// `ferry watch`).
func startConfiguredSandbox(ctx context.Context, rt *engineRuntime, addr string) (*appSandbox, error) {
	token, err := rt.store.Get(sandboxTarget, SecretShareToken)
	if err != nil {
		return nil, fmt.Errorf("start the sandbox: %w", explainSecretErr(err))
	}
	return startAppSandbox(ctx, addr, sandboxDir(rt), token, rt.log)
}

func (b *guiBackend) sandboxDir() string { return sandboxDir(b.rt) }

func sandboxDir(rt *engineRuntime) string { return filepath.Join(rt.paths.DataDir, "sandbox") }

// SetupSandbox is ui.Backend's first-run offer on the default address.
func (b *guiBackend) SetupSandbox(watchFolder bool) (string, error) {
	return b.setupSandbox(sandboxAddr, watchFolder)
}

// setupSandbox starts the sandbox on addr, adds the "sandbox" target (its
// share token in the secrets store) and, with watchFolder, the watched
// folder ~/Ferry Outbox (created if missing), whose path it returns.
// Running it again reuses what exists. A "sandbox" target of the user's
// own is left alone: that is an error.
func (b *guiBackend) setupSandbox(addr string, watchFolder bool) (string, error) {
	b.editMu.Lock()
	defer b.editMu.Unlock()
	existing := b.config().Target(sandboxTarget)
	if existing != nil && !isAppSandbox(existing, addr) {
		return "", fmt.Errorf("set up the sandbox: a target named %q already exists and points elsewhere", sandboxTarget)
	}
	token, err := b.rt.store.Get(sandboxTarget, SecretShareToken)
	if existing == nil || err != nil {
		token = rand.Text()[:16] // files.ro tokens are 16 characters
		if err := b.rt.store.Set(sandboxTarget, SecretShareToken, token); err != nil {
			return "", fmt.Errorf("set up the sandbox: %w", explainSecretErr(err))
		}
		if b.sandbox != nil { // a running one has the old token
			b.stopSandboxLocked()
		}
	}
	if b.sandbox == nil {
		if b.sandbox, err = startAppSandbox(b.ctx, addr, b.sandboxDir(), token, b.rt.log); err != nil {
			return "", err
		}
	}
	folder := ""
	if watchFolder {
		home, err := b.homeDir()
		if err != nil {
			return "", fmt.Errorf("set up the sandbox: %w", err)
		}
		folder = filepath.Join(home, outboxDir)
		if err := os.MkdirAll(folder, 0o700); err != nil {
			return "", fmt.Errorf("set up the sandbox: %w", err)
		}
	}
	err = b.editConfigLocked(func(c *config.Config) error {
		replaceTarget(c, config.Target{Name: sandboxTarget, Kind: config.KindFilesRo, BaseURL: sandboxURL(addr)})
		if folder != "" && c.Folder(outboxName) == nil {
			c.Folders = append(c.Folders, config.Folder{Name: outboxName, Path: folder, Target: sandboxTarget})
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("set up the sandbox: %w", err)
	}
	b.rt.engine.ForgetTarget(sandboxTarget)
	if err := b.ws.apply(b.ctx, b.config().Folders); err != nil {
		return folder, fmt.Errorf("set up the sandbox: %w", err)
	}
	return folder, nil
}

// stopSandboxLocked stops the app's sandbox if it runs. Caller holds editMu.
func (b *guiBackend) stopSandboxLocked() {
	if b.sandbox == nil {
		return
	}
	if err := b.sandbox.stop(); err != nil {
		b.rt.log.Warn("gui: stop the sandbox", "err", err)
	}
	b.sandbox = nil
}

// closeSandbox stops the sandbox at exit.
func (b *guiBackend) closeSandbox() {
	b.editMu.Lock()
	defer b.editMu.Unlock()
	b.stopSandboxLocked()
}
