// Package api holds the wire types of SelfCommunity's private-message media
// upload API (v2): the form field names of both parameter dialects and the
// JSON bodies the server answers with. It has no behaviour beyond naming.
//
// Sources: the vendor docs "Upload a Media in Chunks", "Chunk Upload Done",
// "Upload a Media", "Send a Message", "Me", and the official web client
// (community-js MessageChunkUploader), as summarised in the project's
// protocol notes.
package api

// Paths of the endpoints used. The trailing slashes are part of the API
// (a Django REST Framework backend cannot redirect a POST that lacks one).
const (
	UploadPath  = "/api/v2/pm/upload/"         // chunks, single uploads and thumbnails
	DoneQuery   = "done"                       // "?done" selects the Chunk Upload Done call
	MessagePath = "/api/v2/pm/"                // Send a Message
	MePath      = "/api/v2/user/me/"           // the user the token belongs to
	DonePath    = UploadPath + "?" + DoneQuery // as the official client spells it
)

// Dialect is one of the two generations of form field names.
type Dialect string

const (
	// Plain is the current naming (docs and official client since 2023-03-15).
	Plain Dialect = "plain"
	// QQ is the older Fine Uploader naming ("qqfile", "qquuid", ...).
	QQ Dialect = "qq"
)

// Fields are the form field names of one dialect.
type Fields struct {
	File           string // the blob part
	UUID           string // file_uuid echoed on parts after the first, and on done
	PartIndex      string // 0-based part number
	TotalParts     string // number of parts
	FileType       string // MIME type
	TotalFileSize  string // size of the whole file
	PartByteOffset string // offset of this part
	ChunkSize      string // size of this part
	FileName       string // original file name
	MD5            string // hex MD5 of the whole file (done only)
}

// FieldsOf returns the field names of d; any value other than QQ is Plain.
func FieldsOf(d Dialect) Fields {
	p := ""
	if d == QQ {
		p = "qq"
	}
	return Fields{
		File: p + "file", UUID: p + "uuid", PartIndex: p + "partindex",
		TotalParts: p + "totalparts", FileType: p + "filetype",
		TotalFileSize: p + "totalfilesize", PartByteOffset: p + "partbyteoffset",
		ChunkSize: p + "chunksize", FileName: p + "filename", MD5: p + "md5",
	}
}

// ChunkResponse is the 200 answer to a chunk: the server-issued file uuid,
// the same for every part of one file.
type ChunkResponse struct {
	FileUUID string `json:"file_uuid"`
}

// FileResponse is the 200 answer to a single upload and to the done call.
type FileResponse struct {
	FileURL  string `json:"file_url"`
	FileUUID string `json:"file_uuid"`
}

// ThumbnailResponse is the 200 answer to a thumbnail upload.
type ThumbnailResponse struct {
	FileURL        string `json:"file_url"`
	FileUUID       string `json:"file_uuid"`
	ParentFileUUID string `json:"parent_file_uuid"`
}

// ErrorBody is the shape of every error answer (as parsed by the official
// client's http utility).
type ErrorBody struct {
	Errors []ErrorItem `json:"errors"`
}

// ErrorItem is one error; Field names the offending parameter, if any.
type ErrorItem struct {
	Code     string   `json:"code"`
	Message  string   `json:"message"`
	Field    string   `json:"field,omitempty"`
	Messages []string `json:"messages,omitempty"`
}

// SendMessage is the JSON body of Send a Message: Recipients (user ids) or
// Group (a group id), and Message and/or FileUUID.
type SendMessage struct {
	Recipients []int64 `json:"recipients,omitempty"`
	Group      int64   `json:"group,omitempty"`
	Message    string  `json:"message,omitempty"`
	FileUUID   string  `json:"file_uuid,omitempty"`
}

// Message is the 201 answer to Send a Message (the fields Ferry reads).
type Message struct {
	ID        int64  `json:"id"`
	Message   string `json:"message"`
	CreatedAt string `json:"created_at,omitempty"`
	Status    string `json:"status,omitempty"`
	File      *File  `json:"file,omitempty"`
}

// File is the file schema embedded in a message.
type File struct {
	UUID     string `json:"uuid"`
	Filename string `json:"filename"`
	Filesize int64  `json:"filesize"`
	MimeType string `json:"mimetype,omitempty"`
	URL      string `json:"url"`
}

// User is the answer of GET /api/v2/user/me/ (the fields Ferry reads).
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}
