package app

import (
	"context"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// checker is a provider whose credential check fails as scripted.
type checker struct {
	provider.Provider
	errs  []error
	calls int
}

func (c *checker) Check(context.Context) error {
	c.calls++
	if len(c.errs) == 0 {
		return nil
	}
	err := c.errs[0]
	c.errs = c.errs[1:]
	return err
}

func TestCheckProviderRetriesPassingFailuresOnly(t *testing.T) {
	busy := &provider.Error{Kind: provider.ErrRetryable, Op: "login", Status: 500}
	c := &checker{errs: []error{busy, busy}}
	if err := checkProvider(context.Background(), c, "quatrix"); err != nil || c.calls != 3 {
		t.Fatalf("two 500s then success: err %v after %d calls, want nil after 3", err, c.calls)
	}
	denied := &provider.Error{Kind: provider.ErrAuth, Op: "login", Status: 401}
	c = &checker{errs: []error{denied, nil}}
	err := checkProvider(context.Background(), c, "quatrix")
	if err == nil || c.calls != 1 || !strings.Contains(err.Error(), "refused the credentials") {
		t.Fatalf("a refusal: err %v after %d calls, want the refusal after 1", err, c.calls)
	}
	c = &checker{errs: []error{busy, busy, busy, busy, busy}}
	if err := checkProvider(context.Background(), c, "quatrix"); err == nil || c.calls != checkTries {
		t.Fatalf("a server that stays down: err %v after %d calls, want an error after %d", err, c.calls, checkTries)
	}
}
