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
	// Fyne's desktop driver and its tray lock the main goroutine to the
	// main thread in their init, for the window's event loop. A command
	// opens no window, and a locked goroutine costs two thread switches
	// every time it waits and wakes (the runtime hands its P to another
	// thread and back; `ferry upload`'s main goroutine waits for the engine
	// all along): the command runs on a goroutine of its own.
	code := make(chan int, 1)
	go func() { code <- Run(ctx, StdIO(), args) }()
	return <-code
}
