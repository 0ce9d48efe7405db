package twake

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the JWT claims the real server reads (TW-AUTH-1: jwt.ts:12-24).
type Claims struct {
	Email         string `json:"email,omitempty"`
	ProviderID    string `json:"provider_id,omitempty"`
	ApplicationID string `json:"application_id,omitempty"`
	ServerRequest bool   `json:"server_request,omitempty"`
	Track         bool   `json:"track,omitempty"`
	Type          string `json:"type,omitempty"` // "access" or "refresh"
	jwt.RegisteredClaims
}

// Token signs an access token for user sub that expires at exp (tests use
// it for expired tokens and unknown users).
func (a *API) Token(sub string, exp time.Time) (string, error) {
	return a.SignClaims(Claims{Type: "access", RegisteredClaims: jwt.RegisteredClaims{
		Subject: sub, IssuedAt: jwt.NewNumericDate(a.env.Now()), ExpiresAt: jwt.NewNumericDate(exp),
	}})
}

// SignClaims signs arbitrary claims with the API's secret (HS256).
func (a *API) SignClaims(c Claims) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(a.cfg.Secret)
}

// verify checks an Authorization header: "Bearer <jwt>", HS256 with the
// secret, not expired by the sandbox clock, for the known user.
func (a *API) verify(header string) (*Claims, error) {
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || tok == "" {
		return nil, errors.New("no bearer token")
	}
	var c Claims
	_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return a.cfg.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithTimeFunc(a.env.Now), jwt.WithExpirationRequired())
	if err != nil {
		return nil, err
	}
	if c.Subject != a.cfg.UserID {
		return nil, errors.New("unknown user")
	}
	return &c, nil
}

type claimsKey struct{}

// authed wraps a handler of an authenticated route: any failure is 401
// "Bad credentials", whatever the reason (TW-AUTH-1: linagora/Twake@39f533e5e838 twake/backend/node/src/
// core/platform/services/auth/web/jwt.ts:28-34).
func (a *API) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := a.verify(r.Header.Get("Authorization"))
		if err != nil {
			writeError(w, http.StatusUnauthorized, "Bad credentials")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, c)))
	}
}

func claimsOf(r *http.Request) *Claims {
	c, _ := r.Context().Value(claimsKey{}).(*Claims)
	return c
}
