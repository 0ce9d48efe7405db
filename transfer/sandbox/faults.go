package sandbox

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultProfile says which failures the server injects into API requests
// (never into /_sandbox/ routes). Every API request draws one number from a
// generator seeded with Seed and gets at most one of the rate-based faults;
// Latency and Bandwidth apply to every API request. With the same seed and
// the same order of requests the same faults happen.
type FaultProfile struct {
	// Status maps an HTTP status (500, 502, 503, 504) to the fraction of
	// requests answered with it before the handler runs.
	Status map[int]float64
	// TooMany is the fraction of requests answered 429 with a Retry-After
	// of RetryAfter (default 1s).
	TooMany    float64
	RetryAfter time.Duration
	// Reset is the fraction of requests whose connection is reset after
	// half of the request body (by Content-Length) has been read.
	Reset float64
	// Expire is the rate at which Env.Expire says yes: an API forgets the
	// session or upload key a request names.
	Expire float64
	// Latency is added before every API request is handled.
	Latency time.Duration
	// Bandwidth caps each request body at this many bytes per second
	// (0: no cap).
	Bandwidth int64
	// Seed seeds the generator; Config.Seed wins when set.
	Seed int64
}

// ParseFaults reads a profile from a flag string such as
// "500=0.05,503=0.05,429=0.02,reset=0.03,latency=20ms,bw=50MB,seed=7".
// Keys: a 5xx status, 429, retry-after (duration), reset, expire, latency
// (duration), bw (bytes per second with an optional K/M/G suffix, powers
// of 1000, or KiB/MiB/GiB, powers of 1024; a trailing "/s" is allowed) and
// seed. Rates are fractions in [0,1] and must add up to at most 1. An empty
// string is the empty profile.
func ParseFaults(spec string) (FaultProfile, error) {
	var p FaultProfile
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, val, ok := strings.Cut(item, "=")
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		if !ok || val == "" {
			return FaultProfile{}, fmt.Errorf("parse faults: %q is not key=value", item)
		}
		if err := p.set(key, val); err != nil {
			return FaultProfile{}, fmt.Errorf("parse faults: %s: %w", item, err)
		}
	}
	if err := p.Validate(); err != nil {
		return FaultProfile{}, fmt.Errorf("parse faults: %w", err)
	}
	return p, nil
}

func (p *FaultProfile) set(key, val string) error {
	rate := func() (float64, error) {
		f, err := strconv.ParseFloat(val, 64)
		if err != nil || f < 0 || f > 1 {
			return 0, errors.New("rate must be a number between 0 and 1")
		}
		return f, nil
	}
	var err error
	switch key {
	case "429":
		p.TooMany, err = rate()
	case "reset":
		p.Reset, err = rate()
	case "expire":
		p.Expire, err = rate()
	case "retry-after":
		p.RetryAfter, err = time.ParseDuration(val)
	case "latency":
		p.Latency, err = time.ParseDuration(val)
	case "bw":
		p.Bandwidth, err = parseBytes(val)
	case "seed":
		p.Seed, err = strconv.ParseInt(val, 10, 64)
	default:
		code, cerr := strconv.Atoi(key)
		if cerr != nil || code < 500 || code > 599 {
			return errors.New("unknown key (want a 5xx status, 429, retry-after, reset, expire, latency, bw or seed)")
		}
		if p.Status == nil {
			p.Status = map[int]float64{}
		}
		p.Status[code], err = rate()
	}
	return err
}

// Validate checks rates are in [0,1] and sum to at most 1, and durations
// and bandwidth are not negative.
func (p FaultProfile) Validate() error {
	sum := p.TooMany + p.Reset
	for code, r := range p.Status {
		if code < 500 || code > 599 {
			return fmt.Errorf("fault status %d is not a 5xx", code)
		}
		if r < 0 || r > 1 {
			return fmt.Errorf("fault rate %v for %d is outside [0,1]", r, code)
		}
		sum += r
	}
	for _, r := range []float64{p.TooMany, p.Reset, p.Expire} {
		if r < 0 || r > 1 {
			return fmt.Errorf("fault rate %v is outside [0,1]", r)
		}
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("fault rates add up to %v, more than 1", sum)
	}
	if p.Latency < 0 || p.RetryAfter < 0 || p.Bandwidth < 0 {
		return errors.New("latency, retry-after and bw must not be negative")
	}
	return nil
}

func parseBytes(s string) (int64, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "/s")
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.ToUpper(strings.TrimSpace(s[i:]))
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, errors.New("bandwidth must be a number of bytes per second, e.g. 50MB")
	}
	mult := map[string]float64{
		"": 1, "B": 1, "K": 1e3, "KB": 1e3, "M": 1e6, "MB": 1e6, "G": 1e9, "GB": 1e9,
		"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30,
	}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("unknown bandwidth unit %q", unit)
	}
	return int64(f * mult), nil
}

// String renders the profile in the form ParseFaults reads.
func (p FaultProfile) String() string {
	var parts []string
	codes := make([]int, 0, len(p.Status))
	for c := range p.Status {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d=%g", c, p.Status[c]))
	}
	add := func(k string, v float64) {
		if v > 0 {
			parts = append(parts, fmt.Sprintf("%s=%g", k, v))
		}
	}
	add("429", p.TooMany)
	add("reset", p.Reset)
	add("expire", p.Expire)
	if p.RetryAfter > 0 {
		parts = append(parts, "retry-after="+p.RetryAfter.String())
	}
	if p.Latency > 0 {
		parts = append(parts, "latency="+p.Latency.String())
	}
	if p.Bandwidth > 0 {
		parts = append(parts, fmt.Sprintf("bw=%d", p.Bandwidth))
	}
	if p.Seed != 0 {
		parts = append(parts, fmt.Sprintf("seed=%d", p.Seed))
	}
	return strings.Join(parts, ",")
}

// fault is the outcome of one draw.
type fault struct {
	status int  // 5xx or 429; 0 for none
	reset  bool // reset the connection mid-body
}

// faults is the per-server generator; one mutex keeps the draws in a
// single deterministic sequence.
type faults struct {
	p     FaultProfile
	stats *stats

	mu  sync.Mutex // guards rng
	rng *rand.Rand
}

func newFaults(p FaultProfile, seed int64, st *stats) *faults {
	if seed == 0 {
		seed = p.Seed
	}
	if p.RetryAfter == 0 {
		p.RetryAfter = time.Second
	}
	return &faults{p: p, stats: st, rng: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))}
}

func (f *faults) float() float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64()
}

// draw picks at most one rate-based fault for a request.
func (f *faults) draw() fault {
	if f.p.TooMany == 0 && f.p.Reset == 0 && len(f.p.Status) == 0 {
		return fault{}
	}
	x := f.float()
	codes := make([]int, 0, len(f.p.Status))
	for c := range f.p.Status {
		codes = append(codes, c)
	}
	slices.Sort(codes) // map order is random; the draw must not be
	for _, c := range codes {
		if x < f.p.Status[c] {
			f.stats.fault(strconv.Itoa(c))
			return fault{status: c}
		}
		x -= f.p.Status[c]
	}
	if x < f.p.TooMany {
		f.stats.fault("429")
		return fault{status: 429}
	}
	x -= f.p.TooMany
	if x < f.p.Reset {
		f.stats.fault("reset")
		return fault{reset: true}
	}
	return fault{}
}

func (f *faults) drawExpire() bool {
	if f.p.Expire == 0 {
		return false
	}
	if f.float() < f.p.Expire {
		f.stats.fault("expire")
		return true
	}
	return false
}
