package app

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/ui"
)

func loadConfigFile(t *testing.T, e *env) *config.Config {
	t.Helper()
	cfg, err := config.Load(e.configPath())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestGUISettingsPersistAndApply(t *testing.T) {
	g := newGUIEnv(t, newEnv(t))
	def := g.b.Settings()
	if def.ParallelFiles != config.DefaultParallelFiles || def.NotifyUploaded || !def.NotifyFailed || def.StartAtLogin {
		t.Errorf("defaults %+v", def)
	}
	want := ui.Settings{
		ParallelFiles: 2, Bandwidth: 1_000_000, NotifyUploaded: true, NotifyFailed: false,
		StartAtLogin: true, LastTarget: "t", LastRemoteDir: "a/b",
	}
	if err := g.b.SaveSettings(want); err != nil {
		t.Fatal(err)
	}
	if got := g.b.Settings(); got != want {
		t.Errorf("Settings = %+v, want %+v", got, want)
	}
	cfg := loadConfigFile(t, g.e)
	if cfg.Transfer.ParallelFiles != 2 || cfg.Transfer.BandwidthLimit != 1_000_000 || !cfg.UI.Notifications.UploadedOn() ||
		cfg.UI.Notifications.FailedOn() || cfg.UI.Notifications.AttentionOn() || !cfg.UI.StartAtLogin || cfg.UI.LastRemoteDir != "a/b" {
		t.Errorf("saved config %+v", cfg)
	}
	if bw := g.b.rt.engine.Bandwidth(); bw != 1_000_000 {
		t.Errorf("engine bandwidth %d", bw)
	}
	if st := g.b.Status(); st.Parallel != 2 || st.Bandwidth != 1_000_000 {
		t.Errorf("status %+v", st)
	}
	if !slices.Equal(g.auto, []string{"on /opt/ferry/ferry"}) {
		t.Errorf("autostart calls %q", g.auto)
	}

	// The toolbar's controls persist too.
	if err := g.b.SetBandwidth(0); err != nil {
		t.Fatal(err)
	}
	if err := g.b.SetParallel(6); err != nil {
		t.Fatal(err)
	}
	if cfg := loadConfigFile(t, g.e); cfg.Transfer.BandwidthLimit != 0 || cfg.Transfer.ParallelFiles != 6 {
		t.Errorf("toolbar settings not saved: %+v", cfg.Transfer)
	}

	// A refused login item leaves the setting as it was.
	g.mu.Lock()
	g.fail = errors.New("read-only home")
	g.mu.Unlock()
	off := g.b.Settings()
	off.StartAtLogin = false
	if err := g.b.SaveSettings(off); err == nil || !strings.Contains(err.Error(), "read-only home") {
		t.Errorf("SaveSettings with a failing login item: %v", err)
	}
	if !g.b.Settings().StartAtLogin || !loadConfigFile(t, g.e).UI.StartAtLogin {
		t.Error("start at login changed although the login item was not removed")
	}
	if err := g.b.SaveSettings(ui.Settings{ParallelFiles: 0}); err == nil {
		t.Error("0 files at once accepted")
	}
}

func TestGUITargetForms(t *testing.T) {
	g := newGUIEnv(t, newEnv(t))
	kinds := g.b.TargetKinds()
	if len(kinds) != len(config.Kinds) {
		t.Fatalf("%d kinds, want %d", len(kinds), len(config.Kinds))
	}
	for _, k := range kinds {
		keys := map[string]ui.Field{}
		for _, f := range k.Fields {
			keys[f.Key] = f
		}
		if !keys["base_url"].Required || k.Label == "" {
			t.Errorf("%s: base_url missing or optional, label %q", k.Kind, k.Label)
		}
		for _, s := range storedSecretNames(k.Kind) {
			if f, ok := keys[s]; !ok || !f.Secret || f.Label == "" {
				t.Errorf("%s: secret %s is not a secret field: %+v", k.Kind, s, f)
			}
		}
		if k.Kind == config.KindFilesRo && (!keys[SecretShareToken].Required || keys[SecretSharePass].Required) {
			t.Errorf("filesro: share token must be required, the password not")
		}
	}
	if err := g.b.SecretsProblem(); err != nil {
		t.Errorf("SecretsProblem with a working store: %v", err)
	}

	q := ui.Target{Name: "work", Kind: config.KindQuatrix, Settings: map[string]string{
		"base_url": "https://q.example", "conflict": "overwrite", "chunk_size": "8MiB",
	}}
	var p *ui.Problem
	if err := g.b.SaveTarget(q, nil); !errors.As(err, &p) || p.Field != SecretAPIKey || !strings.Contains(p.Reason, "API key") {
		t.Errorf("target without its secret: %v", err)
	}
	bad := q
	bad.Settings = map[string]string{"base_url": "ftp://q.example"}
	if err := g.b.SaveTarget(bad, map[string]string{SecretAPIKey: "k-1"}); err == nil {
		t.Error("ftp URL accepted")
	}
	odd := q
	odd.Settings = map[string]string{"base_url": "https://q.example", "company_id": "c"}
	if err := g.b.SaveTarget(odd, map[string]string{SecretAPIKey: "k-1"}); err == nil || !strings.Contains(err.Error(), "company_id") {
		t.Errorf("a twake setting on quatrix: %v", err)
	}
	if len(g.b.Targets()) != 0 {
		t.Fatalf("refused targets were saved: %+v", g.b.Targets())
	}
	if err := g.b.SaveTarget(q, map[string]string{SecretAPIKey: "k-123"}); err != nil {
		t.Fatal(err)
	}
	ts := g.b.Targets()
	if len(ts) != 1 || !ts[0].HasSecret || ts[0].Settings["conflict"] != "overwrite" || ts[0].Settings["chunk_size"] != "8MiB" {
		t.Errorf("Targets = %+v", ts)
	}
	if v, err := g.b.rt.store.Get("work", SecretAPIKey); err != nil || v != "k-123" {
		t.Errorf("stored key %q, %v", v, err)
	}
	// Replacing keeps the stored secret when none is given.
	q.Settings["conflict"] = "skip"
	if err := g.b.SaveTarget(q, nil); err != nil {
		t.Fatal(err)
	}
	if c := loadConfigFile(t, g.e).Target("work"); c == nil || c.Conflict != "skip" || c.ChunkSize != 8<<20 {
		t.Errorf("saved target %+v", c)
	}
	if err := g.b.TestTarget(t.Context(), "ghost"); err == nil {
		t.Error("TestTarget of an unknown target passed")
	}

	// A folder uses it: removal is refused until the folder goes.
	dir := filepath.Join(g.e.dir, "watched")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := g.b.SaveFolder(ui.Folder{Name: "w", Path: filepath.Join(g.e.dir, "missing"), Target: "work", Enabled: true}); err == nil {
		t.Error("a missing folder was accepted")
	}
	if err := g.b.SaveFolder(ui.Folder{Name: "w", Path: dir, Target: "work", RemoteDir: "/x/", Ignore: []string{"*.tmp"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the watcher", func() bool {
		f := g.b.Folders()
		return len(f) == 1 && f[0].Health == "ok" && f[0].RemoteDir == "x" && f[0].Conflict == "rename"
	})
	if err := g.b.RemoveTarget("work"); err == nil || !strings.Contains(err.Error(), "w") {
		t.Errorf("RemoveTarget with a folder: %v", err)
	}
	if err := g.b.SaveFolder(ui.Folder{Name: "w", Path: dir, Target: "work", Enabled: false}); err != nil {
		t.Fatal(err)
	}
	if f := g.b.Folders(); len(f) != 1 || f[0].Enabled || f[0].Health != "off" || len(g.b.ws.statuses()) != 0 {
		t.Errorf("disabled folder %+v, watchers %v", f, g.b.ws.statuses())
	}
	if err := g.b.RemoveFolder("w"); err != nil {
		t.Fatal(err)
	}
	if err := g.b.RemoveTarget("work"); err != nil {
		t.Fatal(err)
	}
	if _, err := g.b.rt.store.Get("work", SecretAPIKey); err == nil {
		t.Error("the secret outlived its target")
	}
	if cfg := loadConfigFile(t, g.e); len(cfg.Targets) != 0 || len(cfg.Folders) != 0 {
		t.Errorf("config after removals %+v", cfg)
	}
}
