package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
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
//	PUT  /_sandbox/sink[?discard=1|?sum=1] store (or discard) the body; answers SinkResult
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
				"GET /_sandbox/credentials", "PUT|POST /_sandbox/sink[?discard=1|?sum=1]",
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
	SHA256  string  `json:"sha256,omitempty"` // with ?discard=1 or ?sum=1
	Seconds float64 `json:"seconds"`
	MBps    float64 `json:"mb_per_s"` // 10^6 bytes per second
}

// sink receives a body as fast as loopback and the disk allow. It stores
// it exactly as the store stores an uploaded file (a Blob: 256 KiB reads,
// disk write-out started as bytes arrive, fsync and rename before
// answering, no checksum: the store computes sums on first need), then
// deletes it: the upload paths' protocol work is the only difference
// left. With ?sum=1 it also answers the stored bytes' SHA-256, read back
// as the store computes a sum when one is needed. With ?discard=1 it only
// hashes. It is the baseline the upload paths compare to.
func (s *Server) sink(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var res SinkResult
	if r.URL.Query().Get("discard") == "1" {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"message": fmt.Sprintf("sink: read body after %d bytes: %v", n, err)})
			return
		}
		res.Size, res.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	} else {
		b, err := s.store.NewBlob()
		if err != nil {
			WriteJSON(w, http.StatusInternalServerError, map[string]string{"message": "sink: " + err.Error()})
			return
		}
		n, err := b.ReadFrom(r.Body)
		if err != nil {
			b.Discard()
			WriteJSON(w, http.StatusBadRequest, map[string]string{"message": fmt.Sprintf("sink: read body after %d bytes: %v", n, err)})
			return
		}
		id, size, err := b.commit()
		if err != nil {
			b.Discard()
			WriteJSON(w, http.StatusInternalServerError, map[string]string{"message": "sink: " + err.Error()})
			return
		}
		res.Size = size
		if r.URL.Query().Get("sum") == "1" {
			c := &content{blob: id}
			if _, err := s.store.sum(c, true); err != nil {
				_ = os.Remove(s.store.blobPath(id)) // linked nowhere
				WriteJSON(w, http.StatusInternalServerError, map[string]string{"message": "sink: " + err.Error()})
				return
			}
			res.SHA256 = hex.EncodeToString(c.sum[:])
		}
		_ = os.Remove(s.store.blobPath(id)) // linked nowhere; a leftover goes with the store directory
	}
	secs := time.Since(start).Seconds()
	res.Seconds = secs
	if secs > 0 {
		res.MBps = float64(res.Size) / secs / 1e6
	}
	WriteJSON(w, http.StatusOK, res)
}
