package config

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/transfer/bwtimetable"
)

// Validate checks a Config built in code (by the CLI or the UI) with the
// same rules Parse applies to a file. It returns an *Error labelled
// "config" whose problems carry no line numbers, or nil.
func (c *Config) Validate() error {
	var ps problems
	validate(&ps, c, lines{})
	if len(ps.list) > 0 {
		return &Error{File: "config", Problems: ps.list}
	}
	return nil
}

// namePattern keeps target and folder names usable as keyring ids and in
// environment variable names (FERRY_SECRET_<TARGET>_<NAME>).
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

var conflictPolicies = []string{"rename", "overwrite", "skip"}

const maxParallel = 64

func validate(ps *problems, c *Config, where lines) {
	if c.Secrets != "" && c.Secrets != "keyring" && c.Secrets != "env" &&
		(!strings.HasPrefix(c.Secrets, "file:") || len(c.Secrets) == len("file:")) {
		ps.add(where.key("", -1, "secrets"), `secrets must be "keyring", "env" or "file:PATH", not %q`, c.Secrets)
	}
	seen := map[string]bool{}
	for i, t := range c.Targets {
		validateTarget(ps, i, t, where, seen)
	}
	seen = map[string]bool{}
	for i, f := range c.Folders {
		at := func(key string) int { return where.key("folder", i, key) }
		label := fmt.Sprintf("folder %q: ", f.Name)
		switch {
		case f.Name == "":
			label = fmt.Sprintf("folder #%d: ", i+1)
			ps.add(where.header("folder", i), "%sname is missing", label)
		case !namePattern.MatchString(f.Name):
			ps.add(at("name"), "%sname may use only letters, digits, '.', '_' and '-' (at most 64)", label)
		case seen[f.Name]:
			ps.add(at("name"), "%sname is used twice", label)
		}
		seen[f.Name] = true
		if f.Path == "" {
			ps.add(at("path"), "%spath is missing", label)
		} else if !filepath.IsAbs(f.Path) {
			ps.add(at("path"), "%spath must be absolute, not %q", label, f.Path)
		}
		if f.Target == "" {
			ps.add(at("target"), "%starget is missing", label)
		} else if c.Target(f.Target) == nil {
			ps.add(at("target"), "%starget %q is not defined in a [[target]] table", label, f.Target)
		}
		if f.Conflict != "" && !slices.Contains(conflictPolicies, f.Conflict) {
			ps.add(at("conflict"), "%sconflict must be rename, overwrite or skip, not %q", label, f.Conflict)
		}
		if err := checkRemoteDir(f.RemoteDir); err != "" {
			ps.add(at("remote_dir"), "%sremote_dir %s", label, err)
		}
		for _, p := range f.Ignore {
			if strings.TrimSpace(p) == "" {
				ps.add(at("ignore"), "%signore holds an empty pattern", label)
			}
		}
	}
	tr := c.Transfer
	if tr.ParallelFiles < 0 || tr.ParallelFiles > maxParallel {
		ps.add(where.key("transfer", -1, "parallel_files"), "[transfer] parallel_files must be 1 to %d", maxParallel)
	}
	if tr.PerTargetParallel < 0 || tr.PerTargetParallel > maxParallel {
		ps.add(where.key("transfer", -1, "per_target_parallel"), "[transfer] per_target_parallel must be 1 to %d", maxParallel)
	}
	if tr.BandwidthSchedule != "" {
		at := where.key("transfer", -1, "bandwidth_schedule")
		if _, err := bwtimetable.Parse(tr.BandwidthSchedule); err != nil {
			ps.add(at, "[transfer] bandwidth_schedule: %v", err)
		} else if tr.BandwidthLimit != 0 {
			ps.add(at, "[transfer] bandwidth_schedule and bandwidth_limit are both set: keep one (a timetable can hold a single rate too)")
		}
	}
	if tr.StallTimeout != 0 && time.Duration(tr.StallTimeout) < 5*time.Second {
		ps.add(where.key("transfer", -1, "stall_timeout"), "[transfer] stall_timeout must be at least 5s (or left out)")
	}
}

func validateTarget(ps *problems, i int, t Target, where lines, seen map[string]bool) {
	at := func(key string) int { return where.key("target", i, key) }
	label := fmt.Sprintf("target %q: ", t.Name)
	switch {
	case t.Name == "":
		label = fmt.Sprintf("target #%d: ", i+1)
		ps.add(where.header("target", i), "%sname is missing", label)
	case !namePattern.MatchString(t.Name):
		ps.add(at("name"), "%sname may use only letters, digits, '.', '_' and '-' (at most 64)", label)
	case seen[t.Name]:
		ps.add(at("name"), "%sname is used twice", label)
	}
	seen[t.Name] = true
	if !slices.Contains(Kinds, t.Kind) {
		ps.add(at("kind"), "%skind must be one of %s, not %q", label, strings.Join(Kinds, ", "), t.Kind)
		return
	}
	if msg := CheckBaseURL(t.BaseURL); msg != "" {
		ps.add(at("base_url"), "%sbase_url %s", label, msg)
	}
	if t.TLSPinSHA256 != "" {
		if b, err := hex.DecodeString(strings.ReplaceAll(t.TLSPinSHA256, ":", "")); err != nil || len(b) != 32 {
			ps.add(at("tls_pin_sha256"), "%stls_pin_sha256 must be a SHA-256 fingerprint (64 hex digits)", label)
		} else if strings.HasPrefix(t.BaseURL, "http://") {
			ps.add(at("tls_pin_sha256"), "%stls_pin_sha256 only applies to an https:// base_url", label)
		}
	}
	for _, key := range foreignKeys(t) {
		ps.add(at(key), "%s%s is not a %s setting", label, key, t.Kind)
	}
	switch t.Kind {
	case KindQuatrix:
		if t.Auth != "" && t.Auth != AuthAPIKey && t.Auth != AuthPassword {
			ps.add(at("auth"), `%sauth must be "apikey" or "password", not %q`, label, t.Auth)
		}
		if t.Auth == AuthPassword && t.Email == "" {
			ps.add(at("auth"), `%sauth = "password" needs email (the login name)`, label)
		}
		if t.Conflict != "" && !slices.Contains(conflictPolicies, t.Conflict) {
			ps.add(at("conflict"), "%sconflict must be rename, overwrite or skip, not %q", label, t.Conflict)
		}
		if t.LinkExpiryDays < 0 || t.LinkExpiryDays > 36500 {
			ps.add(at("link_expiry_days"), "%slink_expiry_days must be 0 (never) to 36500", label)
		}
		if t.LinkExpiryDays != 0 && !t.PublicLinks {
			ps.add(at("link_expiry_days"), "%slink_expiry_days needs public_links = true", label)
		}
		if t.LinkPin && !t.PublicLinks {
			ps.add(at("link_pin"), "%slink_pin needs public_links = true (a PIN protects public links only)", label)
		}
	case KindTwake:
		if t.CompanyID == "" {
			ps.add(at("company_id"), "%scompany_id is missing", label)
		}
		if t.ParallelChunks < 0 || t.ParallelChunks > maxParallel {
			ps.add(at("parallel_chunks"), "%sparallel_chunks must be 1 to %d", label, maxParallel)
		}
		if t.DriveParentID != "" && !t.DriveFolders {
			ps.add(at("drive_parent_id"), "%sdrive_parent_id needs drive_folders = true", label)
		}
	case KindSelfCommunity:
		if t.Dialect != "" && t.Dialect != DialectPlain && t.Dialect != DialectQQ {
			ps.add(at("dialect"), `%sdialect must be "plain" or "qq", not %q`, label, t.Dialect)
		}
	}
}

// foreignKeys returns the settings t has that belong to another kind.
func foreignKeys(t Target) []string {
	set := map[string]bool{
		"parent_id": t.ParentID != "", "protected": t.Protected, "vue_file_manager": t.VueFileManager, "auth": t.Auth != "", "email": t.Email != "",
		"conflict": t.Conflict != "", "company_id": t.CompanyID != "",
		"drive_folders": t.DriveFolders, "drive_parent_id": t.DriveParentID != "",
		"parallel_chunks": t.ParallelChunks != 0, "keep_path_in_name": t.KeepPathInName,
		"dialect": t.Dialect != "", "recipients": len(t.Recipients) > 0, "group": t.Group != 0, "no_md5": t.NoMD5,
		"public_links": t.PublicLinks, "link_expiry_days": t.LinkExpiryDays != 0, "link_pin": t.LinkPin,
	}
	var out []string
	for _, kind := range Kinds {
		if kind == t.Kind {
			continue
		}
		for _, k := range kindKeys[kind] {
			if set[k] {
				out = append(out, k)
			}
		}
	}
	return out
}

// CheckBaseURL returns "" for a usable target URL, or what is wrong with it
// (the words that follow "base_url" in a message). Plain http is allowed
// only to the loopback interface, where the sandbox runs.
func CheckBaseURL(raw string) string {
	if raw == "" {
		return "is missing"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Sprintf("%q is not an absolute URL like https://files.example.com", raw)
	}
	if u.User != nil {
		return "must not carry a user name or password: store credentials with `ferry target add`"
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "must not have a query or fragment"
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" {
			return ""
		}
	}
	return "must be https:// or http://127.0.0.1 (plain http only to this machine, for the sandbox)"
}

// checkRemoteDir returns "" for a slash-separated remote folder without
// "." or ".." segments, or what is wrong.
func checkRemoteDir(dir string) string {
	for _, seg := range strings.Split(strings.Trim(dir, "/"), "/") {
		if seg == "." || seg == ".." {
			return fmt.Sprintf("must not contain %q segments", seg)
		}
		if strings.ContainsAny(seg, "\\\x00") {
			return "must use '/' as separator and no NUL bytes"
		}
	}
	return ""
}
