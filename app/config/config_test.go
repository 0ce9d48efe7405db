package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"
)

const full = `secrets = "file:/home/u/.ferry-secrets.toml"

[[target]]
name = "work"
kind = "quatrix"
base_url = "https://acme.quatrix.it"
auth = "password"
email = "me@example.com"
conflict = "overwrite"
chunk_size = "8MiB"

[[target]]
name = "drop"
kind = "filesro"
base_url = "https://files.ro"
parent_id = "5a1d"
protected = true
vue_file_manager = true
tls_pin_sha256 = "` + "AB:" + `cdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

[[target]]
name = "chat"
kind = "twake"
base_url = "http://127.0.0.1:8080"
company_id = "c1"
drive_folders = true
drive_parent_id = "root"
parallel_chunks = 8
keep_path_in_name = true

[[target]]
name = "pm"
kind = "selfcommunity"
base_url = "http://localhost:9000/base"
dialect = "qq"
recipients = [7, 9]
group = 3

[[folder]]
name = "photos"
path = "` + fixtureRoot + `/home/u/Photos"
target = "work"
remote_dir = "Camera/2026"
conflict = "skip"
ignore = ["*.tmp", ".DS_Store"]
enabled = false

[transfer]
parallel_files = 6
per_target_parallel = 2
bandwidth_limit = "2MB/s"
stall_timeout = "90s"
chunk_size = 1048576

[ui]
start_at_login = true
last_target = "work"
last_remote_dir = "Camera"

[ui.notifications]
uploaded = true
failed = false
`

func TestParseFull(t *testing.T) {
	cfg, err := Parse([]byte(full), "config.toml")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Target("work").ChunkSize; got != 8<<20 {
		t.Errorf("work chunk_size = %d", got)
	}
	if cfg.Transfer.BandwidthLimit != 2_000_000 {
		t.Errorf("bandwidth_limit = %d", cfg.Transfer.BandwidthLimit)
	}
	if time.Duration(cfg.Transfer.StallTimeout) != 90*time.Second {
		t.Errorf("stall_timeout = %v", cfg.Transfer.StallTimeout)
	}
	if f := cfg.Folder("photos"); f.IsEnabled() || f.ConflictOrDefault() != "skip" || len(f.Ignore) != 2 {
		t.Errorf("folder = %+v", f)
	}
	n := cfg.UI.Notifications
	if !n.UploadedOn() || n.FailedOn() || !n.AttentionOn() {
		t.Errorf("notifications = %v %v %v", n.UploadedOn(), n.FailedOn(), n.AttentionOn())
	}
	if got := cfg.Target("pm").Recipients; !reflect.DeepEqual(got, []int64{7, 9}) {
		t.Errorf("recipients = %v", got)
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := Parse([]byte("[[target]]\nname = \"t\"\nkind = \"twake\"\nbase_url = \"https://x\"\ncompany_id = \"c\"\n"+
		"[[target]]\nname = \"s\"\nkind = \"selfcommunity\"\nbase_url = \"https://y\"\n"+
		"[[folder]]\nname = \"f\"\npath = \""+fixtureRoot+"/abs\"\ntarget = \"t\"\n"), "config.toml")
	if err != nil {
		t.Fatal(err)
	}
	tw, sc, f := cfg.Target("t"), cfg.Target("s"), cfg.Folder("f")
	if tw.ParallelChunksOrDefault() != 4 || sc.ParallelChunksOrDefault() != 1 {
		t.Errorf("parallel chunks = %d, %d", tw.ParallelChunksOrDefault(), sc.ParallelChunksOrDefault())
	}
	if sc.ChunkSizeOrDefault() != 204800 || tw.ChunkSizeOrDefault() != 0 || sc.DialectOrDefault() != "plain" {
		t.Errorf("selfcommunity defaults wrong: %d %d %s", sc.ChunkSizeOrDefault(), tw.ChunkSizeOrDefault(), sc.DialectOrDefault())
	}
	if !f.IsEnabled() || f.ConflictOrDefault() != "rename" {
		t.Errorf("folder defaults wrong: %+v", f)
	}
	for _, c := range []struct {
		folder, target, kind, want string
	}{
		{"", "", KindQuatrix, "overwrite"},
		{"", "", KindFilesRo, "rename"},
		{"", "skip", KindQuatrix, "skip"},
		{"rename", "skip", KindQuatrix, "rename"},
	} {
		got := Folder{Conflict: c.folder}.ConflictFor(&Target{Kind: c.kind, Conflict: c.target})
		if got != c.want {
			t.Errorf("ConflictFor(folder %q, target %q %s) = %q, want %q", c.folder, c.target, c.kind, got, c.want)
		}
	}
	if got := (Folder{}).ConflictFor(nil); got != "rename" {
		t.Errorf("ConflictFor(nil target) = %q", got)
	}
	tr := cfg.Transfer
	if tr.ParallelFilesOrDefault() != 4 || tr.PerTargetParallelOrDefault() != 4 || tr.StallTimeoutOrDefault() != 2*time.Minute {
		t.Errorf("transfer defaults wrong: %+v", tr)
	}
	n := cfg.UI.Notifications
	if n.UploadedOn() || !n.FailedOn() || !n.AttentionOn() {
		t.Error("notification defaults wrong")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	want, err := Parse([]byte(full), "config.toml")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "new", "ferry")
	path := filepath.Join(dir, "config.toml")
	if err := Save(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.base == nil {
		t.Error("Load did not record what the file held (Store.Save's stale check needs it)")
	}
	loaded := *got
	loaded.base = nil // Parse's result has none
	if !reflect.DeepEqual(&loaded, want) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", got, want)
	}
	// Saving twice gives identical bytes (stable output, no defaults added).
	first, _ := os.ReadFile(path)
	if err := Save(path, got); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(path)
	if string(first) != string(second) {
		t.Error("second save changed the file")
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("file mode = %v, want 0600", fi.Mode().Perm())
		}
		if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
			t.Errorf("dir mode = %v, want 0700", fi.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(dir)
	// The config and its lock file (kept: removing a lock file races
	// with a process about to take it).
	if len(entries) != 2 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestSaveRefusesInvalid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	err := Save(path, &Config{Targets: []Target{{Name: "x", Kind: "ftp"}}})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	if _, serr := os.Stat(path); !errors.Is(serr, os.ErrNotExist) {
		t.Error("an invalid config was written")
	}
}

func TestLoadMissingIsEmpty(t *testing.T) {
	cfg, err := Load(filepath.Join(t.TempDir(), "none.toml"))
	if err != nil || len(cfg.Targets) != 0 {
		t.Fatalf("Load(missing) = %+v, %v", cfg, err)
	}
}

func TestLoadNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("bogus = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || err.Error() != `config.toml:1: unknown key "bogus"` {
		t.Fatalf("err = %v", err)
	}
}

func TestIsSecretKey(t *testing.T) {
	for key, want := range map[string]bool{
		"token": true, "share_token": true, "password": true, "api_key": true, "apikey": true,
		"jwt": true, "client_secret": true, "access-token": true, "private_key": true,
		"secrets": false, "auth": false, "email": false, "keep_path_in_name": false,
		"tls_pin_sha256": false, "parent_id": false, "passage": false,
	} {
		if got := IsSecretKey(key); got != want {
			t.Errorf("IsSecretKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestErrorMessageLists(t *testing.T) {
	e := &Error{File: "c.toml", Problems: []Problem{{Line: 2, Msg: "a"}, {Msg: "b"}}}
	if got := e.Error(); got != "c.toml:2: a\nc.toml: b" {
		t.Errorf("Error() = %q", got)
	}
}

func BenchmarkParse(b *testing.B) {
	data := []byte(full)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, "config.toml"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBandwidthScheduleAndMetered(t *testing.T) {
	doc := tgt + "pause_on_metered = false\n" +
		"[[target]]\nname = \"home\"\nkind = \"quatrix\"\nbase_url = \"https://h.example\"\n" +
		"[transfer]\nbandwidth_schedule = \"Mon-Fri 08:00,512k 18:00,off\"\npause_on_metered = true\n"
	cfg, err := Parse([]byte(doc), "test.toml")
	if err != nil {
		t.Fatal(err)
	}
	tt, err := cfg.Transfer.Bandwidth()
	if err != nil {
		t.Fatal(err)
	}
	if _, constant := tt.IsConstant(); constant || tt.String() != "Mon-Fri 08:00,512k 18:00,off" {
		t.Errorf("timetable = %q (constant %v)", tt, constant)
	}
	if cfg.PausesOnMetered(*cfg.Target("work")) || !cfg.PausesOnMetered(*cfg.Target("home")) {
		t.Error("pause_on_metered: the target's false must override the global true, and home must follow the global")
	}
	// An old config with a plain rate keeps its meaning.
	old, err := Parse([]byte("[transfer]\nbandwidth_limit = \"2MB/s\"\n"), "old.toml")
	if err != nil {
		t.Fatal(err)
	}
	if tt, _ := old.Transfer.Bandwidth(); func() bool { r, ok := tt.IsConstant(); return !ok || r != 2_000_000 }() {
		t.Errorf("bandwidth_limit = \"2MB/s\" became %v", tt.Slots())
	}
	if old.PausesOnMetered(Target{Name: "x"}) {
		t.Error("pause_on_metered must default to off")
	}
}
