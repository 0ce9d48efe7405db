package transfer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// TestConflictAdviceNeverNamesThePolicyInUse: the advice for a conflict
// does not tell the user to switch to the policy that just failed.
func TestConflictAdviceNeverNamesThePolicyInUse(t *testing.T) {
	for _, c := range []struct {
		job     queue.Job
		mustNot string
	}{
		{queue.Job{ErrKind: KindConflict, Conflict: "rename", ErrMsg: "exists"}, "policy to rename"},
		{queue.Job{ErrKind: KindConflict, Conflict: "overwrite", ErrMsg: "exists"}, "policy to overwrite"},
		// The target's default, named by the engine in the message.
		{queue.Job{ErrKind: KindConflict, ErrMsg: conflictMsg(provider.ConflictRename, "exists")}, "policy to rename"},
	} {
		got := JobReason(c.job)
		if strings.Contains(got, c.mustNot) || strings.Contains(got, "to rename or overwrite") {
			t.Errorf("policy %q / %q: advice %q suggests the policy in use", c.job.Conflict, c.job.ErrMsg, got)
		}
		if !strings.Contains(got, "Rename the file") {
			t.Errorf("advice gives no way out: %q", got)
		}
	}
}

// TestTLSFailureNotCalledARejection: a certificate failure is explained as
// the secure connection failing, never as the server rejecting the upload.
func TestTLSFailureNotCalledARejection(t *testing.T) {
	err := &provider.Error{Kind: provider.ErrPermanent, Op: "begin", Err: fmt.Errorf("%w: %w", provider.ErrSecureConnection, errors.New("x509: certificate signed by unknown authority"))}
	kind := KindOf(err)
	if kind != KindTLS {
		t.Fatalf("kind %q", kind)
	}
	if got := Explain(kind); strings.Contains(got, "rejected") || !strings.Contains(got, "certificate") {
		t.Errorf("explanation %q", got)
	}
}

// TestOpenErrorNamesTheFileOnce: "open X: open X: ..." becomes "open X: ...".
func TestOpenErrorNamesTheFileOnce(t *testing.T) {
	p := filepath.Join(t.TempDir(), "gone.txt")
	_, _, err := openRegular(p)
	if err == nil {
		t.Fatal("no error")
	}
	if n := strings.Count(err.Error(), p); n != 1 {
		t.Errorf("path named %d times: %q", n, err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("cause lost: %v", err)
	}
	if err := os.WriteFile(p, nil, 0); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() != 0 {
		if _, _, err := openRegular(p); err == nil || strings.Count(err.Error(), p) != 1 {
			t.Errorf("unreadable: %v", err)
		}
	}
}

// TestTargetErrorNamedOnce: a resolver error that names the target already
// is not prefixed again; one that does not is.
func TestTargetErrorNamedOnce(t *testing.T) {
	for _, resolverErr := range []error{
		errors.New(`target "h": unknown kind "x"`),
		errors.New("no secret stored"),
	} {
		c := &targetCache{r: TargetFunc(func(_ context.Context, name string) (provider.Provider, TargetSettings, error) {
			return nil, TargetSettings{}, resolverErr
		}), m: map[string]*resolved{}}
		_, err := c.get(context.Background(), "h")
		if n := strings.Count(err.Error(), `target "h"`); n != 1 {
			t.Errorf("target named %d times: %q", n, err)
		}
	}
}
