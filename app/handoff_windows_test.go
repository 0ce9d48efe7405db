//go:build windows

package app

import (
	"context"
	"strings"
	"testing"
)

// checkEndpointPrivate: the endpoint is one of Ferry's pipes (its DACL,
// the current user only, is set by listenEndpoint from ownerOnlySDDL).
func checkEndpointPrivate(t *testing.T, pipe string) {
	t.Helper()
	if !strings.HasPrefix(pipe, handoffPipePrefix) {
		t.Errorf("endpoint %q is not a Ferry pipe", pipe)
	}
	sddl, err := ownerOnlySDDL()
	if err != nil || !strings.HasPrefix(sddl, "D:P(A;;GA;;;S-1-5-") {
		t.Errorf("owner-only SDDL %q, %v", sddl, err)
	}
}

// checkEndpointGone: after Close nobody answers on the pipe, and that
// reads as "no Ferry runs".
func checkEndpointGone(t *testing.T, pipe string) {
	t.Helper()
	_, err := dialEndpoint(context.Background(), pipe)
	if err == nil || classifyDial("windows", err) != dialNobody {
		t.Errorf("pipe after Close: %v", err)
	}
}
