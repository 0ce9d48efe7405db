package app

import (
	"context"
	"testing"
)

// Main runs a command (on a goroutine of its own, off the main thread Fyne
// locks) and returns that command's exit code.
func TestMainReturnsTheCommandsCode(t *testing.T) {
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"version"}, 0},
		{[]string{"no-such-command"}, 2},
	} {
		if got := Main(context.Background(), c.args); got != c.want {
			t.Errorf("Main(%q) = %d, want %d", c.args, got, c.want)
		}
	}
}
