package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/secrets"
	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/ui"
)

// kindLabels names each kind of kindSpecs for people, in config.Kinds order.
var kindLabels = map[string]string{
	config.KindQuatrix:       "Quatrix",
	config.KindTwake:         "Twake",
	config.KindFilesRo:       "files.ro",
	config.KindSelfCommunity: "SelfCommunity",
}

// secretLabels names the secrets of kindSpecs for the target form.
var secretLabels = map[string]string{
	SecretAPIKey:      "API key (apikey login)",
	SecretPassword:    "Password (password login)",
	SecretJWT:         "JWT access token",
	SecretAccessToken: "Access token (JWT or OAuth2)",
	SecretShareToken:  "Share token (the code in the share link)",
	SecretSharePass:   "Share password (protected shares)",
	SecretLinkPin:     "PIN of the public links (with a PIN)",
}

// TargetKinds lists the services of the kind table with their fields: the
// config.Target settings of that kind, then its secrets.
func (b *guiBackend) TargetKinds() []ui.KindSpec {
	out := make([]ui.KindSpec, 0, len(config.Kinds))
	for _, kind := range config.Kinds {
		spec, ok := kindSpecs[kind]
		if !ok {
			continue
		}
		ks := ui.KindSpec{Kind: kind, Label: kindLabels[kind]}
		for _, f := range targetFields {
			if f.kind == "" || f.kind == kind {
				ks.Fields = append(ks.Fields, ui.Field{
					Key: f.key, Label: f.label, Placeholder: f.placeholder,
					Required: f.required, Options: f.options,
				})
			}
		}
		// Secrets the default settings need are required; the others
		// depend on a setting (quatrix auth, a protected share).
		needed := map[string]bool{}
		for _, s := range spec.secrets(config.Target{Kind: kind}) {
			needed[s.Name] = true
		}
		for _, name := range spec.stored {
			ks.Fields = append(ks.Fields, ui.Field{
				Key: name, Label: secretLabels[name], Secret: true,
				Required: needed[name] && kind != config.KindQuatrix,
			})
		}
		out = append(out, ks)
	}
	return out
}

// Targets lists the configured targets; HasSecret is true when every
// secret the target needs can be read from the store.
func (b *guiBackend) Targets() []ui.Target {
	cfg := b.config()
	out := make([]ui.Target, 0, len(cfg.Targets))
	for _, t := range cfg.Targets {
		ut := ui.Target{Name: t.Name, Kind: t.Kind, Settings: map[string]string{}, HasSecret: true}
		for _, f := range targetFields {
			if f.kind == "" || f.kind == t.Kind {
				if v := f.get(t); v != "" {
					ut.Settings[f.key] = v
				}
			}
		}
		for _, s := range TargetSecrets(t) {
			if _, err := b.rt.store.Get(t.Name, s.Name); err != nil {
				ut.HasSecret = false
			}
		}
		out = append(out, ut)
	}
	return out
}

// SaveTarget adds t, or replaces the target of that name. Secrets the
// target needs must be given or already stored; they go to the secrets
// store before the config is saved, so a saved target always has them.
// Errors say what to fix: a field, a missing secret, or why the keyring
// refused (secrets.KeyringError's advice).
func (b *guiBackend) SaveTarget(t ui.Target, sec map[string]string) error {
	ct, err := formTarget(t, sec)
	if err != nil {
		return err
	}

	b.editMu.Lock()
	defer b.editMu.Unlock()
	existed := b.config().Target(ct.Name) != nil
	for _, s := range TargetSecrets(ct) {
		if sec[s.Name] != "" {
			continue
		}
		if _, err := b.rt.store.Get(ct.Name, s.Name); !existed || err != nil {
			return &ui.Problem{Field: s.Name, Reason: secretLabels[s.Name] + " is required."}
		}
	}
	if err := b.validateTarget(ct); err != nil {
		return err
	}
	var stored []string
	for name, v := range sec {
		if err := b.rt.store.Set(ct.Name, name, v); err != nil {
			return fmt.Errorf("save target: %w", explainSecretErr(err))
		}
		stored = append(stored, name)
	}
	err = b.editConfigLocked(func(c *config.Config) error {
		replaceTarget(c, ct)
		return nil
	})
	if err != nil {
		if !existed {
			for _, name := range stored {
				if derr := b.rt.store.Delete(ct.Name, name); derr != nil {
					b.rt.log.Warn("gui: remove secret of unsaved target", "target", ct.Name, "err", derr)
				}
			}
		}
		return fmt.Errorf("save target: %w", err)
	}
	b.rt.engine.ForgetTarget(ct.Name)
	return nil
}

func replaceTarget(c *config.Config, t config.Target) {
	if i := slices.IndexFunc(c.Targets, func(x config.Target) bool { return x.Name == t.Name }); i >= 0 {
		c.Targets[i] = t
		return
	}
	c.Targets = append(c.Targets, t)
}

// explainSecretErr puts a keyring failure's advice first.
func explainSecretErr(err error) error {
	var ke *secrets.KeyringError
	if errors.As(err, &ke) && ke.Advice != "" {
		return fmt.Errorf("%s: %w", ke.Advice, ke.Err)
	}
	return err
}

// formTarget turns the form's target into a config.Target, or a Problem
// naming the field that cannot be read.
func formTarget(t ui.Target, sec map[string]string) (config.Target, error) {
	spec, ok := kindSpecs[t.Kind]
	if !ok {
		return config.Target{}, &ui.Problem{Field: "kind", Reason: fmt.Sprintf("Ferry does not know the service %q.", t.Kind)}
	}
	ct := config.Target{Name: strings.TrimSpace(t.Name), Kind: t.Kind}
	for key, v := range t.Settings {
		i := slices.IndexFunc(targetFields, func(f targetField) bool {
			return f.key == key && (f.kind == "" || f.kind == t.Kind)
		})
		if i < 0 {
			return config.Target{}, fmt.Errorf("save target: %s has no setting %q", kindLabels[t.Kind], key)
		}
		if err := targetFields[i].set(&ct, strings.TrimSpace(v)); err != nil {
			return config.Target{}, &ui.Problem{Field: key, Reason: targetFields[i].label + ": " + err.Error()}
		}
	}
	for name := range sec {
		if !slices.Contains(spec.stored, name) {
			return config.Target{}, fmt.Errorf("save target: %s has no secret %q", kindLabels[t.Kind], name)
		}
	}
	return ct, nil
}

// validateTarget checks ct as part of the current config and for use
// (CheckTargetUse); a problem names the form field at fault and speaks of
// the field's label, not the config key.
func (b *guiBackend) validateTarget(ct config.Target) error {
	probe := cloneConfig(b.config())
	replaceTarget(probe, ct)
	err := probe.Validate()
	if err == nil {
		return nil
	}
	msg := err.Error()
	var ce *config.Error
	if errors.As(err, &ce) && len(ce.Problems) > 0 {
		msg = ce.Problems[0].Msg
	}
	msg = strings.TrimPrefix(msg, fmt.Sprintf("target %q: ", ct.Name))
	field := ""
	msg = replaceKeys(msg, func(key string) (string, bool) {
		label := fieldLabel(ct.Kind, key)
		if label == "" {
			return "", false
		}
		if field == "" {
			field = key
		}
		return "“" + label + "”", true
	})
	return &ui.Problem{Field: field, Reason: strings.ToUpper(msg[:1]) + msg[1:] + "."}
}

// useProblem is CheckTargetUse's warning for the form: on its field, and
// the target may be saved anyway.
func useProblem(ct config.Target) error {
	err := CheckTargetUse(ct)
	if err == nil {
		return nil
	}
	msg := replaceKeys(err.Error(), func(key string) (string, bool) {
		if l := fieldLabel(ct.Kind, key); l != "" {
			return "“" + l + "”", true
		}
		return "", false
	})
	return &ui.Problem{Field: "recipients", Reason: strings.ToUpper(msg[:1]) + msg[1:] + ".", Anyway: true}
}

// fieldLabel is the form label of a config key of kind, "" for none.
func fieldLabel(kind, key string) string {
	if key == "name" {
		return "Name"
	}
	for _, f := range targetFields {
		if f.key == key && (f.kind == "" || f.kind == kind) {
			return f.label
		}
	}
	return ""
}

// CheckTarget validates the form's target and makes its real check with
// the secrets given (stored ones for those left out), saving nothing.
func (b *guiBackend) CheckTarget(ctx context.Context, t ui.Target, sec map[string]string) error {
	ct, err := formTarget(t, sec)
	if err != nil {
		return err
	}
	if err := b.validateTarget(ct); err != nil {
		return err
	}
	if err := useProblem(ct); err != nil {
		return err
	}
	existed := b.config().Target(ct.Name) != nil
	for _, s := range TargetSecrets(ct) {
		if sec[s.Name] != "" {
			continue
		}
		if _, err := b.rt.store.Get(ct.Name, s.Name); !existed || err != nil {
			return &ui.Problem{Field: s.Name, Reason: secretLabels[s.Name] + " is required."}
		}
	}
	err = testUnsaved(ctx, ct, b.rt.store, sec, BuildOptions{Log: b.rt.log, StateDir: b.rt.paths.ProviderDir()})
	if err != nil {
		return checkProblem(err)
	}
	return nil
}

// checkProblem splits a failed login test into the sentence a person
// reads first and the technical message behind "Details".
func checkProblem(err error) *ui.Problem {
	msg := err.Error()
	var ce *checkError
	if errors.As(err, &ce) {
		msg = ce.err.Error() // the sentence below replaces explainCheck's
	}
	reason := "The login test failed."
	switch kind, _ := provider.Classify(err); {
	case isReadOnlyShare(msg):
		reason = "The share link only allows viewing. Uploads need a link with the editor permission: use its token."
	case kind == provider.ErrAuth:
		reason = "The server refused the login. Check the credentials (a key or token may have expired)."
	case kind == provider.ErrRetryable:
		reason = "The server could not be reached or is busy. Check the address and your network, or save anyway and Ferry retries."
	case errors.Is(err, context.DeadlineExceeded):
		reason = "The server did not answer in time."
	case strings.Contains(msg, "certificate"):
		reason = "The server's certificate is not trusted. For a self-signed server, fill in its SHA-256 fingerprint."
	}
	return &ui.Problem{Reason: reason, Details: msg}
}

// TestTarget is `ferry target test`'s check: build the provider from the
// saved settings and secrets and let it make its real request. The error
// is explainCheck's sentence.
func (b *guiBackend) TestTarget(ctx context.Context, name string) error {
	t := b.config().Target(name)
	if t == nil {
		return fmt.Errorf("test target: no target %q", name)
	}
	p, err := BuildProvider(*t, b.rt.store, BuildOptions{Log: b.rt.log, StateDir: b.rt.paths.ProviderDir()})
	if err != nil {
		return fmt.Errorf("test target: %w", explainSecretErr(err))
	}
	defer closeProvider(p)
	if err := checkProvider(ctx, p, t.Kind); err != nil {
		return checkProblem(err)
	}
	return nil
}

// RemoveTarget removes a target no folder uses, then its secrets. The
// config goes first, so the target is gone even when the keyring is
// locked; the error then says which secrets stay behind.
func (b *guiBackend) RemoveTarget(name string) error {
	b.editMu.Lock()
	defer b.editMu.Unlock()
	t := b.config().Target(name)
	if t == nil {
		return fmt.Errorf("remove target: no target %q", name)
	}
	kind := t.Kind
	err := b.editConfigLocked(func(c *config.Config) error {
		var users []string
		for _, f := range c.Folders {
			if f.Target == name {
				users = append(users, f.Name)
			}
		}
		if len(users) > 0 {
			return fmt.Errorf("remove target: folders %s upload to %q: remove them first", strings.Join(users, ", "), name)
		}
		c.Targets = slices.DeleteFunc(c.Targets, func(x config.Target) bool { return x.Name == name })
		return nil
	})
	if err != nil {
		return err
	}
	b.rt.engine.ForgetTarget(name)
	if name == sandboxTarget {
		b.stopSandboxLocked()
	}
	var errs []error
	for _, s := range storedSecretNames(kind) {
		if err := b.rt.store.Delete(name, s); err != nil {
			errs = append(errs, explainSecretErr(err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("remove target: removed %q, but not its secrets: %w", name, errors.Join(errs...))
	}
	return nil
}

// SecretsProblem probes the store once (reading a name nobody stores) and
// remembers the answer: nil when the store answers, else its explanation.
func (b *guiBackend) SecretsProblem() error {
	b.secretsOnce.Do(func() {
		_, err := b.rt.store.Get("ferry-probe", "probe")
		if err != nil && !errors.Is(err, secrets.ErrNotFound) {
			b.secretsErr = explainSecretErr(err)
		}
	})
	return b.secretsErr
}

// targetField is one non-secret config.Target setting in the target form.
type targetField struct {
	key, label, placeholder string
	kind                    string // "" for every kind
	required                bool
	options                 []string
	get                     func(config.Target) string
	set                     func(*config.Target, string) error
}

var yesNo = []string{"no", "yes"}

func boolField(p func(*config.Target) *bool) access {
	return access{func(t config.Target) string {
		if *p(&t) {
			return "yes"
		}
		return ""
	}, func(t *config.Target, v string) error {
		switch v {
		case "yes", "true":
			*p(t) = true
		case "", "no", "false":
			*p(t) = false
		default:
			return fmt.Errorf("%q is not yes or no", v)
		}
		return nil
	}}
}

func stringField(p func(*config.Target) *string) access {
	return access{
		func(t config.Target) string { return *p(&t) },
		func(t *config.Target, v string) error { *p(t) = v; return nil },
	}
}

func intField(p func(*config.Target) *int64) access {
	return access{func(t config.Target) string {
		if *p(&t) == 0 {
			return ""
		}
		return strconv.FormatInt(*p(&t), 10)
	}, func(t *config.Target, v string) error {
		if v == "" {
			*p(t) = 0
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", v)
		}
		*p(t) = n
		return nil
	}}
}

func field(key, label, placeholder, kind string, required bool, options []string, a access) targetField {
	return targetField{key, label, placeholder, kind, required, options, a.get, a.set}
}

// access reads and writes one setting of a config.Target as form text.
type access struct {
	get func(config.Target) string
	set func(*config.Target, string) error
}

// targetFields are the config.Target settings by kind, in form order.
var targetFields = []targetField{
	field("base_url", "Server URL", "https://files.example.com", "", true, nil,
		stringField(func(t *config.Target) *string { return &t.BaseURL })),
	field("tls_pin_sha256", "Trusted certificate (SHA-256)", "only for a self-signed server", "", false, nil,
		stringField(func(t *config.Target) *string { return &t.TLSPinSHA256 })),
	{
		key: "chunk_size", label: "Chunk size", placeholder: "default, or e.g. 8MiB",
		get: func(t config.Target) string {
			if t.ChunkSize == 0 {
				return ""
			}
			return t.ChunkSize.String()
		},
		set: func(t *config.Target, v string) error {
			if v == "" {
				t.ChunkSize = 0
				return nil
			}
			n, err := config.ParseSize(v)
			t.ChunkSize = config.Size(n)
			return err
		},
	},
	field("auth", "Login with", "", config.KindQuatrix, false, []string{config.AuthAPIKey, config.AuthPassword},
		stringField(func(t *config.Target) *string { return &t.Auth })),
	field("email", "Email (password login)", "me@example.com", config.KindQuatrix, false, nil,
		stringField(func(t *config.Target) *string { return &t.Email })),
	field("conflict", "If the name exists", "", config.KindQuatrix, false, []string{"rename", "overwrite", "skip"},
		stringField(func(t *config.Target) *string { return &t.Conflict })),
	field("public_links", "Make a public link for each file", "", config.KindQuatrix, false, yesNo,
		boolField(func(t *config.Target) *bool { return &t.PublicLinks })),
	field("link_expiry_days", "Public links expire after (days)", "never", config.KindQuatrix, false, nil,
		intField(func(t *config.Target) *int64 { return &t.LinkExpiryDays })),
	field("link_pin", "Public links ask for a PIN", "", config.KindQuatrix, false, yesNo,
		boolField(func(t *config.Target) *bool { return &t.LinkPin })),
	field("company_id", "Company id", "", config.KindTwake, true, nil,
		stringField(func(t *config.Target) *string { return &t.CompanyID })),
	field("drive_folders", "Recreate folders in Drive", "", config.KindTwake, false, yesNo,
		boolField(func(t *config.Target) *bool { return &t.DriveFolders })),
	field("drive_parent_id", "Drive folder id", "default: the root", config.KindTwake, false, nil,
		stringField(func(t *config.Target) *string { return &t.DriveParentID })),
	field("keep_path_in_name", "Keep the path in the name", "", config.KindTwake, false, yesNo,
		boolField(func(t *config.Target) *bool { return &t.KeepPathInName })),
	field("parent_id", "Folder id in the share", "default: the share's folder", config.KindFilesRo, false, nil,
		stringField(func(t *config.Target) *string { return &t.ParentID })),
	field("protected", "Share has a password", "", config.KindFilesRo, false, yesNo,
		boolField(func(t *config.Target) *bool { return &t.Protected })),
	field("vue_file_manager", "Self-hosted VueFileManager", "", config.KindFilesRo, false, yesNo,
		boolField(func(t *config.Target) *bool { return &t.VueFileManager })),
	field("dialect", "Form fields", "", config.KindSelfCommunity, false, []string{config.DialectPlain, config.DialectQQ},
		stringField(func(t *config.Target) *string { return &t.Dialect })),
	field("group", "Group id to send files to", "", config.KindSelfCommunity, false, nil,
		intField(func(t *config.Target) *int64 { return &t.Group })),
	field("no_md5", "Skip the MD5 check", "", config.KindSelfCommunity, false, yesNo,
		boolField(func(t *config.Target) *bool { return &t.NoMD5 })),
	{
		key: "recipients", label: "User ids to send files to", placeholder: "e.g. 12, 34", kind: config.KindSelfCommunity,
		get: func(t config.Target) string {
			ids := make([]string, len(t.Recipients))
			for i, id := range t.Recipients {
				ids[i] = strconv.FormatInt(id, 10)
			}
			return strings.Join(ids, ", ")
		},
		set: func(t *config.Target, v string) error {
			t.Recipients = nil
			if v == "" {
				return nil
			}
			var l int64List
			if err := l.Set(v); err != nil {
				return err
			}
			t.Recipients = l
			return nil
		},
	},
}
