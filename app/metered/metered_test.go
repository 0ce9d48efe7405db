package metered

import (
	"slices"
	"testing"
)

func TestPolicyHeld(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name    string
		p       Policy
		s       State
		all     bool
		targets []string
	}{
		{"off", Policy{Targets: map[string]*bool{"a": nil, "b": nil}}, Metered, false, nil},
		{"global", Policy{Global: true, Targets: map[string]*bool{"a": nil, "b": nil}}, Metered, true, nil},
		{"global, not metered", Policy{Global: true}, Unmetered, false, nil},
		{"global, unknown", Policy{Global: true}, Unknown, false, nil},
		{"one target", Policy{Targets: map[string]*bool{"a": &yes, "b": nil}}, Metered, false, []string{"a"}},
		{"one target, not metered", Policy{Targets: map[string]*bool{"a": &yes}}, Unmetered, false, nil},
		{"global but b opts out", Policy{Global: true, Targets: map[string]*bool{"a": nil, "b": &no, "c": &yes}}, Metered, false, []string{"a", "c"}},
	}
	for _, c := range cases {
		all, targets := c.p.Held(c.s)
		if all != c.all || !slices.Equal(targets, c.targets) {
			t.Errorf("%s: Held = %v %v, want %v %v", c.name, all, targets, c.all, c.targets)
		}
	}
}

func TestUnsupported(t *testing.T) {
	d := Unsupported(errTest)
	if d.Supported() != errTest || d.State() != Unknown {
		t.Fatal("Unsupported must report its reason and Unknown")
	}
	if _, ok := <-d.Changes(); ok {
		t.Fatal("Unsupported's Changes must be closed")
	}
}

var errTest = errorString("cannot tell here")

type errorString string

func (e errorString) Error() string { return string(e) }
