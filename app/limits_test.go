package app

import (
	"context"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/transfer/bwtimetable"
)

func TestBwlimitFlagRefusesBadSpecs(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"upload", "--bwlimit", "8:00,1M", "x"}, `"8:00" is not a time: write HH:MM`},
		{[]string{"upload", "--bwlimit", "512", "x"}, `"512" has no unit`},
		{[]string{"watch", "--bwlimit", "Mon-Fry 08:00,1M"}, `not a day range like "Mon-Fri"`},
	} {
		r := e.run(context.Background(), "", tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.errOut, tc.says) {
			t.Errorf("ferry %v: exit %d, %q; want a usage error containing %q", tc.args, r.code, r.errOut, tc.says)
		}
	}
}

// TestBandwidthFollowsConfigUnlessFlagged: a timetable saved in the
// settings applies to the engine at once and shows in the status; a
// --bwlimit (overrideBandwidth) then holds against config changes.
func TestBandwidthFollowsConfigUnlessFlagged(t *testing.T) {
	g := newGUIEnv(t, newEnv(t))
	s := g.b.Settings()
	s.BandwidthSchedule = "Mon-Sun 00:00,3M"
	if err := g.b.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	if bw := g.b.rt.engine.Bandwidth(); bw != 3<<20 {
		t.Fatalf("engine limit %d after saving a timetable, want 3 MiB/s", bw)
	}
	cfg := loadConfigFile(t, g.e)
	if cfg.Transfer.BandwidthSchedule != "Mon-Sun 00:00,3M" || cfg.Transfer.BandwidthLimit != 0 {
		t.Fatalf("saved [transfer] %+v", cfg.Transfer)
	}
	if got := g.b.Settings().BandwidthSchedule; got != "Mon-Sun 00:00,3M" {
		t.Fatalf("Settings().BandwidthSchedule = %q", got)
	}
	// A bad timetable is refused with the reason, and nothing changes.
	s.BandwidthSchedule = "Mon-Sun 24:00,1M"
	if err := g.b.SaveSettings(s); err == nil || !strings.Contains(err.Error(), "the hour must be 00 to 23") {
		t.Fatalf("SaveSettings(bad timetable) = %v", err)
	}
	// The toolbar's one rate replaces the timetable.
	if err := g.b.SetBandwidth(1 << 20); err != nil {
		t.Fatal(err)
	}
	if cfg := loadConfigFile(t, g.e); cfg.Transfer.BandwidthSchedule != "" || cfg.Transfer.BandwidthLimit != 1<<20 {
		t.Fatalf("after SetBandwidth [transfer] %+v", cfg.Transfer)
	}
	// A varying timetable shows in the status.
	s = g.b.Settings()
	s.BandwidthSchedule = "00:00,1M 12:00,2M"
	if err := g.b.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	if note := g.b.Status().BandwidthNote; !strings.HasPrefix(note, "limit ") || !strings.Contains(note, " until ") {
		t.Fatalf("status note %q, want \"limit … until …\"", note)
	}

	flag, _ := bwtimetable.Parse("7k")
	g.b.rt.overrideBandwidth(&flag)
	if err := g.b.editConfig(func(c *config.Config) error { setBandwidth(c, 5<<20, ""); return nil }); err != nil {
		t.Fatal(err)
	}
	if bw := g.b.rt.engine.Bandwidth(); bw != 7<<10 {
		t.Fatalf("engine limit %d after a config change, want the --bwlimit 7k", bw)
	}
}
