// Package api holds the Quatrix REST API 1.0 wire types the provider sends
// and decodes. It has no behaviour: see the provider package for the rules.
//
// Field names follow the vendor's swagger and rclone's backend/quatrix
// (protocols/quatrix.md §4). Response types are decoded leniently: unknown
// fields are ignored and timestamps that the server may send with a
// fraction are json.Number, so a newer server cannot break decoding.
package api

import "encoding/json"

// Error is the ErrorModel every failed call returns: {msg, code, details}.
type Error struct {
	Msg     string         `json:"msg"`
	Code    int            `json:"code"`
	Details map[string]any `json:"details,omitempty"`
}

// Error codes the provider decides on (protocols/quatrix.md §8).
const (
	CodeBadParameter     = 10
	CodeMissingParameter = 11
	CodeNotFound         = 20
	CodeObjectExists     = 30
	CodeExpired          = 60
	CodeNotEnoughSpace   = 71
	CodeNotADirectory    = 91
	CodeSameNameExists   = 96
	CodeQuotaExceeded    = 122
)

// MFA codes sent in the Mfa-Code header of a 207 login answer.
const (
	MFACode2FA = "71"
	MFACodePIN = "73"
)

// SessionLogin is the body of GET /session/login.
type SessionLogin struct {
	SessionID string `json:"session_id"`
}

// Profile is the part of GET /profile the provider uses.
type Profile struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	HomeID      string `json:"home_id"`
	AccountID   string `json:"account_id"`
	MaxFileSize int64  `json:"max_file_size"`
}

// File types.
const (
	TypeFile    = "F"
	TypeDir     = "D"
	TypeShared  = "S"
	TypeTrash   = "T"
	TypeFileRef = "N"
)

// FileIDParams is the body of POST /file/id. An empty ParentID means home.
type FileIDParams struct {
	ParentID string `json:"parent_id,omitempty"`
	Path     string `json:"path"`
}

// FileID is the answer of POST /file/id.
type FileID struct {
	FileID   string `json:"file_id"`
	ParentID string `json:"parent_id"`
	Src      string `json:"src"`
	Type     string `json:"type"`
}

// MakeDirParams is the body of POST /file/makedir.
type MakeDirParams struct {
	Target  string `json:"target"`
	Name    string `json:"name"`
	Resolve bool   `json:"resolve"`
}

// File is a file or folder object (FileResp). For a folder Size is the
// number of children.
type File struct {
	ID         string          `json:"id"`
	ParentID   string          `json:"parent_id"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Size       int64           `json:"size"`
	Created    json.Number     `json:"created"`
	Modified   json.Number     `json:"modified"`
	ModifiedMS json.Number     `json:"modified_ms"`
	Operations int64           `json:"operations"`
	SubType    string          `json:"sub_type"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	Content    []File          `json:"content,omitempty"`
}

// UploadLinkParams is the body of POST /upload/link. FileSize is a pointer
// so a zero-byte file still declares its size.
type UploadLinkParams struct {
	Name     string `json:"name"`
	ParentID string `json:"parent_id"`
	Resolve  bool   `json:"resolve"`
	FileSize *int64 `json:"file_size,omitempty"`
}

// FileModifyParams is the body of POST /file/modify. Truncate is always
// sent: 0 means "replace everything".
type FileModifyParams struct {
	ID       string `json:"id"`
	Truncate int64  `json:"truncate"`
}

// UploadLink is the answer of POST /upload/link and POST /file/modify.
type UploadLink struct {
	ParentID  string `json:"parent_id"`
	FileID    string `json:"file_id"`
	Name      string `json:"name"`
	UploadKey string `json:"upload_key"`
}

// Finalize is the answer of GET /upload/finalize/{key}. Modified is an
// integer on the real server; json.Number keeps a fractional one readable.
type Finalize struct {
	ID       string      `json:"id"`
	ParentID string      `json:"parent_id"`
	Name     string      `json:"name,omitempty"`
	Size     int64       `json:"size"`
	Modified json.Number `json:"modified"`
}

// DeleteParams is the body of POST /file/delete.
type DeleteParams struct {
	IDs               []string `json:"ids"`
	DeletePermanently bool     `json:"delete_permanently"`
}

// Delete is the answer of POST /file/delete: IDs for up to 10 ids (200),
// JobID for more (202).
type Delete struct {
	IDs   []string `json:"ids,omitempty"`
	JobID string   `json:"job_id,omitempty"`
}

// FileCopyMoveOneParams is the body of POST /file/moveone and /file/copyone;
// every field is sent, as rclone does (rclone/rclone@64ab1ac32260
// backend/quatrix/api/types.go:185-192). MTime is Unix seconds.
type FileCopyMoveOneParams struct {
	ID          string      `json:"file_id"`
	Target      string      `json:"target_id"`
	Name        string      `json:"name"`
	MTime       json.Number `json:"mtime"`
	Resolve     bool        `json:"resolve"`
	ResolveMode string      `json:"resolve_mode"`
}
