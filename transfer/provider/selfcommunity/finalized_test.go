package selfcommunity

import (
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
)

func TestFinalizedCode(t *testing.T) {
	yes := []string{
		"already_done", "ALREADY_DONE", "AlreadyDone", "alreadyFinalized", "already-finalised",
		"upload.already.completed", "upload_finalized", "file is already complete", "finished",
		"already_committed", "uuid_already_done",
	}
	no := []string{
		"", "invalid", "not_found", "unknown_uuid", "not_finalized", "incomplete", "not_done",
		"already_exists", "already_uploaded", "chunk_already_done", "part_done", "expired_done",
		"done_or_unknown", "invalid_done", "upload", "already",
	}
	for _, c := range yes {
		if !finalizedCode(c) {
			t.Errorf("finalizedCode(%q) = false, want true", c)
		}
	}
	for _, c := range no {
		if finalizedCode(c) {
			t.Errorf("finalizedCode(%q) = true, want false", c)
		}
	}
}

// Only a 400 whose every error is a recognised code on the uuid field of
// the dialect in use counts.
func TestAlreadyFinalized(t *testing.T) {
	plain, qq := api.FieldsOf(api.Plain), api.FieldsOf(api.QQ)
	done := errorItem{field: "uuid", code: "already_done"}
	cases := []struct {
		name   string
		status int
		items  []errorItem
		f      api.Fields
		want   bool
	}{
		{"sandbox", 400, []errorItem{done}, plain, true},
		{"qq", 400, []errorItem{{field: "qquuid", code: "already_done"}}, qq, true},
		{"qq_field_on_plain", 400, []errorItem{{field: "qquuid", code: "already_done"}}, plain, false},
		{"plain_field_on_qq", 400, []errorItem{done}, qq, false},
		{"other_status", 409, []errorItem{done}, plain, false},
		{"no_field", 400, []errorItem{{code: "already_done"}}, plain, false},
		{"other_field", 400, []errorItem{{field: "filename", code: "already_done"}}, plain, false},
		{"plus_md5_error", 400, []errorItem{done, {field: "md5", code: "invalid"}}, plain, false},
		{"unknown_uuid", 400, []errorItem{{field: "uuid", code: "invalid"}}, plain, false},
		{"no_items", 400, nil, plain, false},
	}
	for _, tc := range cases {
		if got := alreadyFinalized(tc.status, serverError{items: tc.items}, tc.f); got != tc.want {
			t.Errorf("%s: alreadyFinalized = %v, want %v", tc.name, got, tc.want)
		}
	}
}
