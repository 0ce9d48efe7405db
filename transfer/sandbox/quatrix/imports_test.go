package quatrix_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOwnWireTypes: the sandbox declares its own wire types and never
// imports a provider package (transfer/provider/quatrix/api above all), so
// a JSON mistake in Ferry's client cannot pass the server too.
func TestOwnWireTypes(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sources: %v", err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range af.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if strings.Contains(p, "/transfer/provider") {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
