package filesro

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rateLimiter is Laravel's throttle:api for anonymous clients, 100 per
// minute per IP [R-throttle] (VueFileManager/vuefilemanager@5ba4bf347880
// src/App/Providers/RouteServiceProvider.php:83-86, applied to the api
// group in src/App/Http/Kernel.php:57): a fixed one-minute window per IP.
type rateLimiter struct {
	limit int

	mu      sync.Mutex // guards windows
	windows map[string]window
}

type window struct {
	start time.Time
	count int
}

func newRateLimiter(limit int) *rateLimiter {
	return &rateLimiter{limit: limit, windows: map[string]window{}}
}

// take counts one request from ip at now; it returns false and the time
// until the window resets when the limit is used up.
func (l *rateLimiter) take(ip string, now time.Time) (bool, time.Duration, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.windows[ip]
	if now.Sub(w.start) >= time.Minute {
		w = window{start: now}
	}
	if w.count >= l.limit {
		return false, w.start.Add(time.Minute).Sub(now), 0
	}
	w.count++
	l.windows[ip] = w
	return true, 0, l.limit - w.count
}

// allow applies the rate limit when the filesro.ratelimit switch is on; it
// answers 429 itself and returns false when the client is over it.
func (a *API) allow(w http.ResponseWriter, r *http.Request) bool {
	if !a.env.Switches.OnDefault("filesro.ratelimit", false) {
		return true
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	ok, wait, left := a.throttle.take(ip, a.env.Now())
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(a.throttle.limit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(left))
	if ok {
		return true
	}
	// PHP has read the whole request before the throttle runs; reading it
	// here also keeps the connection usable for the client's retry.
	_, _ = io.Copy(io.Discard, r.Body) // refused whatever it holds
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	messageJSON(w, http.StatusTooManyRequests, "Too Many Attempts.")
	return false
}
