package sandbox

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

func TestParseFaults(t *testing.T) {
	p, err := ParseFaults("500=0.05,503=0.05,429=0.02,reset=0.03,latency=20ms,bw=50MB,seed=7,expire=0.1,retry-after=2s")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status[500] != 0.05 || p.Status[503] != 0.05 || p.TooMany != 0.02 || p.Reset != 0.03 ||
		p.Latency != 20*time.Millisecond || p.Bandwidth != 50e6 || p.Seed != 7 || p.Expire != 0.1 || p.RetryAfter != 2*time.Second {
		t.Fatalf("profile = %+v", p)
	}
	again, err := ParseFaults(p.String())
	if err != nil || again.String() != p.String() {
		t.Fatalf("round trip %q -> %q, %v", p.String(), again.String(), err)
	}
	for spec, want := range map[string]int64{"bw=1KiB": 1024, "bw=2M/s": 2e6, "bw=300": 300} {
		p, err := ParseFaults(spec)
		if err != nil || p.Bandwidth != want {
			t.Errorf("%s: %d, %v", spec, p.Bandwidth, err)
		}
	}
	for _, bad := range []string{
		"500", "500=", "500=1.5", "503=-0.1", "404=0.1", "teapot=0.1", "latency=fast",
		"bw=10XB", "seed=x", "500=0.6,503=0.6", "reset=2",
	} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("%q accepted", bad)
		} else if !strings.HasPrefix(err.Error(), "parse faults: ") {
			t.Errorf("%q: error %q does not name the operation", bad, err)
		}
	}
	if p, err := ParseFaults(""); err != nil || p.String() != "" {
		t.Errorf("empty: %+v, %v", p, err)
	}
}

func TestFaultStatusAndRetryAfter(t *testing.T) {
	s := startServer(t, Config{Faults: FaultProfile{TooMany: 1, RetryAfter: 3 * time.Second}})
	resp, err := put(t, s.Client(), s.BaseURL()+"/echo/"+testToken+"/a", "data")
	if err != nil {
		t.Fatal(err)
	}
	rest.Drain(resp)
	if resp.StatusCode != 429 || rest.RetryAfter(resp.Header, time.Now()) != 3*time.Second {
		t.Fatalf("status %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Inspection routes are never faulted.
	var tree []Entry
	getJSON(t, s.Client(), s.BaseURL()+"/_sandbox/tree", &tree)
	if len(tree) != 0 {
		t.Fatalf("faulted request reached the store: %+v", tree)
	}
	if st := s.Stats(); st.Faults["429"] != 1 || st.Statuses["echo"][429] != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestFaultResetMidBody(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		s := startServer(t, Config{TLS: tlsOn, Faults: FaultProfile{Reset: 1}})
		c, err := rest.NewClient(rest.Options{PinSHA256: s.CertFingerprint()})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := put(t, c, s.BaseURL()+"/echo/"+testToken+"/big", strings.Repeat("x", 4<<20))
		if err == nil {
			rest.Drain(resp)
			t.Fatalf("tls=%v: got status %d, want a broken connection", tlsOn, resp.StatusCode)
		}
		if !errors.Is(rest.TransportError("put", err), provider.ErrRetryable) {
			t.Fatalf("tls=%v: reset classified as %v", tlsOn, err)
		}
		// The client sees the reset before the handler has logged it.
		log := s.Log()
		for deadline := time.Now().Add(5 * time.Second); len(log) == 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
			log = s.Log()
		}
		if len(log) != 1 || log[0].Fault != "reset" || log[0].Status != 0 || log[0].BytesIn < 1<<20 {
			t.Fatalf("tls=%v: log = %+v", tlsOn, log)
		}
		if len(s.Tree("")) != 0 {
			t.Fatalf("tls=%v: reset request reached the store", tlsOn)
		}
	}
}

func TestFaultsDeterministic(t *testing.T) {
	run := func() []int {
		s := startServer(t, Config{Seed: 42, Faults: FaultProfile{Status: map[int]float64{500: 0.2, 503: 0.2}, TooMany: 0.2}})
		var got []int
		for range 40 {
			resp, err := put(t, s.Client(), s.BaseURL()+"/echo/"+testToken+"/f", "x")
			if err != nil {
				t.Fatal(err)
			}
			rest.Drain(resp)
			got = append(got, resp.StatusCode)
		}
		return got
	}
	a, b := run(), run()
	seen := map[int]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
		}
		seen[a[i]] = true
	}
	for _, code := range []int{201, 500, 503, 429} {
		if !seen[code] {
			t.Errorf("status %d never drawn in 40 requests: %v", code, a)
		}
	}
}

func TestFaultBandwidthAndLatency(t *testing.T) {
	s := startServer(t, Config{Faults: FaultProfile{Bandwidth: 1 << 20, Latency: 5 * time.Millisecond}})
	resp, err := put(t, s.Client(), s.BaseURL()+"/echo/"+testToken+"/slow", strings.Repeat("y", 300<<10))
	if err != nil {
		t.Fatal(err)
	}
	rest.Drain(resp)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if tr := s.Tree("echo"); len(tr) != 1 || tr[0].Size != 300<<10 {
		t.Fatalf("tree = %+v", tr)
	}
}

func TestExpireDraws(t *testing.T) {
	s, err := New(Config{Seed: 1, Faults: FaultProfile{Expire: 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	yes := 0
	for range 200 {
		if s.Env().Expire() {
			yes++
		}
	}
	if yes < 60 || yes > 140 || s.Stats().Faults["expire"] != yes {
		t.Fatalf("expire said yes %d/200 times, stats %v", yes, s.Stats().Faults)
	}
	never, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer never.Close()
	if never.Env().Expire() {
		t.Fatal("expire without a rate")
	}
}

func TestSwitches(t *testing.T) {
	sw, err := ParseSwitches(Switches{All: true}, "filesro.accept=off, filesro.ratelimit=on")
	if err != nil {
		t.Fatal(err)
	}
	if sw.On("filesro.accept") || !sw.On("filesro.other") || !sw.OnDefault("filesro.ratelimit", false) || sw.OnDefault("x.y", false) {
		t.Fatalf("switches = %+v", sw)
	}
	if sw.String() != "filesro.accept=false,filesro.ratelimit=true" {
		t.Fatalf("String = %q", sw.String())
	}
	for _, bad := range []string{"x", "x=maybe", "=on"} {
		if _, err := ParseSwitches(Switches{}, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
