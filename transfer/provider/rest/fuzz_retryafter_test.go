package rest

import (
	"net/http"
	"testing"
	"time"
)

// FuzzRetryAfter feeds any Retry-After value a server may send. Contract:
// no panic, and the delay is never negative nor above the one-hour cap,
// whatever the value (huge numbers, dates far in the past or future).
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{
		"", "0", "5", "-1", "3600", "99999999999999999999", "1e3", " 7 ",
		"Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT", "soon",
	} {
		f.Add(s, int64(1700000000))
	}
	f.Fuzz(func(t *testing.T, v string, nowUnix int64) {
		h := http.Header{}
		h.Set("Retry-After", v)
		d := RetryAfter(h, time.Unix(nowUnix%(1<<40), 0))
		if d < 0 || d > time.Hour {
			t.Fatalf("RetryAfter(%q) = %v, outside [0, 1h]", v, d)
		}
	})
}
