package app

import "context"

// Main runs Ferry with the command-line arguments (without the program
// name) and returns the process exit code. Without a command (no
// arguments, or only global flags and --background) it opens the desktop
// app; call it on the main goroutine.
func Main(ctx context.Context, args []string) int {
	if wantsGUI(args) {
		return RunGUI(ctx, StdIO(), args)
	}
	return Run(ctx, StdIO(), args)
}
