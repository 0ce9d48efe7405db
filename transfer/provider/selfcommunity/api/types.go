// Package api holds the wire types of SelfCommunity's private-message media
// upload API (v2): the form field names of both parameter dialects and the
// JSON bodies the server answers with. It has no behaviour beyond naming
// and decoding.
//
// Sources: the vendor docs "Upload a Media in Chunks", "Chunk Upload Done",
// "Upload a Media", "Send a Message", "Me", and the official web client
// (community-js MessageChunkUploader), as summarised in the project's
// protocol notes.
package api

import "encoding/json"

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

// ParentUUID is the thumbnail upload's field naming the finished file it
// belongs to (the same in both dialects: Fine Uploader never had it).
const ParentUUID = "parentuuid"

// SendMessage is the JSON body of Send a Message as the official client
// sends it: Recipients (user ids) or Group, Message always present (""
// with a file), FileUUID null unless a file is attached, and then only
// with an empty Message (community-js PrivateMessageThread.tsx handleSend:
// "file_uuid: file && !message ? file : null").
type SendMessage struct {
	Recipients []int64 `json:"recipients,omitempty"`
	Group      int64   `json:"group,omitempty"`
	Message    string  `json:"message"`
	FileUUID   *string `json:"file_uuid"`
}

// Message is one private message (the fields Ferry reads). Send a Message
// answers 201 with a list of them, one per recipient (developers-doc
// send_a_message.md; the official client reads res.data[0]).
type Message struct {
	ID        int64  `json:"id"`
	Message   string `json:"message"`
	CreatedAt string `json:"created_at,omitempty"`
	Status    string `json:"status,omitempty"`
	File      *File  `json:"file,omitempty"`
}

// File is the file schema embedded in a message. The document types uuid
// as an integer and shows strings elsewhere; Flexible takes both.
type File struct {
	UUID     Flexible `json:"uuid"`
	Filename string   `json:"filename"`
	Filesize int64    `json:"filesize"`
	MimeType string   `json:"mimetype,omitempty"`
	URL      string   `json:"url"`
}

// Flexible is a JSON string or number, kept as its text.
type Flexible string

// UnmarshalJSON takes a string, a number or null.
func (f *Flexible) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = Flexible(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = Flexible(n.String())
	return nil
}

// ThreadPage is one page of Get a Thread (GET /api/v2/pm/?user=|group=):
// the paginated {count, next, previous, results} shape.
type ThreadPage struct {
	Count   int       `json:"count"`
	Next    *string   `json:"next"`
	Results []Message `json:"results"`
}

// User is the answer of GET /api/v2/user/me/ (the fields Ferry reads).
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}
