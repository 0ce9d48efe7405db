package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/secrets"
	"github.com/ferry-sync/ferry/transfer/provider"
)

const targetUsage = `ferry target add --name NAME --kind KIND --url URL [kind flags] [--secret-stdin]
       ferry target list
       ferry target remove NAME
       ferry target set-secret NAME [--only SECRET] [--secret-stdin]
       ferry target test NAME`

func runTarget(ctx context.Context, c *cli, args []string) error {
	return c.subcommand(ctx, "target", targetUsage, map[string]func(context.Context, *cli, []string) error{
		"add": targetAdd, "list": targetList, "remove": targetRemove,
		"set-secret": targetSetSecret, "test": targetTest,
	}, args)
}

// int64List is a flag holding comma-separated ids.
type int64List []int64

func (l *int64List) String() string {
	s := make([]string, len(*l))
	for i, v := range *l {
		s[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(s, ",")
}

func (l *int64List) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a numeric id", part)
		}
		*l = append(*l, n)
	}
	return nil
}

// sizeFlag is a flag holding a human size ("8MiB").
type sizeFlag config.Size

func (s *sizeFlag) String() string { return config.Size(*s).String() }

func (s *sizeFlag) Set(v string) error {
	n, err := config.ParseSize(v)
	*s = sizeFlag(n)
	return err
}

func targetAdd(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("target add", "ferry target add --name NAME --kind KIND --url URL [kind flags] [--secret-stdin]")
	var t config.Target
	var chunk sizeFlag
	var recipients int64List
	fs.StringVar(&t.Name, "name", "", "target name (letters, digits, '.', '_', '-')")
	fs.StringVar(&t.Kind, "kind", "", "service: "+strings.Join(config.Kinds, ", "))
	fs.StringVar(&t.BaseURL, "url", "", "base URL (https://, or http://127.0.0.1 for the sandbox)")
	fs.StringVar(&t.TLSPinSHA256, "tls-pin", "", "trust this self-signed certificate (SHA-256 fingerprint) for this target only")
	fs.Var(&chunk, "chunk-size", "chunk size override, e.g. 8MiB")
	fs.StringVar(&t.ParentID, "parent-id", "", "filesro: folder id inside the share")
	fs.BoolVar(&t.Protected, "protected", false, "filesro: the share has a password (asked for after the token)")
	fs.BoolVar(&t.VueFileManager, "vue-file-manager", false, "filesro: a self-hosted VueFileManager instead of files.ro")
	fs.StringVar(&t.Auth, "auth", "", `quatrix: "apikey" (default) or "password"`)
	fs.StringVar(&t.Email, "email", "", `quatrix: login email for --auth password`)
	fs.StringVar(&t.Conflict, "conflict", "", "quatrix: default conflict policy: rename, overwrite or skip")
	fs.BoolVar(&t.PublicLinks, "public-links", false, "quatrix: make a public link (anyone with it can download) for every uploaded file")
	fs.Int64Var(&t.LinkExpiryDays, "link-expiry-days", 0, "quatrix: public links expire after this many days (default never)")
	fs.BoolVar(&t.LinkPin, "link-pin", false, "quatrix: public links ask for a PIN, asked for after the login secret and kept with it (never in the config); give it to people separately")
	fs.StringVar(&t.CompanyID, "company-id", "", "twake: company id")
	fs.BoolVar(&t.DriveFolders, "drive-folders", false, "twake: recreate folders as Twake Drive items")
	fs.StringVar(&t.DriveParentID, "drive-parent-id", "", "twake: Drive folder to upload under (default root)")
	fs.IntVar(&t.ParallelChunks, "parallel-chunks", 0, "twake: chunks of one file sent at once (default 4)")
	fs.BoolVar(&t.KeepPathInName, "keep-path-in-name", false, "twake: without Drive folders, keep the path in the file name")
	fs.StringVar(&t.Dialect, "dialect", "", `selfcommunity: form fields "plain" (default) or "qq"`)
	fs.Var(&recipients, "recipients", "selfcommunity: user ids to send each file to, comma-separated")
	fs.Int64Var(&t.Group, "group", 0, "selfcommunity: group id to send each file to")
	fs.BoolVar(&t.NoMD5, "no-md5", false, "selfcommunity: leave the whole-file MD5 out of the done call")
	fromStdin := fs.Bool("secret-stdin", false, "read secrets from standard input, one per line, instead of prompting")
	noTest := fs.Bool("no-test", false, "save without testing the login first (by default one real request checks it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("target add: unexpected argument %q", fs.Arg(0))
	}
	if t.Name == "" || t.Kind == "" || t.BaseURL == "" {
		return usagef("target add needs --name, --kind and --url")
	}
	t.ChunkSize, t.Recipients = config.Size(chunk), recipients

	cfg, paths, err := c.loadConfig()
	if err != nil {
		return err
	}
	if cfg.Target(t.Name) != nil {
		return fmt.Errorf("target add: target %q already exists (remove it first, or use `ferry target set-secret %s`)", t.Name, t.Name)
	}
	cfg.Targets = append(cfg.Targets, t)
	if err := cfg.Validate(); err != nil {
		return usagef("target add: %s", flagWords(err.Error()))
	}
	if err := CheckTargetUse(t); err != nil {
		// Said, not refused: a target that only stores files is allowed.
		fmt.Fprintf(c.Err, "ferry: note: %s\n", flagWords(err.Error()))
	}
	store, err := c.store(cfg)
	if err != nil {
		return err
	}
	// Ask for every secret before storing any, so a refused prompt leaves
	// nothing behind.
	values := map[string]string{}
	for _, s := range TargetSecrets(t) {
		if values[s.Name], err = c.readSecret(s.Prompt, *fromStdin); err != nil {
			return err
		}
	}
	if !*noTest {
		if err := c.testBeforeAdd(ctx, t, store, values, paths); err != nil {
			return err
		}
	}
	for name, v := range values {
		if err := store.Set(t.Name, name, v); err != nil {
			return fmt.Errorf("target add: %w", err)
		}
	}
	// The add is made on the file as it is now (another process may have
	// changed it while the secrets were asked for).
	_, err = config.NewStore(paths.ConfigFile).Apply(func(cur *config.Config) error {
		if cur.Target(t.Name) != nil {
			return fmt.Errorf("target %q was added meanwhile by another Ferry", t.Name)
		}
		cur.Targets = append(cur.Targets, t)
		return nil
	})
	if err != nil {
		for name := range values {
			// Best effort: the config save already failed and is the error to report.
			_ = store.Delete(t.Name, name)
		}
		return fmt.Errorf("target add: %w", err)
	}
	fmt.Fprintf(c.Out, "added target %q (%s, %s); secret kept in the %s\n", t.Name, t.Kind, t.BaseURL, store.Describe())
	if *noTest {
		fmt.Fprintf(c.Out, "not tested (--no-test); test it with: ferry target test %s\n", t.Name)
	}
	return nil
}

// testBeforeAdd makes the new target's real check with the secrets just
// given, before anything is saved, and says the result. A refusal saves
// nothing and says how to add the target anyway.
func (c *cli) testBeforeAdd(ctx context.Context, t config.Target, store secrets.Store, values map[string]string, paths config.Paths) error {
	log, closeLog, err := c.logger(false)
	if err != nil {
		return err
	}
	defer closeLog()
	fmt.Fprintf(c.Err, "testing the login at %s…\n", t.BaseURL)
	if err := testUnsaved(ctx, t, store, values, BuildOptions{Log: log, StateDir: paths.ProviderDir()}); err != nil {
		return fmt.Errorf("target add: the test failed, nothing was saved: %s\n"+
			"correct it and run the command again, or add the target untested with --no-test", err)
	}
	fmt.Fprintln(c.Out, "login tested: the server accepted it")
	return nil
}

// targetFlags names the flag of each config key of a target, so that CLI
// messages speak of --company-id, not company_id.
var targetFlags = map[string]string{
	"name": "--name", "kind": "--kind", "base_url": "--url", "tls_pin_sha256": "--tls-pin", "chunk_size": "--chunk-size",
	"parent_id": "--parent-id", "protected": "--protected", "vue_file_manager": "--vue-file-manager",
	"auth": "--auth", "email": "--email", "conflict": "--conflict",
	"company_id": "--company-id", "drive_folders": "--drive-folders", "drive_parent_id": "--drive-parent-id",
	"parallel_chunks": "--parallel-chunks", "keep_path_in_name": "--keep-path-in-name",
	"dialect": "--dialect", "recipients": "--recipients", "group": "--group", "no_md5": "--no-md5",
	"public_links": "--public-links", "link_expiry_days": "--link-expiry-days", "link_pin": "--link-pin",
}

// flagWords replaces the target config keys in msg (whole words, not in
// quotes) by their flags.
func flagWords(msg string) string {
	return replaceKeys(msg, func(key string) (string, bool) {
		f, ok := targetFlags[key]
		return f, ok
	})
}

// replaceKeys rewrites each whole word of msg for which repl answers ok.
// A word is a run of letters, digits and '_' not inside double quotes.
func replaceKeys(msg string, repl func(string) (string, bool)) string {
	var b strings.Builder
	quoted := false
	for i := 0; i < len(msg); {
		ch := msg[i]
		if ch == '"' {
			quoted = !quoted
		}
		if quoted || !isWordByte(ch) || (i > 0 && isWordByte(msg[i-1])) {
			b.WriteByte(ch)
			i++
			continue
		}
		j := i
		for j < len(msg) && isWordByte(msg[j]) {
			j++
		}
		w := msg[i:j]
		if r, ok := repl(w); ok && (i == 0 || msg[i-1] != '-') {
			w = r
		}
		b.WriteString(w)
		i = j
	}
	return b.String()
}

func isWordByte(ch byte) bool {
	return ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9'
}

func targetList(_ context.Context, c *cli, args []string) error {
	fs := c.flags("target list", "ferry target list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, _, err := c.loadConfig()
	if err != nil {
		return err
	}
	if len(cfg.Targets) == 0 {
		fmt.Fprintln(c.Out, "no targets; add one with `ferry target add` (or try `ferry sandbox`)")
		return nil
	}
	store, err := c.store(cfg)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tURL\tSECRET")
	var unavailable error
	for _, t := range cfg.Targets {
		var states []string
		for _, s := range TargetSecrets(t) {
			_, err := store.Get(t.Name, s.Name)
			state := "stored"
			switch {
			case errors.Is(err, secrets.ErrNotFound):
				state = "missing"
			case err != nil:
				state, unavailable = "unavailable", err
			}
			states = append(states, s.Name+" "+state)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Kind, t.BaseURL, strings.Join(states, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if unavailable != nil {
		// The list is still useful; say once why secrets could not be read.
		fmt.Fprintln(c.Err, "ferry:", c.redac.Redact(unavailable.Error()))
	}
	return nil
}

func targetRemove(_ context.Context, c *cli, args []string) error {
	fs := c.flags("target remove", "ferry target remove NAME")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("target remove needs exactly one target name")
	}
	name := fs.Arg(0)
	cfg, paths, err := c.loadConfig()
	if err != nil {
		return err
	}
	t := cfg.Target(name)
	if t == nil {
		return fmt.Errorf("target remove: no target %q", name)
	}
	var users []string
	for _, f := range cfg.Folders {
		if f.Target == name {
			users = append(users, f.Name)
		}
	}
	if len(users) > 0 {
		return fmt.Errorf("target remove: folders %s upload to %q: remove them first with `ferry folder remove`",
			strings.Join(users, ", "), name)
	}
	kind := t.Kind
	store, err := c.store(cfg)
	if err != nil {
		return err
	}
	// The config goes first: the target is gone even when the keyring is
	// locked, and the error below says which secrets are left behind. The
	// checks are made again on the file as it is under the lock.
	_, err = config.NewStore(paths.ConfigFile).Apply(func(cur *config.Config) error {
		if cur.Target(name) == nil {
			return fmt.Errorf("no target %q", name)
		}
		for _, f := range cur.Folders {
			if f.Target == name {
				return fmt.Errorf("folder %s now uploads to %q: remove it first with `ferry folder remove`", f.Name, name)
			}
		}
		cur.Targets = slices.DeleteFunc(cur.Targets, func(x config.Target) bool { return x.Name == name })
		return nil
	})
	if err != nil {
		return fmt.Errorf("target remove: %w", err)
	}
	var errs []error
	for _, s := range storedSecretNames(kind) {
		if err := store.Delete(name, s); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("target remove: removed %q from the config, but not its secrets: %w", name, errors.Join(errs...))
	}
	fmt.Fprintf(c.Out, "removed target %q and its secrets\n", name)
	return nil
}

func targetSetSecret(_ context.Context, c *cli, args []string) error {
	fs := c.flags("target set-secret", "ferry target set-secret NAME [--only SECRET] [--secret-stdin]")
	fromStdin := fs.Bool("secret-stdin", false, "read secrets from standard input, one per line, instead of prompting")
	only := fs.String("only", "", "store only the secret `SECRET` of the target (as `ferry target list` names it, e.g. public_link_pin) instead of all of them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("target set-secret needs exactly one target name")
	}
	cfg, paths, err := c.loadConfig()
	if err != nil {
		return err
	}
	t := cfg.Target(fs.Arg(0))
	if t == nil {
		return fmt.Errorf("target set-secret: no target %q", fs.Arg(0))
	}
	specs := TargetSecrets(*t)
	if *only != "" {
		specs = slices.DeleteFunc(specs, func(s SecretSpec) bool { return s.Name != *only })
		if len(specs) == 0 {
			return usagef("target set-secret: target %q has no secret %q; its secrets are %s",
				t.Name, *only, strings.Join(secretNames(TargetSecrets(*t)), ", "))
		}
	}
	store, err := c.store(cfg)
	if err != nil {
		return err
	}
	for _, s := range specs {
		v, err := c.readSecret(s.Prompt, *fromStdin)
		if err != nil {
			return err
		}
		if err := store.Set(t.Name, s.Name, v); err != nil {
			return fmt.Errorf("target set-secret: %w", err)
		}
		fmt.Fprintf(c.Out, "stored %s for target %q in the %s\n", s.Name, t.Name, store.Describe())
	}
	// A running app or `ferry watch` follows the marker: it drops the
	// target's cached credentials and retries what failed for them.
	if err := config.NewStore(paths.ConfigFile).MarkSecretChanged(t.Name); err != nil {
		return fmt.Errorf("target set-secret: the secret is stored, but a running Ferry was not told "+
			"(restart it to use the new secret): %w", err)
	}
	return nil
}

// secretNames lists the names of specs.
func secretNames(specs []SecretSpec) []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Name
	}
	return out
}

// checkTimeout bounds `ferry target test`.
const checkTimeout = 60 * time.Second

func targetTest(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("target test", "ferry target test NAME")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("target test needs exactly one target name")
	}
	cfg, paths, err := c.loadConfig()
	if err != nil {
		return err
	}
	t := cfg.Target(fs.Arg(0))
	if t == nil {
		return fmt.Errorf("target test: no target %q", fs.Arg(0))
	}
	store, err := c.store(cfg)
	if err != nil {
		return err
	}
	log, closeLog, err := c.logger(false)
	if err != nil {
		return err
	}
	defer closeLog()
	p, err := BuildProvider(*t, store, BuildOptions{Log: log, StateDir: paths.ProviderDir()})
	if err != nil {
		return fmt.Errorf("target test: %w", err)
	}
	defer closeProvider(p)
	fmt.Fprintf(c.Out, "target %q: %s at %s\n", t.Name, t.Kind, t.BaseURL)
	fmt.Fprintf(c.Out, "  secrets: read from the %s\n", store.Describe())
	configured := int64(t.ChunkSize)
	if configured == 0 {
		configured = int64(cfg.Transfer.ChunkSize)
	}
	describeCaps(c, p.Capabilities(), configured)
	if err := checkProvider(ctx, p, t.Kind); err != nil {
		return fmt.Errorf("target test: %w", err)
	}
	fmt.Fprintln(c.Out, "  credentials: accepted by the server")
	return nil
}

// checkProvider performs p's credential check, a real request, and
// explains a refusal in words. The CLI and the settings window share it.
func checkProvider(ctx context.Context, p provider.Provider, kind string) error {
	ch, ok := p.(provider.Checker)
	if !ok {
		return fmt.Errorf("the %s provider cannot check credentials without uploading; try a small upload", kind)
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	// A passing server hiccup (a 5xx, a reset) says nothing about the
	// credentials: try again a few times before answering.
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 300 * time.Millisecond
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := ch.Check(ctx)
		if err != nil && !provider.IsRetryable(err) {
			return struct{}{}, backoff.Permanent(err)
		}
		return struct{}{}, err
	}, backoff.WithBackOff(b), backoff.WithMaxTries(checkTries))
	if err != nil {
		return &checkError{msg: explainCheck(err), err: err}
	}
	return nil
}

// checkError is a failed credential check: the sentence for people
// (explainCheck) as its text, the provider's error behind it.
type checkError struct {
	msg string
	err error
}

func (e *checkError) Error() string { return e.msg }
func (e *checkError) Unwrap() error { return e.err }

// checkTries is how many times a credential check is tried when the server
// fails for a reason that may pass.
const checkTries = 4

// describeCaps prints how the target's uploads go; configured is the chunk
// size the config sets for it (0 when it sets none), which the engine uses
// instead of the provider's defaults.
func describeCaps(c *cli, caps provider.Capabilities, configured int64) {
	chunks := "one chunk at a time"
	if caps.ParallelChunks {
		chunks = "chunks in parallel"
	}
	resume := "restarts interrupted files from the start"
	if caps.Resumable {
		resume = "resumes interrupted files"
	}
	folders := map[provider.FolderModel]string{
		provider.FoldersNone:          "no folders",
		provider.FoldersClientCreated: "folders created by Ferry",
		provider.FoldersServerCreated: "folders created by the server",
	}[caps.Folders]
	size := humanBytes(caps.DefaultChunkSize) + " chunks by default"
	switch {
	case configured > 0:
		size = humanBytes(configured) + " chunks (configured)"
	case caps.LargeFileChunkSize > 0:
		size = fmt.Sprintf("%s chunks by default, %s for files over %s",
			humanBytes(caps.DefaultChunkSize), humanBytes(caps.LargeFileChunkSize), humanBytes(caps.LargeFileSize))
	}
	fmt.Fprintf(c.Out, "  uploads: %s, %s, %s, %s\n", size, chunks, resume, folders)
}

// explainCheck turns a failed check into a sentence by error kind; the
// error's own text (already free of secrets) follows for detail.
func explainCheck(err error) string {
	kind, _ := provider.Classify(err)
	switch {
	case isReadOnlyShare(err.Error()):
		return "the share link only allows viewing, and uploads need an editor link: " +
			"create a share with the editor permission and use its token: " + err.Error()
	}
	switch kind {
	case provider.ErrAuth:
		return "the server refused the credentials; store new ones with `ferry target set-secret`: " + err.Error()
	case provider.ErrRetryable:
		return "the server could not be reached or is busy; check the URL and your network: " + err.Error()
	case context.DeadlineExceeded, context.Canceled:
		return "no answer in time: " + err.Error()
	}
	return err.Error()
}

// closeProvider ends provider sessions that hold server state (quatrix
// logs out); providers without one have nothing to close.
func closeProvider(p provider.Provider) {
	if cl, ok := p.(interface{ Close(context.Context) error }); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// Logging out is a courtesy; the check's outcome is what the user asked for.
		_ = cl.Close(ctx)
	}
}

// humanBytes writes n for people: "50 MB", "200 kB", "4 MiB" when exact.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1e6:
		return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) + " MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1e3:
		return strconv.FormatFloat(float64(n)/1e3, 'f', -1, 64) + " kB"
	}
	return fmt.Sprintf("%d bytes", n)
}
