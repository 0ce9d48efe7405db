package bwtimetable

import (
	"strings"
	"testing"
	"time"
)

func TestParseValid(t *testing.T) {
	const k, m = 1 << 10, 1 << 20
	cases := []struct {
		spec string
		want []Slot // nil: check only the constant rate
		rate int64
	}{
		{spec: "512k", rate: 512 * k},
		{spec: "10M", rate: 10 * m},
		{spec: "1.5MiB/s", rate: 3 * m / 2},
		{spec: "8MB", rate: 8_000_000},
		{spec: "100B", rate: 100},
		{spec: "off", rate: 0},
		{spec: "OFF", rate: 0},
		{spec: "unlimited", rate: 0},
		{spec: "0", rate: 0},
		{spec: "1M:10M", rate: m}, // rclone's UP:DOWN: the upload half
		{spec: "  2Ki  ", rate: 2 * k},
		{spec: "Mon-08:00,512k", want: []Slot{{time.Monday, 8 * 60, 512 * k}}},
		{spec: "mon-08:00,512k sunday-23:59,off", want: []Slot{
			{time.Sunday, 23*60 + 59, 0}, {time.Monday, 8 * 60, 512 * k},
		}},
		{spec: "Mon-Fri 08:00,512k 18:00,off", want: []Slot{
			{time.Monday, 480, 512 * k},
			{time.Monday, 1080, 0},
			{time.Tuesday, 480, 512 * k},
			{time.Tuesday, 1080, 0},
			{time.Wednesday, 480, 512 * k},
			{time.Wednesday, 1080, 0},
			{time.Thursday, 480, 512 * k},
			{time.Thursday, 1080, 0},
			{time.Friday, 480, 512 * k},
			{time.Friday, 1080, 0},
		}},
		{spec: "Sat-Sun 00:00,1M; Mon-Fri 09:00,off", want: []Slot{
			{time.Sunday, 0, m},
			{time.Monday, 540, 0},
			{time.Tuesday, 540, 0},
			{time.Wednesday, 540, 0},
			{time.Thursday, 540, 0},
			{time.Friday, 540, 0},
			{time.Saturday, 0, m},
		}},
		{spec: "Fri-Mon 12:00,1M", want: []Slot{
			{time.Sunday, 720, m}, {time.Monday, 720, m}, {time.Friday, 720, m}, {time.Saturday, 720, m},
		}},
		// The later of two entries at the same day and minute wins (as rclone).
		{spec: "Mon-08:00,1M Mon-08:00,2M", want: []Slot{{time.Monday, 480, 2 * m}}},
		// The written order does not matter.
		{spec: "Tue-10:00,1M Mon-10:00,2M", want: []Slot{{time.Monday, 600, 2 * m}, {time.Tuesday, 600, m}}},
	}
	for _, c := range cases {
		tt, err := Parse(c.spec)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.spec, err)
			continue
		}
		if c.want == nil {
			r, ok := tt.IsConstant()
			if !ok || r != c.rate {
				t.Errorf("Parse(%q) = %v (constant %v), want constant %d", c.spec, tt.Slots(), ok, c.rate)
			}
			continue
		}
		got := tt.Slots()
		if len(got) != len(c.want) {
			t.Errorf("Parse(%q) = %v, want %v", c.spec, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("Parse(%q) slot %d = %v, want %v", c.spec, i, got[i], c.want[i])
			}
		}
		if tt.String() != strings.TrimSpace(c.spec) {
			t.Errorf("Parse(%q).String() = %q", c.spec, tt.String())
		}
	}
}

func TestParseEveryDayExpandsToSeven(t *testing.T) {
	tt, err := Parse("08:00,512k 12:00,10M 23:00,off")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tt.Slots()); n != 21 {
		t.Fatalf("%d slots, want 21 (three a day)", n)
	}
}

func TestParseInvalid(t *testing.T) {
	cases := []struct{ spec, want string }{
		{"", "empty"},
		{"   ", "empty"},
		{"512", `"512" has no unit: write 512k for KiB/s`},
		{"08:00,512", `has no unit`},
		{"fast", `"fast" is not a rate`},
		{"-1M", "negative"},
		{"0x10k", "is not a rate"},
		{"1e3k", "is not a rate"},
		{"NaNk", "is not a rate"},
		{"0.1B", "below one byte per second"},
		{"8:00,512k", `"8:00" is not a time: write HH:MM`},
		{"24:00,512k", "the hour must be 00 to 23"},
		{"08:60,512k", "the minute must be 00 to 59"},
		{"08-00,512k", `"08" is not a day`},
		{"Mon-8:00,1M", `"8:00" is not a time`},
		{"Mun-08:00,1M", `"Mun" is not a day: write Mon, Tue`},
		{"08:00,1M,2M", "more than one comma"},
		{"08:00,", "a rate is missing"},
		{"08:00,1M 18:00", `"18:00" has no rate`},
		{"Mon-08:00 18:00,off", `"Mon-08:00" has no rate`},
		{"Mon-Fri 8:00", `"8:00" has no rate`},
		{"Mon-Fry 08:00,1M", `not a day range like "Mon-Fri"`},
		{"Weekdays 08:00,1M", `neither a TIME,RATE entry nor a day`},
		{"Mon-Fri 08:00,1M Sat", "ends with a day group"},
		{"Mon Tue 08:00,1M", "follows another day group"},
		{"08:00,1M 18:00,fast", `in "18:00,fast": "fast" is not a rate`},
		{";;", "no entry"},
		{"99999999T", "too large"},
	}
	for _, c := range cases {
		_, err := Parse(c.spec)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want an error containing %q", c.spec, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %q, want it to contain %q", c.spec, err, c.want)
		}
	}
}

func TestFormatRate(t *testing.T) {
	for bps, want := range map[int64]string{0: "no limit", 100: "100 B/s", 512 << 10: "512 KiB/s", 3 << 19: "1.5 MiB/s", 10 << 20: "10 MiB/s"} {
		if got := FormatRate(bps); got != want {
			t.Errorf("FormatRate(%d) = %q, want %q", bps, got, want)
		}
	}
}
