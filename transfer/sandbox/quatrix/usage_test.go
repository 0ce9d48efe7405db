package quatrix_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox/quatrix"
)

// The quota check of every /upload/link with a file_size, finalize and
// profile/info cost the same however many files are stored: none of them
// walks the store (Store.Walks stays put), where each link used to take
// two whole-tree snapshots.
func TestQuotaCheckDoesNotWalkTheStore(t *testing.T) {
	cfg := quatrix.Config{Users: []quatrix.User{{Email: alice, Password: pw, Quota: 1 << 30}, {Email: bob, Password: pw}}}
	e := start(t, opts{cfg: cfg})
	tok := e.login(alice)
	store := e.srv.Store()
	before := store.Walks()
	for i := range 30 {
		e.put(tok, e.home(), fmt.Sprintf("f%d", i), "0123456789", "1")
	}
	var raw map[string]int64
	e.call(tok, "GET", "/profile/info", nil).json(t, &raw)
	if raw["user_used"] != 300 || raw["acc_used"] != 300 {
		t.Fatalf("profile/info %v, want 300 bytes used", raw)
	}
	if n := store.Walks() - before; n != 0 {
		t.Fatalf("30 uploads and a profile/info walked the whole store %d times; want 0", n)
	}
}

// recountUsage sums the complete files below each home and in the whole
// namespace from the tree, the way the quota used to be computed.
func (e *tenv) recountUsage() (alices, all int64) {
	for _, en := range e.srv.Tree(quatrix.Name) {
		if en.Kind != "file" {
			continue
		}
		all += en.Size
		if strings.HasPrefix(en.Path, "/"+alice+"/") {
			alices += en.Size
		}
	}
	return alices, all
}

// Q-QUOTA-*: after a random mix of uploads, overwrites (/file/modify,
// truncating or not), abandoned links, copies, moves, renames, deletes of
// files and folders to the trash and for good by two users,
// profile/info's user_used and acc_used equal a full recount of the tree.
func TestUsageMatchesRecount(t *testing.T) {
	cfg := quatrix.Config{Users: []quatrix.User{{Email: alice, Password: pw, Quota: 1 << 30}, {Email: bob, Password: pw}}}
	e := start(t, opts{cfg: cfg})
	atok, btok := e.login(alice), e.login(bob)
	bhome := e.api.HomeID(bob)
	rng := rand.New(rand.NewPCG(4, 2))
	dirs := []string{e.home(), e.mkdir(atok, e.home(), "d1"), e.mkdir(atok, e.home(), "d2")}
	var files []string
	data := func() string { return strings.Repeat("q", 1+rng.IntN(40)) }
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	for step := range 120 {
		switch k := rng.IntN(9); {
		case k <= 2 || len(files) == 0:
			files = append(files, e.put(atok, pick(dirs), fmt.Sprintf("f%d", step), data(), "1"))
			e.put(btok, bhome, fmt.Sprintf("b%d", step), data(), "1")
		case k == 3:
			id := pick(files)
			body := map[string]any{"id": id}
			if rng.IntN(2) == 0 {
				body["truncate"] = 0
			}
			r := e.call(atok, "POST", "/file/modify", body)
			if r.status == 200 {
				key := r.obj(t)["upload_key"].(string)
				d := data()
				info := e.call(atok, "GET", "/file/metadata/"+id+"?content=0", nil)
				start := int64(0)
				if _, trunc := body["truncate"]; !trunc {
					start = int64(info.obj(t)["size"].(float64))
				}
				wantOK(t, e.chunk(key, start, start+int64(len(d)), []byte(d), nil), 200)
				wantOK(t, e.call(atok, "GET", "/upload/finalize/"+key+"?mtime=2", nil), 200)
			}
		case k == 4:
			e.link(atok, pick(dirs), fmt.Sprintf("open%d", step), 5) // never finished: a placeholder counts 0
		case k == 5:
			// A copy answers a job id (202), not the new ids.
			e.call(atok, "POST", "/file/copy", map[string]any{"ids": []string{pick(files)}, "target": pick(dirs)})
		case k == 6:
			e.call(atok, "POST", "/file/move", map[string]any{"ids": []string{pick(dirs[1:])}, "target": pick(dirs)})
			e.call(atok, "POST", "/file/move", map[string]any{"ids": []string{pick(files)}, "target": pick(dirs)})
		case k == 7:
			e.call(atok, "POST", "/file/delete", map[string]any{"ids": []string{pick(files)}, "delete_permanently": rng.IntN(2) == 0})
		default:
			e.call(atok, "POST", "/file/rename/"+pick(files), map[string]any{"name": fmt.Sprintf("r%d", step), "resolve": true})
			if rng.IntN(3) == 0 { // a folder with files, deleted to the trash or for good
				tmp := e.mkdir(atok, pick(dirs), fmt.Sprintf("tmp%d", step))
				e.put(atok, tmp, "x", data(), "1")
				e.call(atok, "POST", "/file/delete", map[string]any{"ids": []string{tmp}, "delete_permanently": rng.IntN(2) == 0})
			}
		}
		var raw map[string]int64
		e.call(atok, "GET", "/profile/info", nil).json(t, &raw)
		mine, all := e.recountUsage()
		if raw["user_used"] != mine || raw["acc_used"] != all {
			t.Fatalf("step %d: profile/info user_used %d acc_used %d, recount %d and %d", step, raw["user_used"], raw["acc_used"], mine, all)
		}
	}
}
