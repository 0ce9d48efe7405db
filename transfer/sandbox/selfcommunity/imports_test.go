package selfcommunity

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The sandbox declares its own wire types: no file of this package, tests
// included, imports a provider package (in particular not the client's
// api package), so a JSON mistake in the client cannot pass the server
// too.
func TestNoProviderImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(p, "/transfer/provider") {
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
}
