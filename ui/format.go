package ui

import (
	"fmt"
	"time"
)

// humanBytes formats n with binary units, as file managers do.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	// A value that would print as 1000.0 or more moves up a unit:
	// 1002.9 KiB is written 1.0 MiB, as file managers do.
	v, exp := float64(n)/unit, 0
	for v >= 999.95 && exp < 4 {
		v /= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[exp])
}

// humanSpeed formats a rate in bytes per second.
func humanSpeed(bps float64) string {
	if bps <= 0 {
		return "—"
	}
	return humanBytes(int64(bps)) + "/s"
}

// humanETA formats a remaining time compactly ("3 s", "4 min", "2 h 5 min").
func humanETA(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Minute:
		return fmt.Sprintf("%d s left", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("%d min left", int(d.Minutes()+0.5))
	default:
		return fmt.Sprintf("%d h %d min left", int(d.Hours()), int(d.Minutes())%60)
	}
}

// bandwidthChoices are the limits offered one click away, bytes per second.
var bandwidthChoices = []struct {
	label string
	bps   int64
}{
	{"Unlimited", 0},
	{"100 KiB/s", 100 << 10},
	{"500 KiB/s", 500 << 10},
	{"1 MiB/s", 1 << 20},
	{"5 MiB/s", 5 << 20},
	{"10 MiB/s", 10 << 20},
	{"50 MiB/s", 50 << 20},
}

func bandwidthLabel(bps int64) string {
	for _, c := range bandwidthChoices {
		if c.bps == bps {
			return c.label
		}
	}
	return humanBytes(bps) + "/s"
}
