// Package api holds the wire types of the Twake files service
// (/internal/services/files/v1) and of the Twake Drive documents service
// (/internal/services/documents/v1), as described in
// shared/protocols/twake.md. It contains types only: no behaviour, so the
// provider and the sandbox speak the same JSON.
package api

// Path prefixes of the two services, below the server's base URL.
const (
	FilesPrefix     = "/internal/services/files/v1"
	DocumentsPrefix = "/internal/services/documents/v1"
)

// Query parameter names of the init and chunk calls (notes §1.2). The server
// reads them only from the URL query string; when both the resumable.js and
// the snake_case name are present the resumable one wins.
const (
	QChunkNumber          = "chunk_number"
	QTotalChunks          = "total_chunks"
	QTotalSize            = "total_size"
	QFilename             = "filename"
	QType                 = "type"
	QThumbnailSync        = "thumbnail_sync"
	QResumableChunkNumber = "resumableChunkNumber"
	QResumableTotalChunks = "resumableTotalChunks"
	QResumableTotalSize   = "resumableTotalSize"
	QResumableFilename    = "resumableFilename"
	QResumableType        = "resumableType"
	// QResumableChunkSize is the client's chunk size (every chunk but the
	// last has it). The server ignores it; the official client sends it, and
	// the sandbox takes it as a hint of where each chunk belongs.
	QResumableChunkSize = "resumableChunkSize"
)

// FilePart is the multipart field name of the file part (the real server
// takes the first file part whatever its name; clients send "file").
const FilePart = "file"

// RootFolderID is the Drive id of a company's root folder.
const RootFolderID = "root"

// FileResponse is the body of a 200 answer from routes 1, 2 and 3.
type FileResponse struct {
	Resource PublicFile `json:"resource"`
}

// PublicFile is the file entity as the service exposes it. Metadata and
// UploadData are null until the first chunk arrives. There is no
// encryption_key: the service never exposes it.
type PublicFile struct {
	CompanyID     string      `json:"company_id"`
	ID            string      `json:"id"`
	UserID        string      `json:"user_id"`
	ApplicationID *string     `json:"application_id"`
	UpdatedAt     int64       `json:"updated_at,omitempty"`
	CreatedAt     int64       `json:"created_at,omitempty"`
	Metadata      *Metadata   `json:"metadata"`
	Thumbnails    []Thumbnail `json:"thumbnails"`
	UploadData    *UploadData `json:"upload_data"`
}

// Metadata is fixed by the first chunk to arrive (notes §1.4 step 2).
type Metadata struct {
	Name             string `json:"name"`
	Mime             string `json:"mime"`
	ThumbnailsStatus string `json:"thumbnails_status,omitempty"`
}

// UploadData is the size and chunk count the server will serve on download.
type UploadData struct {
	Size   int64 `json:"size"`
	Chunks int   `json:"chunks"`
}

// Thumbnail describes one preview image of a file.
type Thumbnail struct {
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	URL    string `json:"url"`
}

// DeleteResponse is the body of a 200 answer to DELETE (route 6).
type DeleteResponse struct {
	Status string `json:"status"` // "success" or "error"
}

// ErrorBody is Fastify's default error serialisation (401, 400, 500) and
// the not-found handler's {"error":"Not found"} (404).
type ErrorBody struct {
	StatusCode int    `json:"statusCode,omitempty"`
	Error      string `json:"error"`
	Message    string `json:"message,omitempty"`
	RequestID  string `json:"requestId,omitempty"`
}

// DriveItemRequest is the body of POST .../documents/v1/companies/{c}/item.
type DriveItemRequest struct {
	Item    DriveItem    `json:"item"`
	Version DriveVersion `json:"version"`
}

// DriveItem is a folder or a file in Twake Drive (the DriveFile entity,
// linagora/Twake@39f533e5e838 .../documents/entities/drive-file.ts). The
// virtual root item has a null parent_id, which decodes as "".
type DriveItem struct {
	ID          string `json:"id,omitempty"`
	CompanyID   string `json:"company_id"`
	WorkspaceID string `json:"workspace_id,omitempty"`
	ParentID    string `json:"parent_id"`
	Name        string `json:"name"`
	IsDirectory bool   `json:"is_directory"`
	IsInTrash   bool   `json:"is_in_trash,omitempty"`
	Size        int64  `json:"size,omitempty"`
	Added       string `json:"added,omitempty"`
	// LastVersionCache is the item's current version as create stored it
	// (documents services/index.ts:263); answers only, never sent. Folder
	// listings carry it for every child, so a client finds the item of a
	// file by its external_id without reading each child.
	LastVersionCache *VersionCache `json:"last_version_cache,omitempty"`
}

// VersionCache is the part of DriveItem.last_version_cache the provider
// reads. Only external_id: the create answer writes file_metadata through
// a schema that turns size into a string, the listing does not.
type VersionCache struct {
	FileMetadata *struct {
		ExternalID string `json:"external_id"`
	} `json:"file_metadata,omitempty"`
}

// DriveVersion is one version of a Drive file item; empty for folders.
type DriveVersion struct {
	ID            string             `json:"id,omitempty"`
	Provider      string             `json:"provider,omitempty"` // "internal" for the files service
	FileID        string             `json:"file_id,omitempty"`
	ApplicationID *string            `json:"application_id,omitempty"` // "" for file items, absent for folders
	FileMetadata  *DriveFileMetadata `json:"file_metadata,omitempty"`
}

// DriveFileMetadata points a Drive version at a files-service file.
type DriveFileMetadata struct {
	Name       string      `json:"name"`
	Size       int64       `json:"size"`
	Mime       string      `json:"mime"`
	Thumbnails []Thumbnail `json:"thumbnails"`
	Source     string      `json:"source"`      // "internal"
	ExternalID string      `json:"external_id"` // the files-service id
}

// DriveItemDetails is the body of GET .../item/{id}: the item, its versions
// and, for a folder, its children.
type DriveItemDetails struct {
	Item     DriveItem      `json:"item"`
	Versions []DriveVersion `json:"versions"`
	Children []DriveItem    `json:"children"`
	Path     []DriveItem    `json:"path,omitempty"`
	// Access is the caller's level on the item: "manage", "write", "read"
	// or "none" (documents services/index.ts:182).
	Access string `json:"access,omitempty"`
}
