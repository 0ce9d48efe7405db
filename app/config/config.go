// Package config reads, validates and writes Ferry's configuration file: the
// upload targets, the watched folders, transfer limits and UI settings.
//
// The file never holds a secret. API keys, passwords, JWTs and share tokens
// live in the secrets store (package app/secrets); a secret-looking key in the
// file is refused by Parse with a message pointing at `ferry target add`.
//
// Values are kept as the user wrote them: defaults are applied by accessor
// methods (ParallelFilesOrDefault, Enabled, ...) rather than written into the
// struct, so saving a loaded file does not pin today's defaults forever.
package config

import (
	"time"

	"github.com/ferry-sync/ferry/transfer/bwtimetable"
)

// The target kinds Ferry speaks.
const (
	KindQuatrix       = "quatrix"
	KindTwake         = "twake"
	KindFilesRo       = "filesro"
	KindSelfCommunity = "selfcommunity"
)

// Kinds lists the valid values of Target.Kind in a stable order.
var Kinds = []string{KindQuatrix, KindTwake, KindFilesRo, KindSelfCommunity}

// Defaults used when the file leaves a value out.
const (
	DefaultParallelFiles          = 4
	DefaultTwakeParallelChunks    = 4
	DefaultSelfCommunityChunkSize = 204800
	DefaultStallTimeout           = 2 * time.Minute
)

// Config is the whole file. The zero value is a valid, empty configuration.
type Config struct {
	// Secrets selects the secrets backend: "keyring" (the default),
	// "file:PATH" or "env". A --secrets flag overrides it.
	Secrets  string   `toml:"secrets,omitempty"`
	Targets  []Target `toml:"target,omitempty"`
	Folders  []Folder `toml:"folder,omitempty"`
	Transfer Transfer `toml:"transfer,omitempty"`
	UI       UI       `toml:"ui,omitempty"`

	// base is what the file held when this config was loaded (nil when it
	// was built in memory); Store.Save refuses to drop entries added since.
	base *base
}

// Target is one configured upload destination: a service kind, where it is
// and its non-secret settings. Settings of other kinds must stay empty.
type Target struct {
	Name    string `toml:"name"`
	Kind    string `toml:"kind"`
	BaseURL string `toml:"base_url"`
	// TLSPinSHA256 trusts one self-signed server certificate for this target
	// only (hex SHA-256 of the DER certificate). There is deliberately no
	// global "insecure" switch.
	TLSPinSHA256 string `toml:"tls_pin_sha256,omitempty"`
	// ChunkSize overrides the provider's default chunk size (0 = default).
	ChunkSize Size `toml:"chunk_size,omitzero"`

	// filesro
	ParentID string `toml:"parent_id,omitempty"`
	// Protected shares need the share password (kept in the secrets store).
	Protected bool `toml:"protected,omitempty"`
	// VueFileManager selects a self-hosted VueFileManager's routes instead
	// of files.ro's.
	VueFileManager bool `toml:"vue_file_manager,omitempty"`

	// quatrix
	Auth     string `toml:"auth,omitempty"`     // "apikey" (default) or "password"
	Email    string `toml:"email,omitempty"`    // login for auth = "password"
	Conflict string `toml:"conflict,omitempty"` // default policy: rename|overwrite|skip
	// PublicLinks makes a public link (a Quatrix public share) for every
	// uploaded file, kept in the history for "Copy link". Off by default:
	// anyone with the link can download the file.
	PublicLinks bool `toml:"public_links,omitempty"`
	// LinkExpiryDays, when not 0, makes each public link expire after that
	// many days.
	LinkExpiryDays int64 `toml:"link_expiry_days,omitzero"`
	// LinkPin makes each public link ask for a PIN before it lets a
	// download through. Only this switch is in the config: the PIN itself
	// is a secret of the target (secret name "public_link_pin", kept in the
	// secrets store like the login) and never written here.
	LinkPin bool `toml:"link_pin,omitempty"`

	// twake
	CompanyID      string `toml:"company_id,omitempty"`
	DriveFolders   bool   `toml:"drive_folders,omitempty"`
	DriveParentID  string `toml:"drive_parent_id,omitempty"`
	ParallelChunks int    `toml:"parallel_chunks,omitzero"`
	KeepPathInName bool   `toml:"keep_path_in_name,omitempty"`

	// selfcommunity
	Dialect    string  `toml:"dialect,omitempty"`    // "plain" (default) or "qq"
	Recipients []int64 `toml:"recipients,omitempty"` // user ids to message the file to
	Group      int64   `toml:"group,omitzero"`       // group id to message the file to
	// PauseOnMetered, when set, overrides [transfer] pause_on_metered for
	// this target's uploads.
	PauseOnMetered *bool `toml:"pause_on_metered,omitempty"`

	// NoMD5 leaves the whole-file MD5 out of the done call: the server then
	// checks only the size and part count. For servers that mishandle it,
	// and for machines where hashing is the bottleneck (see the README).
	NoMD5 bool `toml:"no_md5,omitempty"`
}

// The quatrix authentication methods.
const (
	AuthAPIKey   = "apikey"
	AuthPassword = "password"
)

// The selfcommunity field dialects.
const (
	DialectPlain = "plain"
	DialectQQ    = "qq"
)

// kindKeys lists the keys each kind accepts besides the common ones.
var kindKeys = map[string][]string{
	KindFilesRo:       {"parent_id", "protected", "vue_file_manager"},
	KindQuatrix:       {"auth", "email", "conflict", "public_links", "link_expiry_days", "link_pin"},
	KindTwake:         {"company_id", "drive_folders", "drive_parent_id", "parallel_chunks", "keep_path_in_name"},
	KindSelfCommunity: {"dialect", "recipients", "group", "no_md5"},
}

// ParallelChunksOrDefault is the number of chunks of one file sent at once
// (twake only; 1 for the other kinds, whose APIs need chunks in series).
func (t Target) ParallelChunksOrDefault() int {
	if t.Kind != KindTwake {
		return 1
	}
	if t.ParallelChunks > 0 {
		return t.ParallelChunks
	}
	return DefaultTwakeParallelChunks
}

// ChunkSizeOrDefault is the configured chunk size, the selfcommunity web
// client's 204,800 bytes for that kind, or 0 (the provider's default).
func (t Target) ChunkSizeOrDefault() int64 {
	if t.ChunkSize > 0 {
		return int64(t.ChunkSize)
	}
	if t.Kind == KindSelfCommunity {
		return DefaultSelfCommunityChunkSize
	}
	return 0
}

// DialectOrDefault is the selfcommunity field dialect.
func (t Target) DialectOrDefault() string {
	if t.Dialect == "" {
		return DialectPlain
	}
	return t.Dialect
}

// AuthOrDefault is the quatrix authentication method.
func (t Target) AuthOrDefault() string {
	if t.Auth == "" {
		return AuthAPIKey
	}
	return t.Auth
}

// Folder is one watched local folder and where its files go.
type Folder struct {
	Name      string   `toml:"name"`
	Path      string   `toml:"path"`
	Target    string   `toml:"target"`
	RemoteDir string   `toml:"remote_dir,omitempty"`
	Conflict  string   `toml:"conflict,omitempty"` // rename (default)|overwrite|skip
	Ignore    []string `toml:"ignore,omitempty"`   // gitignore patterns
	// Enabled is nil when the file leaves it out, which means enabled.
	Enabled *bool `toml:"enabled,omitempty"`
}

// IsEnabled reports whether the folder is watched.
func (f Folder) IsEnabled() bool { return f.Enabled == nil || *f.Enabled }

// ConflictFor is the policy for the folder's files on target t (nil when
// the target is missing): the folder's own, else the target's, else the
// watched-folder default. A watched folder mirrors its files, so where the
// service can replace a file in place (Quatrix) a changed file replaces its
// earlier upload; elsewhere both versions are kept (rename).
func (f Folder) ConflictFor(t *Target) string {
	switch {
	case f.Conflict != "":
		return f.Conflict
	case t != nil && t.Conflict != "":
		return t.Conflict
	case t != nil && t.Kind == KindQuatrix:
		return "overwrite"
	}
	return "rename"
}

// ConflictOrDefault is the folder's conflict policy.
func (f Folder) ConflictOrDefault() string {
	if f.Conflict == "" {
		return "rename"
	}
	return f.Conflict
}

// Transfer holds the engine's limits.
type Transfer struct {
	ParallelFiles     int `toml:"parallel_files,omitzero"`
	PerTargetParallel int `toml:"per_target_parallel,omitzero"` // 0 = same as parallel_files
	// BandwidthLimit caps the total upload rate; 0 means unlimited.
	BandwidthLimit Rate     `toml:"bandwidth_limit,omitzero"`
	StallTimeout   Duration `toml:"stall_timeout,omitzero"`
	// ChunkSize is the chunk size for targets that set none of their own
	// (0 = each provider's default).
	ChunkSize Size `toml:"chunk_size,omitzero"`
	// BandwidthSchedule is a timetable in rclone's --bwlimit syntax
	// ("Mon-Fri 08:00,512k 18:00,off", see package bwtimetable); when set
	// it replaces BandwidthLimit, which must then be left out.
	BandwidthSchedule string `toml:"bandwidth_schedule,omitempty"`
	// PauseOnMetered pauses uploads while the connection is metered (where
	// the system can tell); a target's pause_on_metered overrides it.
	PauseOnMetered bool `toml:"pause_on_metered,omitempty"`
}

// ParallelFilesOrDefault is the number of files uploaded at once.
func (t Transfer) ParallelFilesOrDefault() int {
	if t.ParallelFiles > 0 {
		return t.ParallelFiles
	}
	return DefaultParallelFiles
}

// PerTargetParallelOrDefault is the number of files uploaded at once to one target.
func (t Transfer) PerTargetParallelOrDefault() int {
	if t.PerTargetParallel > 0 {
		return min(t.PerTargetParallel, t.ParallelFilesOrDefault())
	}
	return t.ParallelFilesOrDefault()
}

// Bandwidth is the limit in force: the timetable when one is set, else
// the constant bandwidth_limit (0: none). The error is the timetable's
// parse error (Validate reports it too).
func (t Transfer) Bandwidth() (bwtimetable.Timetable, error) {
	if t.BandwidthSchedule == "" {
		return bwtimetable.Constant(int64(t.BandwidthLimit)), nil
	}
	return bwtimetable.Parse(t.BandwidthSchedule)
}

// PausesOnMetered reports whether uploads to target t pause on a metered
// connection: the target's own setting, else the global one.
func (c *Config) PausesOnMetered(t Target) bool {
	if t.PauseOnMetered != nil {
		return *t.PauseOnMetered
	}
	return c.Transfer.PauseOnMetered
}

// StallTimeoutOrDefault is how long a transfer may make no progress.
func (t Transfer) StallTimeoutOrDefault() time.Duration {
	if t.StallTimeout > 0 {
		return time.Duration(t.StallTimeout)
	}
	return DefaultStallTimeout
}

// UI holds desktop settings.
type UI struct {
	Notifications Notifications `toml:"notifications,omitempty"`
	StartAtLogin  bool          `toml:"start_at_login,omitempty"`
	LastTarget    string        `toml:"last_target,omitempty"`
	LastRemoteDir string        `toml:"last_remote_dir,omitempty"`
}

// Notifications switches desktop notifications per kind of event. A nil
// field means the default: on for failures and needed attention, off for
// every finished upload (the spam users complain about).
type Notifications struct {
	Uploaded  *bool `toml:"uploaded,omitempty"`
	Failed    *bool `toml:"failed,omitempty"`
	Attention *bool `toml:"attention,omitempty"` // credentials, conflicts, paused by an error
}

// UploadedOn reports whether a finished upload notifies.
func (n Notifications) UploadedOn() bool { return n.Uploaded != nil && *n.Uploaded }

// FailedOn reports whether a failed upload notifies.
func (n Notifications) FailedOn() bool { return n.Failed == nil || *n.Failed }

// AttentionOn reports whether a target needing the user notifies.
func (n Notifications) AttentionOn() bool { return n.Attention == nil || *n.Attention }

// Target returns the target named name, or nil.
func (c *Config) Target(name string) *Target {
	for i := range c.Targets {
		if c.Targets[i].Name == name {
			return &c.Targets[i]
		}
	}
	return nil
}

// Folder returns the folder named name, or nil.
func (c *Config) Folder(name string) *Folder {
	for i := range c.Folders {
		if c.Folders[i].Name == name {
			return &c.Folders[i]
		}
	}
	return nil
}
