package config

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSecretInConfig is wrapped by the error Parse returns when the file
// holds a secret-looking key (token, password, api_key, jwt, secret...).
var ErrSecretInConfig = errors.New("secrets do not belong in the config file")

// ErrInvalid is wrapped by every *Error: the file could not be used.
var ErrInvalid = errors.New("invalid config")

// Problem is one thing wrong with the file.
type Problem struct {
	Line int    // 1-based line, 0 when unknown
	Msg  string // what is wrong and, where it helps, what to do
	err  error  // a sentinel the problem also matches, may be nil
}

// Error lists every problem found in one file, in file order where lines are
// known. It unwraps to ErrInvalid and to the sentinels of its problems.
type Error struct {
	File     string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
		b.WriteString(p.Msg)
	}
	return b.String()
}

// Unwrap exposes ErrInvalid and the problems' sentinels to errors.Is.
func (e *Error) Unwrap() []error {
	errs := []error{ErrInvalid}
	for _, p := range e.Problems {
		if p.err != nil {
			errs = append(errs, p.err)
		}
	}
	return errs
}

// problems collects Problems during validation.
type problems struct {
	list []Problem
}

func (p *problems) add(line int, format string, args ...any) {
	p.list = append(p.list, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) addErr(line int, sentinel error, format string, args ...any) {
	p.list = append(p.list, Problem{Line: line, Msg: fmt.Sprintf(format, args...), err: sentinel})
}
