package twake

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
)

const stateVersion = 1

// state is what Session.State persists: enough to reattach to the file
// entity and to know which chunks the server acknowledged, never the token.
type state struct {
	V         int    `json:"v"`
	Company   string `json:"company"`
	FileID    string `json:"file_id"`
	Size      int64  `json:"size"`
	ChunkSize int64  `json:"chunk_size"`
	Chunks    int    `json:"chunks"`
	Name      string `json:"name"` // name sent as filename (encoded with PathInName)
	Mime      string `json:"mime"`
	Parent    string `json:"parent,omitempty"` // Drive folder id, with Drive folders
	Acked     bitmap `json:"acked"`            // bit i set: chunk index i (chunk_number i+1) acknowledged
}

// maxStateChunks bounds the chunk count a decoded state may claim, so a
// corrupt record cannot make the provider allocate a huge bitmap (10 TB at
// the smallest chunk size is far beyond it).
const maxStateChunks = 1 << 24

func decodeState(b []byte) (state, error) {
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return state{}, fmt.Errorf("decode twake session state: %w", err)
	}
	switch {
	case st.V != stateVersion:
		return state{}, fmt.Errorf("decode twake session state: version %d, want %d", st.V, stateVersion)
	case st.FileID == "" || st.Company == "" || st.Name == "":
		return state{}, errors.New("decode twake session state: missing file id, company or name")
	case st.Chunks < 1 || st.Chunks > maxStateChunks || st.Size < 0 || st.ChunkSize < 0:
		return state{}, errors.New("decode twake session state: impossible size or chunk count")
	case len(st.Acked) != (st.Chunks+7)/8 || st.Acked.count() > st.Chunks ||
		(st.Chunks%8 != 0 && st.Acked[len(st.Acked)-1]>>(st.Chunks%8) != 0):
		return state{}, errors.New("decode twake session state: acknowledged set does not match the chunk count")
	}
	return st, nil
}

// bitmap is a set of chunk indexes; JSON encodes it as base64.
type bitmap []byte

func newBitmap(n int) bitmap { return make(bitmap, (n+7)/8) }

func (b bitmap) has(i int) bool { return b[i/8]&(1<<(i%8)) != 0 }

func (b bitmap) set(i int) { b[i/8] |= 1 << (i % 8) }

func (b bitmap) count() int {
	n := 0
	for _, x := range b {
		n += bits.OnesCount8(x)
	}
	return n
}

// missing lists the unacknowledged chunk numbers (1-based), at most max.
func (b bitmap) missing(chunks, max int) []int {
	var out []int
	for i := 0; i < chunks && len(out) < max; i++ {
		if !b.has(i) {
			out = append(out, i+1)
		}
	}
	return out
}
