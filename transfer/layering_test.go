package transfer

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLayering enforces the architecture's import rules for the packages
// this folder owns: no Fyne in the engine, and the fake provider and the
// conformance suite see only the provider contract, never the engine or
// the queue (as every real provider must).
func TestLayering(t *testing.T) {
	const mod = "github.com/ferry-sync/ferry/"
	fyne := func(p string) bool { return strings.HasPrefix(p, "fyne.io/") }
	engineOrQueue := func(p string) bool {
		return fyne(p) || p == mod+"transfer" || strings.HasPrefix(p, mod+"transfer/queue")
	}
	rules := []struct {
		dir       string
		forbidden func(string) bool
	}{
		{".", fyne},
		{"provider/fakeprovider", engineOrQueue},
		{"provider/providertest", engineOrQueue},
	}
	for _, r := range rules {
		files, err := filepath.Glob(filepath.Join(r.dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s (%v)", r.dir, err)
		}
		for _, f := range files {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); r.forbidden(p) {
					t.Errorf("%s imports %s", f, p)
				}
			}
		}
	}
}
