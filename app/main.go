package app

import "context"

// Main runs Ferry with the command-line arguments (without the program
// name) and returns the process exit code.
func Main(ctx context.Context, args []string) int {
	return Run(ctx, StdIO(), args)
}
