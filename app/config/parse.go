package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Load reads and validates the config file at path. A missing file is not an
// error: it yields an empty Config (the first run has none). Any other
// failure is returned as is (read errors) or as an *Error naming the file and
// lines (syntax, unknown keys, secrets, invalid values).
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{base: &base{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := Parse(data, filepath.Base(path))
	if err != nil {
		return nil, err
	}
	cfg.base = baseOf(cfg)
	return cfg, nil
}

// Parse decodes and validates one config document; name labels the messages
// (usually "config.toml"). On failure it returns an *Error listing every
// problem it found; a secret-looking key makes it also match
// ErrSecretInConfig. Parse never returns a partially valid Config.
func Parse(data []byte, name string) (*Config, error) {
	var raw map[string]any
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return nil, syntaxError(name, err)
	}
	where := newLines(data)
	var ps problems
	secretKeys := checkSecrets(&ps, md.Keys(), raw, where)

	var cfg Config
	md, err = toml.Decode(string(data), &cfg)
	if err != nil {
		ps.list = append(ps.list, typeProblem(err))
		return nil, &Error{File: name, Problems: ps.list}
	}
	var unknown []string
	for _, k := range md.Undecoded() {
		path := k.String()
		if secretKeys[path] || slices.ContainsFunc(unknown, func(u string) bool { return strings.HasPrefix(path, u+".") }) {
			continue
		}
		unknown = append(unknown, path)
		line := 0
		if p, ok := where.first(path); ok {
			line = p.line
		}
		ps.add(line, "unknown key %q", path)
	}
	validate(&ps, &cfg, where)
	if len(ps.list) > 0 {
		return nil, &Error{File: name, Problems: ps.list}
	}
	normalize(&cfg)
	return &cfg, nil
}

// normalize turns empty lists ("ignore = []") into nil, the form Save
// writes (it omits them), so a loaded config equals its saved copy.
func normalize(c *Config) {
	if len(c.Targets) == 0 {
		c.Targets = nil
	}
	if len(c.Folders) == 0 {
		c.Folders = nil
	}
	for i := range c.Targets {
		if len(c.Targets[i].Recipients) == 0 {
			c.Targets[i].Recipients = nil
		}
	}
	for i := range c.Folders {
		if len(c.Folders[i].Ignore) == 0 {
			c.Folders[i].Ignore = nil
		}
	}
}

// typeRE matches toml's decode errors ("toml: line 5 (last key "a.b"): msg"),
// which carry the position only in their text.
var typeRE = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// typeProblem turns a decode error (a wrong type, a bad size or duration)
// into a Problem in the same "file:line: key: msg" form as the others. The
// text is only reformatted for display; nothing decides on it.
func typeProblem(err error) Problem {
	if m := typeRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{Line: line, Msg: m[2] + ": " + m[3]}
	}
	return Problem{Msg: strings.TrimPrefix(err.Error(), "toml: ")}
}

func syntaxError(name string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.Usage != "" {
			msg += " (" + strings.TrimSpace(pe.Usage) + ")"
		}
		return &Error{File: name, Problems: []Problem{{Line: pe.Position.Line, Msg: msg}}}
	}
	return &Error{File: name, Problems: []Problem{{Msg: err.Error()}}}
}

// secretWords are the words (split on "_" and "-") that make a key look like
// it holds a secret. "secrets" (the backend selector) is a different word.
var secretWords = map[string]bool{
	"token": true, "password": true, "passwd": true, "pass": true, "apikey": true,
	"jwt": true, "secret": true, "credential": true, "credentials": true, "bearer": true,
}

// IsSecretKey reports whether a config key name looks like it holds a secret.
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	if strings.Contains(k, "api_key") || strings.Contains(k, "api-key") ||
		strings.Contains(k, "private_key") {
		return true
	}
	for _, w := range strings.FieldsFunc(k, func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
		if secretWords[w] {
			return true
		}
	}
	return false
}

// checkSecrets adds a problem for every leaf key that looks like a secret
// and returns their paths so they are not also reported as unknown.
func checkSecrets(ps *problems, keys []toml.Key, raw map[string]any, where lines) map[string]bool {
	found := map[string]bool{}
	for _, k := range keys {
		if !IsSecretKey(k[len(k)-1]) || found[k.String()] {
			continue
		}
		found[k.String()] = true
		line, owner := 0, ""
		if p, ok := where.first(k.String()); ok {
			line = p.line
			owner = ownerLabel(raw, p.table, p.index)
		}
		ps.addErr(line, ErrSecretInConfig,
			"%s%s looks like a secret; secrets are never stored in the config file: "+
				"remove it and store it with `ferry target add` (kept in the OS keyring or your chosen secrets store)",
			owner, k[len(k)-1])
	}
	checkLinkPinValue(ps, raw, where)
	return found
}

// checkLinkPinValue refuses a target's link_pin that is not true or false:
// a value there is most likely the PIN itself, a secret (the message does
// not quote it).
func checkLinkPinValue(ps *problems, raw map[string]any, where lines) {
	targets, _ := raw["target"].([]map[string]any)
	for i, t := range targets {
		v, ok := t["link_pin"]
		if _, isBool := v.(bool); !ok || isBool {
			continue
		}
		ps.addErr(where.key("target", i, "link_pin"), ErrSecretInConfig,
			"%slink_pin must be true or false; the PIN itself is a secret and never stored in the config file: "+
				"set link_pin = true and store the PIN with `ferry target set-secret NAME --only public_link_pin` (kept in the OS keyring or your chosen secrets store)",
			ownerLabel(raw, "target", i))
	}
}

// ownerLabel names the table a key sits in for messages: `target "work": `.
func ownerLabel(raw map[string]any, table string, index int) string {
	if table == "" {
		return ""
	}
	if index < 0 {
		return "[" + table + "] "
	}
	if arr, ok := raw[table].([]map[string]any); ok && index < len(arr) {
		if n, ok := arr[index]["name"].(string); ok && n != "" {
			return fmt.Sprintf("%s %q: ", table, n)
		}
	}
	return fmt.Sprintf("%s #%d: ", table, index+1)
}
