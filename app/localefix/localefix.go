// Package localefix gives Fyne a language it can parse when the process
// runs under a "C.UTF-8"-style locale (the default of many containers and
// servers). Fyne reads the locale in a package initialiser and prints
// "Fyne error: Error parsing user locale C" for it, on every command, even
// the headless ones. Go initialises a package as soon as its own imports
// are ready, in import-path order; this one imports almost nothing, so it
// runs before Fyne's and sets LANGUAGE, which gettext (and Fyne's locale
// lookup) consults before LANG. A user's own LANGUAGE is never changed.
//
// main imports it for its side effect; a test of the built binary checks
// that the order holds.
package localefix

import (
	"os"
	"strings"
)

func init() { apply(os.Getenv, os.Setenv) }

// apply sets LANGUAGE=en when the effective locale is C or POSIX with an
// encoding suffix and LANGUAGE is unset.
func apply(getenv func(string) string, setenv func(string, string) error) {
	if getenv("LANGUAGE") != "" {
		return
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(k)
		if v == "" {
			continue
		}
		if strings.HasPrefix(v, "C.") || strings.HasPrefix(v, "POSIX.") {
			_ = setenv("LANGUAGE", "en") // nothing to do if the environment refuses
		}
		return
	}
}
