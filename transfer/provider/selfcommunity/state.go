package selfcommunity

import (
	"crypto/md5"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"hash"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// stateVersion changes whenever the persisted layout does; an older layout
// is refused (ErrSessionGone) rather than misread.
const stateVersion = 2

// state is what survives a restart. It reflects exactly the parts the
// server acknowledged: Acked is the last acknowledged part (-1 for none)
// and MD5 the marshalled MD5 state over bytes [0, Hashed), which are the
// bytes of parts 0..Acked. It holds no secret.
type state struct {
	V         int    `json:"v"`
	UUID      string `json:"uuid,omitempty"` // server-issued file_uuid, "" before part 0
	Acked     int    `json:"acked"`
	Parts     int    `json:"parts"`
	Size      int64  `json:"size"`
	ChunkSize int64  `json:"chunk_size"`
	Hashed    int64  `json:"hashed"`
	MD5       []byte `json:"md5"` // crypto/md5 MarshalBinary output

	// After the last part: the done call's answer, the thumbnail's
	// file_uuid (NoThumb: the server refused the thumbnail, the message
	// carries the file's own uuid), and the private messages' progress.
	// The engine saves this state after the last part (SaveBeforeFinish),
	// so a process that dies before Finish sent the messages resumes
	// straight at the messages (see the package comment, "Messages").
	Done    *doneRec `json:"done,omitempty"`
	Thumb   string   `json:"thumb,omitempty"`
	NoThumb bool     `json:"no_thumb,omitempty"`
	Sent    int      `json:"sent,omitempty"`    // messages known to be sent, in plan order
	Pending bool     `json:"pending,omitempty"` // message Sent may have reached the server
	MsgID   int64    `json:"msg_id,omitempty"`  // the file message's id, once known
}

// doneRec is the done call's answer: the file is stored.
type doneRec struct {
	FileUUID string `json:"uuid"`
	FileURL  string `json:"url,omitempty"`
}

func newState(u provider.Upload) state {
	return state{V: stateVersion, Acked: -1, Parts: u.Chunks(), Size: u.Size, ChunkSize: u.ChunkSize, MD5: marshalHash(md5.New())}
}

func (s state) encode() []byte {
	b, err := json.Marshal(s)
	if err != nil {
		// Only plain fields: a failure is a programming error.
		panic(fmt.Sprintf("selfcommunity: encode state: %v", err))
	}
	return b
}

// decodeState parses b and checks it describes u's chunk plan and is
// internally consistent (the hashed byte count matches the acknowledged
// parts, the MD5 state loads). Any mismatch is an error: continuing with a
// wrong hash would only fail at the done call.
func decodeState(b []byte, u provider.Upload) (state, error) {
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return state{}, fmt.Errorf("decode state: %w", err)
	}
	switch {
	case s.V != stateVersion:
		return state{}, fmt.Errorf("decode state: version %d, want %d", s.V, stateVersion)
	case s.Size != u.Size || s.ChunkSize != u.ChunkSize || s.Parts != u.Chunks():
		return state{}, errors.New("decode state: saved plan does not match the upload")
	case s.Acked < -1 || s.Acked >= s.Parts:
		return state{}, fmt.Errorf("decode state: acknowledged part %d out of range", s.Acked)
	case s.Acked >= 0 && s.UUID == "":
		return state{}, errors.New("decode state: parts acknowledged without a file uuid")
	case s.Done != nil && (s.Acked != s.Parts-1 || s.Done.FileUUID != s.UUID):
		return state{}, errors.New("decode state: done recorded for an upload that is not complete")
	case s.Sent < 0 || s.Sent > 2 || (s.Sent > 0 || s.Pending || s.Thumb != "") && s.Done == nil:
		return state{}, errors.New("decode state: message progress without a finished file")
	}
	want := int64(0)
	if s.Acked >= 0 {
		c := u.Chunk(s.Acked)
		want = c.Offset + c.Size
	}
	if s.Hashed != want {
		return state{}, fmt.Errorf("decode state: %d bytes hashed, parts 0..%d have %d", s.Hashed, s.Acked, want)
	}
	if _, err := loadHash(s.MD5); err != nil {
		return state{}, err
	}
	return s, nil
}

func marshalHash(h hash.Hash) []byte {
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		// crypto/md5 cannot fail to marshal its own state.
		panic(fmt.Sprintf("selfcommunity: marshal md5 state: %v", err))
	}
	return b
}

// loadHash returns an MD5 hash continuing from a marshalled state.
func loadHash(b []byte) (hash.Hash, error) {
	h := md5.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("decode state: md5 state: %w", err)
	}
	return h, nil
}
