package main

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// The rules that keep the rooms of the house separate (ARCHITECTURE.md §2).
// Each rule forbids packages matching from to depend on packages matching
// to; Direct rules look only at direct imports, the others at every
// transitive dependency (so a GUI import cannot sneak in through a helper).
var layeringRules = []struct {
	from, to string
	direct   bool // only direct imports count
	exact    bool // to names one package, not a prefix
	tests    bool // the package's test files' imports count too
	why      string
}{
	{from: "transfer", to: "fyne.io/", why: "the engine runs headless; only ui and app touch Fyne"},
	{from: "sync", to: "fyne.io/", why: "the watcher runs headless"},
	{from: "sync", to: "transfer", why: "app connects watcher output to the engine"},
	{from: "ui", to: "go.etcd.io/bbolt", why: "ui talks to the engine through its own interface"},
	{from: "ui", to: "github.com/fsnotify/", why: "ui talks to the engine through its own interface"},
	{from: "ui", to: "transfer/queue", direct: true, why: "ui talks to the engine through its own interface"},
	{from: "ui", to: "transfer/provider/", direct: true, why: "ui never knows a concrete provider"},
	{from: "transfer/provider/", to: "transfer/queue", why: "providers only speak their API"},
	{from: "transfer/provider/", to: "transfer", exact: true, why: "providers never import the engine"},
	{from: "transfer/sandbox/", to: "transfer/provider", tests: true, why: "each service's sandbox declares its own wire types, so a JSON mistake in a client cannot pass the server too"},
}

type goPackage struct {
	ImportPath   string
	Imports      []string
	Deps         []string
	TestImports  []string
	XTestImports []string
}

func TestLayering(t *testing.T) {
	const module = "github.com/ferry-sync/ferry/"
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Deps,TestImports,XTestImports", "./...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for {
		var p goPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		rel := strings.TrimPrefix(p.ImportPath, module)
		for _, r := range layeringRules {
			if !strings.HasPrefix(rel, r.from) {
				continue
			}
			deps := p.Deps
			if r.direct {
				deps = p.Imports
			}
			if r.tests {
				deps = append(append(append([]string(nil), deps...), p.TestImports...), p.XTestImports...)
			}
			for _, d := range deps {
				target := strings.TrimPrefix(d, module)
				if r.exact && target != r.to || !strings.HasPrefix(target, r.to) || target == rel {
					continue
				}
				t.Errorf("%s imports %s: %s", rel, d, r.why)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no package was checked: go list found nothing under ./...")
	}
}
