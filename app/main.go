package app

import (
	"context"
	"os"
)

// Main runs Ferry with the command-line arguments (without the program
// name) and returns the process exit code. Without a command (no
// arguments, or only global flags and --background) it opens the desktop
// app; call it on the main goroutine. With FERRY_CPUPROFILE set it writes
// a CPU profile of the run there (see ProfileEnv).
func Main(ctx context.Context, args []string) int {
	stop := startProfile(os.Stderr)
	defer stop()
	if wantsGUI(args) {
		return RunGUI(ctx, StdIO(), args)
	}
	attachConsole() // Ferry.exe (Windows, no console) run with a command
	return Run(ctx, StdIO(), args)
}
