package config

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "512": 512, "1KiB": 1024, "8MiB": 8 << 20, "8M": 8 << 20, "2MB": 2_000_000,
		"1.5GiB": 3 << 29, "500kB": 500_000, " 10 b ": 10, "1TiB": 1 << 40,
	} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-1MB", "1e400", "NaN", "ten", "1XB", "99999999999TiB"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, got)
		}
	}
}

func TestFormatSizeRoundTrip(t *testing.T) {
	for _, n := range []int64{0, 1, 1000, 1024, 204800, 8 << 20, 3 << 30, 1<<40 + 1} {
		got, err := ParseSize(FormatSize(n))
		if err != nil || got != n {
			t.Errorf("ParseSize(FormatSize(%d)=%q) = %d, %v", n, FormatSize(n), got, err)
		}
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]int64{"2MB/s": 2_000_000, "512KiB": 512 << 10, "0": 0, "1M/s": 1 << 20} {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestResolvePaths(t *testing.T) {
	env := map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "/cfg"}
	getenv := func(k string) string { return env[k] }

	p, err := ResolvePaths(fx("/flag/c.toml"), fx("/flag/data"), getenv)
	if err != nil || p.ConfigFile != fx("/flag/c.toml") || p.DataDir != fx("/flag/data") {
		t.Errorf("flags: %+v, %v", p, err)
	}
	env[EnvConfig], env[EnvDataDir] = fx("/env/c.toml"), fx("/env/data")
	p, err = ResolvePaths("", "", getenv)
	if err != nil || p.ConfigFile != fx("/env/c.toml") || p.DataDir != fx("/env/data") {
		t.Errorf("env: %+v, %v", p, err)
	}
	p, _ = ResolvePaths(fx("/flag/c.toml"), "", getenv)
	if p.ConfigFile != fx("/flag/c.toml") {
		t.Errorf("flag does not win over env: %+v", p)
	}
	if p.QueueFile() != filepath.Join(fx("/env/data"), "queue.db") || p.LogDir() != filepath.Join(fx("/env/data"), "logs") {
		t.Errorf("derived paths: %s %s", p.QueueFile(), p.LogDir())
	}
	rel, _ := ResolvePaths("rel.toml", "reldata", getenv)
	if !filepath.IsAbs(rel.ConfigFile) || !filepath.IsAbs(rel.DataDir) {
		t.Errorf("relative paths not made absolute: %+v", rel)
	}
	if runtime.GOOS != "linux" {
		return
	}
	delete(env, EnvDataDir)
	if d, _ := defaultDataDir("linux", getenv); d != "/home/u/.local/share/ferry" {
		t.Errorf("default data dir = %s", d)
	}
	env["XDG_DATA_HOME"] = "/xdg"
	if d, _ := defaultDataDir("linux", getenv); d != "/xdg/ferry" {
		t.Errorf("XDG data dir = %s", d)
	}
	env["XDG_DATA_HOME"] = "relative" // the XDG spec says to ignore relative values
	if d, _ := defaultDataDir("linux", getenv); d != "/home/u/.local/share/ferry" {
		t.Errorf("relative XDG_DATA_HOME used: %s", d)
	}
	delete(env, "HOME")
	delete(env, "XDG_DATA_HOME")
	if _, err := defaultDataDir("linux", getenv); err == nil {
		t.Error("no HOME: want an error")
	}
}
