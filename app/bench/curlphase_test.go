package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// curlReq is one request of a curl phase.
type curlReq struct {
	method  string   // "" lets curl choose (GET, or POST with a form or body)
	url     string   // absolute
	headers []string // "Name: value"
	form    []string // multipart fields, as curl -F takes them ("name=value", "file=@path;filename=x")
	json    string   // a JSON body (sent with Content-Type: application/json)
	file    string   // a raw body read from this file
}

// curlPhase sends reqs from ONE curl process keeping 4 connections alive
// (--parallel --parallel-max 4), each answer into a file of its own, and
// returns the answers in the order of reqs and the process's usage. Any
// HTTP error (--fail) or transport error fails the phase. Every request
// disables curl's "Expect: 100-continue" (Ferry's client never waits for
// a 100), so a body goes out in the same round trip as its headers.
func (r *runner) curlPhase(name string, reqs []curlReq) ([][]byte, usage, error) {
	dir, err := os.MkdirTemp(r.work, "curl-"+name+"-")
	if err != nil {
		return nil, usage{}, fmt.Errorf("curl %s: %w", name, err)
	}
	// The answer files stay until the harness removes its work folder:
	// see keepManyFiles.
	var cfg strings.Builder
	for i, q := range reqs {
		if i > 0 {
			cfg.WriteString("next\n")
		}
		writeCurlReq(&cfg, q, filepath.Join(dir, fmt.Sprintf("%d.out", i)))
	}
	cfgPath := filepath.Join(dir, "requests.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		return nil, usage{}, fmt.Errorf("curl %s: %w", name, err)
	}
	syncDisk()
	u, _, err := timed("curl", "-sS", "--fail", "--parallel", "--parallel-max", "4", "-K", cfgPath)
	if err != nil {
		return nil, u, fmt.Errorf("curl %s: %w", name, err)
	}
	answers := make([][]byte, len(reqs))
	for i := range reqs {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%d.out", i)))
		if err != nil && !os.IsNotExist(err) { // an empty answer leaves no file
			return nil, u, fmt.Errorf("curl %s: answer %d: %w", name, i, err)
		}
		answers[i] = b
	}
	return answers, u, nil
}

// writeCurlReq writes q as one entry of a curl config file (-K) whose
// answer goes to out, failing the phase on an HTTP error.
func writeCurlReq(b *strings.Builder, q curlReq, out string) {
	opt := func(k, v string) { fmt.Fprintf(b, "%s = %s\n", k, cfgQuote(v)) }
	opt("url", q.url)
	opt("output", out)
	// Options before "next" apply to one request only: --fail on the
	// command line covered the first request of a phase, and a later one
	// answered 500 passed as an answer (the SelfCommunity baseline's
	// "too many open files" went unseen so).
	b.WriteString("fail\n")
	if q.method != "" {
		opt("request", q.method)
	}
	opt("header", "Expect:")
	for _, h := range q.headers {
		opt("header", h)
	}
	for _, f := range q.form {
		opt("form", f)
	}
	if q.json != "" {
		opt("header", "Content-Type: application/json")
		opt("data-binary", q.json)
	}
	if q.file != "" {
		opt("data-binary", "@"+q.file)
	}
}

// cfgQuote quotes v for a curl config file, where a quoted value takes
// backslash escapes.
func cfgQuote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(v) + `"`
}

// phased is a chained baseline's total: the phases' wall times and CPU
// times added up.
type phased struct {
	u      usage
	phases int
}

func (p *phased) add(u usage) {
	p.u.Wall += u.Wall
	p.u.CPU += u.CPU
	p.u.MaxRSS = max(p.u.MaxRSS, u.MaxRSS)
	p.phases++
}

// smallFile is one file of a small-file baseline.
type smallFile struct {
	path string // on disk
	rel  string // slash-separated, below the uploaded folder
	size int64
	mod  string // mtime as seconds.microseconds
}

// listSmall lists the regular files below dir in walk order.
func listSmall(dir string) ([]smallFile, error) {
	var out []smallFile
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		mt := info.ModTime()
		out = append(out, smallFile{
			path: p, rel: filepath.ToSlash(rel), size: info.Size(),
			mod: fmt.Sprintf("%d.%06d", mt.Unix(), mt.Nanosecond()/1000),
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	return out, nil
}
