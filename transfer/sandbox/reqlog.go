package sandbox

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// LogEntry is one request in the sandbox's request log. Secrets are
// redacted before the entry is stored: the Authorization, Cookie,
// Set-Cookie and X-Auth-Token headers, query parameters with secret-looking
// names, and every credential or Env.Redact value wherever it appears in
// the path or query.
type LogEntry struct {
	Time     time.Time         `json:"time"`
	API      string            `json:"api"`   // "" for unmatched, "_sandbox" for inspection routes
	Route    string            `json:"route"` // the matched pattern, e.g. "POST /api/v1/shares/{token}/uploads"
	Method   string            `json:"method"`
	Path     string            `json:"path"` // path with query, redacted
	Status   int               `json:"status"`
	BytesIn  int64             `json:"bytes_in"`  // request body bytes the server read
	BytesOut int64             `json:"bytes_out"` // response body bytes written
	Duration time.Duration     `json:"duration_ns"`
	Fault    string            `json:"fault,omitempty"` // injected fault: "503", "429", "reset"
	Header   map[string]string `json:"header,omitempty"`
}

// Redacted replaces secrets in logs.
const Redacted = "[REDACTED]"

var secretHeaders = map[string]bool{
	"Authorization": true, "Cookie": true, "Set-Cookie": true, "X-Auth-Token": true,
	"Proxy-Authorization": true, "X-Api-Key": true,
}

var secretParams = []string{"token", "password", "passwd", "secret", "key", "signature", "sig", "auth", "session", "code"}

// reqLog is a bounded ring of recent requests plus the secrets to redact.
type reqLog struct {
	mu      sync.Mutex // guards the fields below
	max     int
	entries []LogEntry // oldest first, at most max
	secrets map[string]bool
}

func newReqLog(max int) *reqLog {
	if max <= 0 {
		max = 2000
	}
	return &reqLog{max: max, secrets: map[string]bool{}}
}

// addSecret registers a value to hide. Values shorter than 4 characters
// are ignored: hiding "1" everywhere would make the log unreadable and
// such values are not secrets worth the name.
func (l *reqLog) addSecret(s string) {
	if len(s) < 4 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.secrets[s] = true
	// escaped forms appear in raw paths and queries
	l.secrets[url.PathEscape(s)] = true
	l.secrets[url.QueryEscape(s)] = true
}

func (l *reqLog) add(e LogEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) >= l.max {
		l.entries = slices.Delete(l.entries, 0, len(l.entries)-l.max+1)
	}
	l.entries = append(l.entries, e)
}

func (l *reqLog) all() []LogEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.entries)
}

// redactURL returns u's path and query with secrets hidden.
func (l *reqLog) redactURL(u *url.URL) string {
	q := u.Query()
	for k := range q {
		lk := strings.ToLower(k)
		for _, p := range secretParams {
			if strings.Contains(lk, p) {
				q[k] = []string{Redacted}
				break
			}
		}
	}
	s := u.EscapedPath()
	if len(q) > 0 {
		s += "?" + q.Encode()
	}
	l.mu.Lock()
	secrets := slices.Collect(maps.Keys(l.secrets))
	l.mu.Unlock()
	// Longest first, so a secret that contains another is hidden whole.
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, Redacted)
	}
	return strings.ReplaceAll(s, url.QueryEscape(Redacted), Redacted)
}

func redactHeader(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if secretHeaders[http.CanonicalHeaderKey(k)] {
			out[k] = Redacted
			continue
		}
		out[k] = strings.Join(v, ", ")
	}
	return out
}

// Stats counts requests and injected faults since the server started.
type Stats struct {
	// Requests counts requests per API and matched route pattern; unmatched
	// requests count under API "" and route "".
	Requests map[string]map[string]int `json:"requests"`
	// Statuses counts response statuses per API (0 = connection reset).
	Statuses map[string]map[int]int `json:"statuses"`
	// Faults counts injected faults per kind: "500", "503", "429", "reset",
	// "expire", ...
	Faults map[string]int `json:"faults"`
}

type stats struct {
	mu sync.Mutex // guards s
	s  Stats
}

func newStats() *stats {
	return &stats{s: Stats{
		Requests: map[string]map[string]int{}, Statuses: map[string]map[int]int{}, Faults: map[string]int{},
	}}
}

func (st *stats) request(api, route string, status int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.s.Requests[api] == nil {
		st.s.Requests[api] = map[string]int{}
		st.s.Statuses[api] = map[int]int{}
	}
	st.s.Requests[api][route]++
	st.s.Statuses[api][status]++
}

func (st *stats) fault(kind string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.s.Faults[kind]++
}

func (st *stats) snapshot() Stats {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := Stats{Requests: map[string]map[string]int{}, Statuses: map[string]map[int]int{}, Faults: maps.Clone(st.s.Faults)}
	for k, v := range st.s.Requests {
		out.Requests[k] = maps.Clone(v)
	}
	for k, v := range st.s.Statuses {
		out.Statuses[k] = maps.Clone(v)
	}
	return out
}
