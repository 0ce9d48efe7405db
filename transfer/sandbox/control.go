package sandbox

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
)

var controlName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Control registers a test hook at POST /_sandbox/control/{name}: a
// request runs fn (for example an API's "expire every session") and is
// answered 204, or 500 with fn's error as {"message": ...}. Like every
// /_sandbox/ route it is never faulted. Only clients on a loopback address
// may call it (403 otherwise), since it changes what other clients see,
// even when the server was allowed to listen elsewhere.
//
// Control may be called before or after Start, from any goroutine. It
// fails when name is not [a-z0-9-]+ or is already registered.
func (s *Server) Control(name string, fn func() error) error {
	if !controlName.MatchString(name) || fn == nil {
		return fmt.Errorf("sandbox control %q: name must match [a-z0-9-]+ and fn must not be nil", name)
	}
	pattern := "POST /_sandbox/control/" + name
	probe, err := http.NewRequest(http.MethodPost, "/_sandbox/control/"+name, nil)
	if err != nil {
		return fmt.Errorf("sandbox control %q: %w", name, err)
	}
	// ServeMux panics on a duplicate pattern; ask it first.
	if _, p := s.inspect.Handler(probe); p == pattern {
		return fmt.Errorf("sandbox control %q: already registered", name)
	}
	s.inspect.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if !fromLoopback(r) {
			WriteJSON(w, http.StatusForbidden, map[string]string{"message": "sandbox control: loopback clients only"})
			return
		}
		if err := fn(); err != nil {
			WriteJSON(w, http.StatusInternalServerError, map[string]string{"message": "sandbox control " + name + ": " + err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return nil
}

// fromLoopback reports whether the request's peer is a loopback address.
func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
