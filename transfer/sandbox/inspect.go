package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// inspectMux serves the /_sandbox/ routes. They are never subject to
// faults, so a test can always look at what happened.
//
//	GET  /_sandbox/                 this list, with the APIs served
//	GET  /_sandbox/tree[?api=NAME]  store snapshot ([]Entry)
//	GET  /_sandbox/log              recent requests ([]LogEntry, redacted)
//	GET  /_sandbox/stats            counters (Stats)
//	GET  /_sandbox/credentials      every API's credentials ([]Credential)
//	PUT  /_sandbox/sink[?discard=1] store (or discard) the body; answers SinkResult
//	POST /_sandbox/sink             same
func (s *Server) inspectMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_sandbox/{$}", func(w http.ResponseWriter, _ *http.Request) {
		apis := []string{}
		for _, m := range s.mounts {
			apis = append(apis, m.api.Name())
		}
		WriteJSON(w, http.StatusOK, map[string]any{
			"apis": apis,
			"routes": []string{
				"GET /_sandbox/tree[?api=NAME]", "GET /_sandbox/log", "GET /_sandbox/stats",
				"GET /_sandbox/credentials", "PUT|POST /_sandbox/sink[?discard=1]",
			},
			"faults": s.faults.p.String(),
		})
	})
	mux.HandleFunc("GET /_sandbox/tree", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, nonNil(s.Tree(r.URL.Query().Get("api"))))
	})
	mux.HandleFunc("GET /_sandbox/log", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, nonNil(s.Log()))
	})
	mux.HandleFunc("GET /_sandbox/stats", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, s.Stats())
	})
	mux.HandleFunc("GET /_sandbox/credentials", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, nonNil(s.Credentials()))
	})
	mux.HandleFunc("PUT /_sandbox/sink", s.sink)
	mux.HandleFunc("POST /_sandbox/sink", s.sink)
	return mux
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// SinkResult is the answer of /_sandbox/sink.
type SinkResult struct {
	Size    int64   `json:"size"`
	SHA256  string  `json:"sha256"`
	Seconds float64 `json:"seconds"`
	MBps    float64 `json:"mb_per_s"` // 10^6 bytes per second
}

// sink receives a body as fast as loopback and the disk allow: it writes it
// to a temporary file under the store directory and syncs it to disk before
// answering, as the store does for every uploaded file (so the baseline and
// the uploads do the same disk work), then deletes it; with ?discard=1 it
// writes nowhere. It is the baseline the upload paths compare to.
func (s *Server) sink(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h := sha256.New()
	dst := io.Writer(h)
	var sf *os.File
	if r.URL.Query().Get("discard") != "1" {
		f, err := os.CreateTemp(s.store.tmpDir, "sink-*")
		if err != nil {
			WriteJSON(w, http.StatusInternalServerError, map[string]string{"message": "sink: " + err.Error()})
			return
		}
		defer os.Remove(filepath.Clean(f.Name()))
		defer f.Close()
		dst, sf = io.MultiWriter(f, h), f
	}
	n, err := io.Copy(dst, r.Body)
	if err != nil {
		WriteJSON(w, http.StatusBadRequest, map[string]string{"message": fmt.Sprintf("sink: read body after %d bytes: %v", n, err)})
		return
	}
	if sf != nil {
		if err := sf.Sync(); err != nil {
			WriteJSON(w, http.StatusInternalServerError, map[string]string{"message": "sink: sync: " + err.Error()})
			return
		}
	}
	secs := time.Since(start).Seconds()
	res := SinkResult{Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), Seconds: secs}
	if secs > 0 {
		res.MBps = float64(n) / secs / 1e6
	}
	WriteJSON(w, http.StatusOK, res)
}
