package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/secrets"
	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/filesro"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix"
	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity"
	scapi "github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
	"github.com/ferry-sync/ferry/transfer/provider/twake"
)

// The secret names stored per target (secrets.Store's name argument).
const (
	SecretAPIKey      = "api_key"         // quatrix, auth = "apikey"
	SecretPassword    = "password"        // quatrix, auth = "password"
	SecretJWT         = "jwt"             // twake
	SecretAccessToken = "access_token"    // selfcommunity
	SecretShareToken  = "share_token"     // filesro
	SecretSharePass   = "share_password"  // filesro, protected = true
	SecretLinkPin     = "public_link_pin" // quatrix, link_pin = true: the public links' PIN
)

// SecretSpec is one secret a target needs.
type SecretSpec struct {
	Name   string // key in the secrets store
	Prompt string // what to ask the user for
}

// BuildOptions are the app-wide settings a provider is built with.
type BuildOptions struct {
	// Log receives the provider's background messages (quatrix keepalive
	// failures); nil means slog.Default().
	Log *slog.Logger
	// Timeout bounds connecting and waiting for response headers; 0 means
	// the rest package's default.
	Timeout time.Duration
	// StateDir is where a provider keeps its crash records
	// (config.Paths.ProviderDir), one subfolder per kind; "" lets each
	// provider pick its default.
	StateDir string
}

// stateDir is the provider kind's folder in o.StateDir, or "".
func (o BuildOptions) stateDir(kind string) string {
	if o.StateDir == "" {
		return ""
	}
	return filepath.Join(o.StateDir, kind)
}

// kindSpec is how one service kind becomes a provider: which secrets it
// needs and its constructor. Adding a kind is one entry in kindSpecs.
type kindSpec struct {
	// secrets lists what a target with these settings needs.
	secrets func(t config.Target) []SecretSpec
	// stored lists every secret name the kind may have stored, whatever
	// its current settings (removal cleans up after an auth change).
	stored []string
	// build makes the provider from the target and its secrets (by name).
	build func(t config.Target, sec map[string]string, o BuildOptions) (provider.Provider, error)
}

var kindSpecs = map[string]kindSpec{
	config.KindQuatrix: {
		secrets: func(t config.Target) []SecretSpec {
			s := []SecretSpec{{SecretAPIKey, "Quatrix API key"}}
			if t.AuthOrDefault() == config.AuthPassword {
				s = []SecretSpec{{SecretPassword, "Quatrix password for " + t.Email}}
			}
			if t.LinkPin {
				s = append(s, SecretSpec{SecretLinkPin, "PIN for the public links (people you give a link need it)"})
			}
			return s
		},
		stored: []string{SecretAPIKey, SecretPassword, SecretLinkPin},
		build: func(t config.Target, sec map[string]string, o BuildOptions) (provider.Provider, error) {
			c := quatrix.Config{
				BaseURL: t.BaseURL, PinSHA256: t.TLSPinSHA256, Timeout: o.Timeout, Log: o.Log,
				PublicLinks: t.PublicLinks, LinkExpiry: time.Duration(t.LinkExpiryDays) * 24 * time.Hour,
				LinkPin: sec[SecretLinkPin],
			}
			if t.AuthOrDefault() == config.AuthPassword {
				c.Email, c.Password = t.Email, sec[SecretPassword]
			} else {
				c.APIKey = sec[SecretAPIKey]
			}
			return quatrix.New(c)
		},
	},
	config.KindTwake: {
		secrets: func(config.Target) []SecretSpec { return []SecretSpec{{SecretJWT, "Twake JWT access token"}} },
		stored:  []string{SecretJWT},
		build: func(t config.Target, sec map[string]string, o BuildOptions) (provider.Provider, error) {
			return twake.New(twake.Config{
				BaseURL: t.BaseURL, CompanyID: t.CompanyID, Token: sec[SecretJWT],
				ChunkSize: t.ChunkSizeOrDefault(), MaxParallelChunks: t.ParallelChunksOrDefault(),
				DriveFolders: t.DriveFolders, DriveRootID: t.DriveParentID, PathInName: t.KeepPathInName,
				PinSHA256: t.TLSPinSHA256, Timeout: o.Timeout, PendingDir: o.stateDir(config.KindTwake),
			})
		},
	},
	config.KindSelfCommunity: {
		secrets: func(config.Target) []SecretSpec {
			return []SecretSpec{{SecretAccessToken, "SelfCommunity access token (JWT or OAuth2)"}}
		},
		stored: []string{SecretAccessToken},
		build: func(t config.Target, sec map[string]string, o BuildOptions) (provider.Provider, error) {
			return selfcommunity.New(selfcommunity.Config{
				BaseURL: t.BaseURL, Token: sec[SecretAccessToken], Dialect: scapi.Dialect(t.DialectOrDefault()),
				ChunkSize: t.ChunkSizeOrDefault(), Recipients: t.Recipients, Group: t.Group, NoMD5: t.NoMD5,
				PinSHA256: t.TLSPinSHA256, Timeout: o.Timeout,
			})
		},
	},
	config.KindFilesRo: {
		secrets: func(t config.Target) []SecretSpec {
			s := []SecretSpec{{SecretShareToken, "files.ro share token (the code in the share link)"}}
			if t.Protected {
				s = append(s, SecretSpec{SecretSharePass, "password of the protected share"})
			}
			return s
		},
		stored: []string{SecretShareToken, SecretSharePass},
		build: func(t config.Target, sec map[string]string, o BuildOptions) (provider.Provider, error) {
			return filesro.New(filesro.Config{
				BaseURL: t.BaseURL, Token: sec[SecretShareToken], Password: sec[SecretSharePass],
				ParentID: t.ParentID, ChunkSize: t.ChunkSizeOrDefault(), VueFileManager: t.VueFileManager,
				PinSHA256: t.TLSPinSHA256, Timeout: o.Timeout,
			})
		},
	},
}

// TargetSecrets lists the secrets target t needs, or nil for an unknown kind.
func TargetSecrets(t config.Target) []SecretSpec {
	spec, ok := kindSpecs[t.Kind]
	if !ok {
		return nil
	}
	return spec.secrets(t)
}

// storedSecretNames lists every secret name a target of kind may have.
func storedSecretNames(kind string) []string { return kindSpecs[kind].stored }

// BuildProvider makes the provider for target t, reading its secrets from
// store (each value passes through the store, so a store wrapped with
// secrets.Observe registers it for log redaction). It fails with an error
// wrapping secrets.ErrNotFound when a secret is missing (the message says
// how to store it), or the provider constructor's error for invalid
// settings. It makes no request.
func BuildProvider(t config.Target, store secrets.Store, o BuildOptions) (provider.Provider, error) {
	spec, ok := kindSpecs[t.Kind]
	if !ok {
		return nil, fmt.Errorf("target %q: unknown kind %q", t.Name, t.Kind)
	}
	sec := map[string]string{}
	for _, s := range spec.secrets(t) {
		v, err := store.Get(t.Name, s.Name)
		if errors.Is(err, secrets.ErrNotFound) {
			return nil, fmt.Errorf("target %q: %w (%s); store it with `ferry target set-secret %s --only %s` (%s)",
				t.Name, err, s.Name, t.Name, s.Name, store.Describe())
		}
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", t.Name, err)
		}
		sec[s.Name] = v
	}
	p, err := spec.build(t, sec, o)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", t.Name, err)
	}
	return p, nil
}

// CheckTargetUse says when a target validates but will not do what a
// person most likely expects of it: a SelfCommunity target without
// recipients or a group uploads each file and sends it to nobody (the
// provider sends no message then). It is a warning (the CLI prints it, the
// desktop form marks the field and offers to save anyway); the message
// names config keys, which the CLI turns into flags.
func CheckTargetUse(t config.Target) error {
	if t.Kind == config.KindSelfCommunity && len(t.Recipients) == 0 && t.Group == 0 {
		return errors.New("without recipients or group each file is uploaded but sent to nobody " +
			"(SelfCommunity delivers files as private messages)")
	}
	return nil
}

// pendingSecrets answers one target's secrets from values not stored yet
// and every other read from base; it writes nothing. It lets a target be
// tested before anything about it is saved.
type pendingSecrets struct {
	base   secrets.Store
	target string
	values map[string]string
}

func (p pendingSecrets) Get(target, name string) (string, error) {
	if v, ok := p.values[name]; ok && target == p.target {
		return v, nil
	}
	return p.base.Get(target, name)
}

func (p pendingSecrets) Set(string, string, string) error {
	return errors.New("pending secrets are read-only")
}

func (p pendingSecrets) Delete(string, string) error {
	return errors.New("pending secrets are read-only")
}

func (p pendingSecrets) Describe() string { return p.base.Describe() }

// testUnsaved makes target t's real check (checkProvider) with the secrets
// in values, falling back to store for those not given (an edited target
// whose secret is kept). It saves nothing.
func testUnsaved(ctx context.Context, t config.Target, store secrets.Store, values map[string]string, o BuildOptions) error {
	p, err := BuildProvider(t, pendingSecrets{base: store, target: t.Name, values: values}, o)
	if err != nil {
		return err
	}
	defer closeProvider(p)
	return checkProvider(ctx, p, t.Kind)
}
