// Package rest holds the small HTTP helpers every provider shares: a client
// that never lets credentials follow a redirect to another host, optional
// certificate pinning per target, capped reading of response bodies, and the
// mapping of HTTP failures to provider error kinds.
package rest

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// MaxBody is the most bytes read from any response body. JSON answers of
// these APIs are small; a server that sends more is broken or hostile.
const MaxBody = 4 << 20

// Options configure a client for one target.
type Options struct {
	// PinSHA256 is the hex SHA-256 fingerprint of a self-signed server
	// certificate the user chose to trust for this target only. Empty means
	// normal verification against the system roots.
	PinSHA256 string
	// Timeout bounds connection set-up and waiting for response headers; it
	// does not bound a request body upload (the engine's stall watchdog does).
	Timeout time.Duration
}

// Errors a client returns that retrying cannot fix.
var (
	ErrCrossHostRedirect = errors.New("refusing a redirect to another host")
	ErrPinMismatch       = errors.New("server certificate does not match the pinned fingerprint")
)

// NewClient returns an HTTP client for one target. Redirects are followed
// only to the same scheme and host; anything else fails, so an
// Authorization header or cookie never reaches another host.
func NewClient(o Options) (*http.Client, error) {
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	tr.WriteBufferSize = writeBuffer
	tr.ResponseHeaderTimeout = o.Timeout
	tr.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	if o.PinSHA256 != "" {
		want, err := hex.DecodeString(strings.ReplaceAll(strings.ToLower(o.PinSHA256), ":", ""))
		if err != nil || len(want) != sha256.Size {
			return nil, fmt.Errorf("certificate pin %q is not a SHA-256 fingerprint", o.PinSHA256)
		}
		tr.TLSClientConfig = &tls.Config{
			MinVersion: tls.VersionTLS12,
			// Verification is replaced, not skipped: the leaf must match the pin.
			InsecureSkipVerify: true, //nolint:gosec // VerifyPeerCertificate checks the pinned fingerprint
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 {
					return errors.New("server sent no certificate")
				}
				got := sha256.Sum256(raw[0])
				if string(got[:]) != string(want) {
					return fmt.Errorf("%w: server has %s, pinned %s",
						ErrPinMismatch, hex.EncodeToString(got[:]), hex.EncodeToString(want))
				}
				return nil
			},
		}
	}
	return &http.Client{Transport: tr, CheckRedirect: sameHostRedirect}, nil
}

func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return fmt.Errorf("%w: from %s to %s", ErrCrossHostRedirect, first.Host, req.URL.Host)
	}
	return nil
}

// Fingerprint returns the SHA-256 fingerprint of a DER certificate in the
// form Options.PinSHA256 takes.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// DecodeJSON reads at most MaxBody bytes of resp's body into v. A body that
// is too large or not valid JSON for v is a permanent error naming op,
// unless it is a web page (WebPage): that is retryable, or the kind of its
// 4xx status; a body cut short is retryable.
func DecodeJSON(op string, resp *http.Response, v any) error {
	body, err := ReadBody(resp)
	if err != nil {
		// A cut connection may heal; a server that answers with megabytes
		// of JSON will answer the same way next time.
		kind := provider.ErrRetryable
		if errors.Is(err, ErrBodyTooLarge) {
			kind = provider.ErrPermanent
		}
		return &provider.Error{Kind: kind, Op: op, Status: resp.StatusCode, Err: err}
	}
	if err := json.Unmarshal(body, v); err != nil {
		if page := WebPage(resp.StatusCode, resp.Header, body); page != "" {
			// A proxy, a load balancer or the server's front end answered
			// in its stead: that passes (502, 503, a maintenance page).
			kind := provider.ErrRetryable
			if s := resp.StatusCode; s < 500 && s != http.StatusTooManyRequests && s >= 400 {
				kind = provider.StatusKind(s)
			}
			return &provider.Error{Kind: kind, Op: op, Status: resp.StatusCode, Message: page, RetryAfter: RetryAfter(resp.Header, time.Now())}
		}
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: op, Status: resp.StatusCode,
			Message: "malformed response", Err: err,
		}
	}
	return nil
}

// WebPage returns the words for a body that is a web page (HTML) where
// data was expected, "" when it is not one: "the server answered with a
// web page (HTTP 502 Bad Gateway: "502 Bad Gateway") instead of data". A
// provider that reads an error body itself calls it too, so a proxy's
// error page is never reported as `invalid character '<'`.
func WebPage(status int, h http.Header, body []byte) string {
	ct := strings.ToLower(h.Get("Content-Type"))
	trimmed := bytes.TrimSpace(body)
	if !strings.Contains(ct, "html") && !bytes.HasPrefix(trimmed, []byte("<")) {
		return ""
	}
	msg := fmt.Sprintf("the server answered with a web page (HTTP %d %s", status, http.StatusText(status))
	if t := pageTitle(trimmed); t != "" {
		msg += fmt.Sprintf(": %q", t)
	}
	return msg + ") instead of data; a proxy or the server's front end may be failing"
}

// pageTitle is the text of an HTML page's <title>, clipped, or "".
func pageTitle(b []byte) string {
	lower := bytes.ToLower(b)
	i := bytes.Index(lower, []byte("<title"))
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(lower[i:], '>')
	if j < 0 {
		return ""
	}
	start := i + j + 1
	k := bytes.Index(lower[start:], []byte("</title"))
	if k < 0 {
		return ""
	}
	return clip(strings.Join(strings.Fields(string(b[start:start+k])), " "), 80)
}

// ErrBodyTooLarge is returned by ReadBody for a body over MaxBody.
var ErrBodyTooLarge = fmt.Errorf("response body larger than %d bytes", MaxBody)

// ReadBody reads resp's whole body up to MaxBody and closes it.
func ReadBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxBody {
		return nil, ErrBodyTooLarge
	}
	return body, nil
}

// Drain discards what is left of a response body (capped) and closes it,
// so the connection can be reused.
func Drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxBody))
	resp.Body.Close()
}

// StatusError builds the provider error for a non-success response. kind
// overrides the default mapping of provider.StatusKind when non-nil; msg is
// the server's message already extracted from its error body (may be "").
// The body must have been read or drained by the caller.
func StatusError(op string, resp *http.Response, kind error, code, msg string) *provider.Error {
	if kind == nil {
		kind = provider.StatusKind(resp.StatusCode)
	}
	return &provider.Error{
		Kind: kind, Op: op, Status: resp.StatusCode, Code: code,
		Message: clip(msg, 300), RetryAfter: RetryAfter(resp.Header, time.Now()),
	}
}

// TransportError wraps a failure to get a response at all (connection
// refused or reset, timeout, TLS failure) as a provider error. TLS
// verification failures are permanent: retrying cannot fix a certificate.
func TransportError(op string, err error) *provider.Error {
	err = withoutPath(err)
	kind := provider.ErrRetryable
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) ||
		errors.As(err, &invalid) || errors.Is(err, ErrPinMismatch):
		kind = provider.ErrPermanent
		err = fmt.Errorf("%w: %w", provider.ErrSecureConnection, err)
	case errors.Is(err, ErrCrossHostRedirect):
		kind = provider.ErrPermanent
	}
	return &provider.Error{Kind: kind, Op: op, Err: err}
}

// withoutPath drops the path and query from the URL a *url.Error quotes:
// some APIs carry a secret there (a files.ro share token, a Quatrix upload
// key), and transport errors end up in logs and in the window. The cause
// is kept, so errors.Is and errors.As still see it.
func withoutPath(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	short := "the server"
	if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
		short = u.Scheme + "://" + u.Host + "/…"
	}
	return &url.Error{Op: ue.Op, URL: short, Err: ue.Err}
}

// RetryAfter parses a Retry-After header (seconds or an HTTP date) relative
// to now; it returns 0 when absent or unparsable, and caps it at one hour.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), time.Hour)
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
