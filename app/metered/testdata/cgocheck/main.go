// Command cgocheck type-checks a cgo package as one GOOS/GOARCH with cgo
// sees it, on a machine that has no C toolchain for that system: the
// package's cgo files as `go tool cgo` rewrote them (in objdir, made with
// any C compiler that can parse the preamble, e.g. clang -target
// arm64-apple-macos) and its plain Go files that build there. It is what
// `go vet` would type-check, minus runtime/cgo, which only a full cgo
// toolchain for the target can build; the generated code's one use of
// it (the type Incomplete) is stood in for.
//
//	go run ./app/metered/testdata/cgocheck -goos darwin -goarch arm64 DIR OBJDIR
//
// `make cross-check-darwin-c` runs it for app/metered (macOS detector).
package main

import (
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	goos := flag.String("goos", "darwin", "target GOOS")
	goarch := flag.String("goarch", "arm64", "target GOARCH")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: cgocheck [-goos darwin] [-goarch arm64] DIR OBJDIR (OBJDIR from go tool cgo -objdir)")
		os.Exit(2)
	}
	if err := check(*goos, *goarch, flag.Arg(0), flag.Arg(1)); err != nil {
		fmt.Fprintln(os.Stderr, "cgocheck:", err)
		os.Exit(1)
	}
}

// check type-checks dir's package for goos/goarch with cgo, its cgo
// files replaced by their rewrites in objdir.
func check(goos, goarch, dir, objdir string) error {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = goos, goarch, true
	pkg, err := ctx.ImportDir(dir, 0)
	if err != nil {
		return err
	}
	if len(pkg.CgoFiles) == 0 {
		return fmt.Errorf("%s has no cgo files for %s/%s: nothing to check", dir, goos, goarch)
	}
	files := []string{filepath.Join(objdir, "_cgo_gotypes.go")}
	for _, f := range pkg.GoFiles {
		files = append(files, filepath.Join(dir, f))
	}
	for _, f := range pkg.CgoFiles {
		files = append(files, filepath.Join(objdir, strings.TrimSuffix(f, ".go")+".cgo1.go"))
	}
	fset := token.NewFileSet()
	var parsed []*ast.File
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		parsed = append(parsed, af)
	}
	var errs []error
	conf := types.Config{
		Importer: cgoImporter{importer.ForCompiler(fset, "source", nil)},
		Error:    func(err error) { errs = append(errs, err) },
	}
	if _, err := conf.Check(pkg.ImportPath, fset, parsed, nil); err != nil {
		return errors.Join(errs...)
	}
	fmt.Printf("cgocheck: %s type-checks for %s/%s with cgo (%d files)\n", dir, goos, goarch, len(files))
	return nil
}

// cgoImporter stands runtime/cgo in with the one name the generated code
// uses (type Incomplete); every other import is the host's standard
// library, whose API the package uses the same way on the target.
type cgoImporter struct{ std types.Importer }

func (c cgoImporter) Import(path string) (*types.Package, error) {
	if path != "runtime/cgo" {
		return c.std.Import(path)
	}
	p := types.NewPackage("runtime/cgo", "cgo")
	name := types.NewTypeName(token.NoPos, p, "Incomplete", nil)
	types.NewNamed(name, types.NewStruct(nil, nil), nil)
	p.Scope().Insert(name)
	p.MarkComplete()
	return p, nil
}
