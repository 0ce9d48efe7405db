package twake

// The sandbox's own wire types, written from the real servers' entities
// and schemas (never from Ferry's client): a JSON mistake in the client
// cannot pass the server too. Sources (linagora/Twake@39f533e5e838, below
// twake/backend/node/src):
//
//	services/files/entities/file.ts          File, getPublicObject, Thumbnail
//	services/files/web/controllers/files.ts  query names, {resource: ...}
//	core/platform/services/webserver/error.ts the 500 body
//	services/documents/entities/drive-file.ts DriveFile columns
//	services/documents/web/schemas.ts        create body and answer schema
//	services/documents/services/index.ts     get: {path,item,versions,children,access}

// Path prefixes of the two services (routes registered below them by the
// platform's service loader).
const (
	filesPrefix     = "/internal/services/files/v1"
	documentsPrefix = "/internal/services/documents/v1"
)

// Query parameter names the files controller reads (files.ts:24-31):
// resumable.js names first, then the snake_case ones.
const (
	qChunkNumber          = "chunk_number"
	qTotalChunks          = "total_chunks"
	qTotalSize            = "total_size"
	qFilename             = "filename"
	qType                 = "type"
	qThumbnailSync        = "thumbnail_sync"
	qResumableChunkNumber = "resumableChunkNumber"
	qResumableTotalChunks = "resumableTotalChunks"
	qResumableTotalSize   = "resumableTotalSize"
	qResumableFilename    = "resumableFilename"
	qResumableType        = "resumableType"
	// qResumableChunkSize is sent by resumable.js and ignored by the real
	// server; the sandbox uses it only as a hint of a chunk's offset.
	qResumableChunkSize = "resumableChunkSize"
)

// filePartName is the name clients give the file part; the real server
// takes the first file part whatever its name (files.ts:20-22).
const filePartName = "file"

// rootID is the Drive id of a company's root folder (documents
// services/index.ts ROOT).
const rootID = "root"

// fileResponse is {resource: PublicFile} (files.ts save/get).
type fileResponse struct {
	Resource publicFile `json:"resource"`
}

// publicFile is _.pick(entity, company_id, id, user_id, application_id,
// updated_at, created_at, metadata, thumbnails, upload_data) (file.ts:50-63);
// timestamps are ms numbers, metadata and upload_data null until the first
// chunk.
type publicFile struct {
	CompanyID     string        `json:"company_id"`
	ID            string        `json:"id"`
	UserID        string        `json:"user_id"`
	ApplicationID *string       `json:"application_id"`
	UpdatedAt     int64         `json:"updated_at"`
	CreatedAt     int64         `json:"created_at"`
	Metadata      *fileMetadata `json:"metadata"`
	Thumbnails    []thumbnail   `json:"thumbnails"`
	UploadData    *uploadData   `json:"upload_data"`
}

// fileMetadata is File.metadata (file.ts:34-39).
type fileMetadata struct {
	Name             string `json:"name"`
	Mime             string `json:"mime"`
	ThumbnailsStatus string `json:"thumbnails_status"` // "done" | "error" | "waiting"
}

// uploadData is File.upload_data (file.ts:44-48).
type uploadData struct {
	Size   int64 `json:"size"`
	Chunks int   `json:"chunks"`
}

// thumbnail is file.ts Thumbnail.
type thumbnail struct {
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	URL    string `json:"url"`
}

// deleteResponse is {status: deleted ? "success" : "error"} (files.ts delete).
type deleteResponse struct {
	Status string `json:"status"`
}

// errorBody is Fastify's error serialisation; for 500 the platform's
// handler replaces the message with "Something went wrong" and adds the
// request id (error.ts:7-15).
type errorBody struct {
	StatusCode int    `json:"statusCode"`
	Error      string `json:"error"`
	Message    string `json:"message"`
	RequestID  string `json:"requestId,omitempty"`
}

// itemRequest is the create body: {item, version}, both required objects
// (schemas.ts createDocumentSchema). Fields the service reads are named;
// the rest is ignored like the real getDefaultDriveItem does.
type itemRequest struct {
	Item    *itemIn    `json:"item"`
	Version *versionIn `json:"version"`
}

// itemIn is the part of Partial<DriveFile> the service reads (utils.ts
// getDefaultDriveItem): company_id and workspace_id are ignored (the path's
// company wins).
type itemIn struct {
	ParentID    string `json:"parent_id"`
	Name        string `json:"name"`
	IsDirectory bool   `json:"is_directory"`
}

// versionIn is the part of Partial<FileVersion> the service reads.
type versionIn struct {
	FileMetadata *struct {
		ExternalID string `json:"external_id"`
	} `json:"file_metadata"`
}

// driveItem is a DriveFile entity as JSON.stringify writes it (the get
// route has no response schema): every column of drive-file.ts.
type driveItem struct {
	ID               string         `json:"id"`
	CompanyID        string         `json:"company_id"`
	ParentID         *string        `json:"parent_id"`
	IsInTrash        bool           `json:"is_in_trash"`
	IsDirectory      bool           `json:"is_directory"`
	Name             string         `json:"name"`
	Extension        string         `json:"extension"`
	Description      string         `json:"description"`
	Tags             []string       `json:"tags"`
	Added            string         `json:"added"`
	LastModified     string         `json:"last_modified"`
	ContentKeywords  string         `json:"content_keywords"`
	Creator          string         `json:"creator"`
	Size             int64          `json:"size"`
	LastVersionCache *driveVersion  `json:"last_version_cache,omitempty"`
	AccessInfo       map[string]any `json:"access_info"`
}

// driveVersion is a FileVersion entity (documents entities/file-version.ts,
// as getDefaultDriveItemVersion fills it).
type driveVersion struct {
	ID            string        `json:"id"`
	Provider      string        `json:"provider,omitempty"`
	DriveItemID   string        `json:"drive_item_id"`
	FileMetadata  versionFileMD `json:"file_metadata"`
	DateAdded     int64         `json:"date_added"`
	CreatorID     string        `json:"creator_id"`
	ApplicationID string        `json:"application_id"`
	Mode          string        `json:"mode"`
	FileSize      int64         `json:"file_size"`
	Filename      string        `json:"filename"`
}

// versionFileMD is FileVersion.file_metadata, filled from the files entity
// by create (documents services/index.ts:233-243).
type versionFileMD struct {
	Source     string      `json:"source,omitempty"`
	ExternalID string      `json:"external_id,omitempty"`
	Name       string      `json:"name,omitempty"`
	Mime       string      `json:"mime,omitempty"`
	Size       int64       `json:"size,omitempty"`
	Thumbnails []thumbnail `json:"thumbnails,omitempty"`
}

// createdItem is the create answer after fast-json-stringify applied
// documentSchema (schemas.ts:42-85, "2xx"): unknown keys dropped, and the
// version's file_metadata.size is declared a string, so it is written as
// one ("1234"), while thumbnails is declared an object.
type createdItem struct {
	ID               string          `json:"id"`
	CompanyID        string          `json:"company_id"`
	ParentID         string          `json:"parent_id"`
	IsInTrash        bool            `json:"is_in_trash"`
	IsDirectory      bool            `json:"is_directory"`
	Name             string          `json:"name"`
	Extension        string          `json:"extension"`
	Description      string          `json:"description"`
	Tags             []string        `json:"tags"`
	Added            string          `json:"added"`
	LastModified     string          `json:"last_modified"`
	ContentKeywords  string          `json:"content_keywords"`
	Creator          string          `json:"creator"`
	Size             int64           `json:"size"`
	LastVersionCache *createdVersion `json:"last_version_cache,omitempty"`
}

// createdVersion is fileVersionSchema's rendering of the version.
type createdVersion struct {
	ID            string           `json:"id"`
	Provider      string           `json:"provider,omitempty"`
	DriveItemID   string           `json:"drive_item_id"`
	FileMetadata  createdVersionMD `json:"file_metadata"`
	DateAdded     string           `json:"date_added"` // declared "string"
	CreatorID     string           `json:"creator_id"`
	ApplicationID string           `json:"application_id"`
	Mode          string           `json:"mode"`
	FileSize      int64            `json:"file_size"`
	Filename      string           `json:"filename"`
}

// createdVersionMD is file_metadata under fileVersionSchema.
type createdVersionMD struct {
	Source     string         `json:"source,omitempty"`
	ExternalID string         `json:"external_id,omitempty"`
	Name       string         `json:"name,omitempty"`
	Mime       string         `json:"mime,omitempty"`
	Size       string         `json:"size,omitempty"`
	Thumbnails map[string]any `json:"thumbnails,omitempty"`
}

// itemDetails is the get answer (documents services/index.ts:166-183 and
// the controller's websockets key).
type itemDetails struct {
	Path       []any          `json:"path"`
	Item       any            `json:"item"` // a driveItem, or {id, parent_id: null, name, size} for root and trash
	Versions   []driveVersion `json:"versions"`
	Children   []driveItem    `json:"children"`
	Access     string         `json:"access"`
	Websockets []any          `json:"websockets"`
}
