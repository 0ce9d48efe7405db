package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Size is a byte count written as an integer or a human size: "512KiB",
// "8MB", "1.5GiB". kB/MB/GB are powers of 1000, KiB/MiB/GiB (and the bare
// K/M/G rclone users type) powers of 1024.
type Size int64

// Rate is a bandwidth in bytes per second, written like a Size with an
// optional "/s": "2MB/s". 0 means unlimited.
type Rate int64

// Duration is a time.Duration written as a Go duration string ("90s", "2m").
type Duration time.Duration

var units = []struct {
	suffix string
	mult   int64
}{
	// Longer suffixes first so "KiB" is not read as "B".
	{"kib", 1 << 10},
	{"mib", 1 << 20},
	{"gib", 1 << 30},
	{"tib", 1 << 40},
	{"kb", 1000},
	{"mb", 1000 * 1000},
	{"gb", 1000 * 1000 * 1000},
	{"tb", 1000 * 1000 * 1000 * 1000},
	{"k", 1 << 10},
	{"m", 1 << 20},
	{"g", 1 << 30},
	{"t", 1 << 40},
	{"b", 1},
}

// ParseSize parses a human byte count (see Size).
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return 0, errors.New("empty size")
	}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			mult = u.mult
			t = strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a size like 8MiB or 500kB", s)
	}
	if f < 0 {
		return 0, fmt.Errorf("size %q is negative", s)
	}
	v := f * float64(mult)
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return int64(v), nil
}

// FormatSize writes n in the largest IEC unit that divides it exactly, so
// that FormatSize and ParseSize round-trip.
func FormatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

func sizeFromTOML(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		if x < 0 {
			return 0, fmt.Errorf("size %d is negative", x)
		}
		return x, nil
	case string:
		return ParseSize(x)
	}
	return 0, fmt.Errorf("a size must be a number of bytes or a string like \"8MiB\", not %T", v)
}

// UnmarshalTOML accepts an integer byte count or a human size string.
func (s *Size) UnmarshalTOML(v any) error {
	n, err := sizeFromTOML(v)
	*s = Size(n)
	return err
}

// MarshalText writes the size in a form UnmarshalTOML reads back.
func (s Size) MarshalText() ([]byte, error) { return []byte(FormatSize(int64(s))), nil }

// String is the human form of s.
func (s Size) String() string { return FormatSize(int64(s)) }

// ParseRate parses a bandwidth such as "2MB/s", "512KiB" or "0".
func ParseRate(s string) (int64, error) {
	return ParseSize(strings.TrimSuffix(strings.TrimSpace(s), "/s"))
}

// UnmarshalTOML accepts an integer (bytes per second) or a string like "2MB/s".
func (r *Rate) UnmarshalTOML(v any) error {
	if s, ok := v.(string); ok {
		n, err := ParseRate(s)
		*r = Rate(n)
		return err
	}
	n, err := sizeFromTOML(v)
	*r = Rate(n)
	return err
}

// MarshalText writes the rate as "SIZE/s".
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// String is the human form of r ("unlimited" for 0 is left to callers).
func (r Rate) String() string { return FormatSize(int64(r)) + "/s" }

// UnmarshalTOML accepts a Go duration string ("90s", "2m").
func (d *Duration) UnmarshalTOML(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("a duration must be a string like \"90s\" or \"2m\", not %T", v)
	}
	x, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 90s or 2m", s)
	}
	if x < 0 {
		return fmt.Errorf("duration %q is negative", s)
	}
	*d = Duration(x)
	return nil
}

// MarshalText writes the duration in Go syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }
