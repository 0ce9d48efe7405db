package twake

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokenExpiry reads the "exp" claim of a JWT without verifying its
// signature (only the server knows the secret). It is used to refuse a
// token that is not a JWT at all and to explain a 401. A token without
// "exp" returns the zero time.
func tokenExpiry(token string) (time.Time, error) {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		// The parser's message never quotes the token itself.
		return time.Time{}, fmt.Errorf("not a JWT: %w", err)
	}
	exp, err := claims.GetExpirationTime()
	if err != nil {
		return time.Time{}, errors.New("not a JWT: malformed exp claim")
	}
	if exp == nil {
		return time.Time{}, nil
	}
	return exp.Time, nil
}
