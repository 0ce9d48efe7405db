package selfcommunity

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// referenceThread is Get a Thread's selection as the sandbox made it
// before the thread index: every row of every message, in order, tested
// against the query. It returns the selected rows' ids.
func referenceThread(a *API, user int64, q map[string]int64) []int64 {
	other, byUser := q["user"]
	group, byGroup := q["group"]
	th, byThread := q["thread"]
	var ids []int64
	for _, m := range a.Messages() {
		for i := range m.rows() {
			var mine bool
			if m.Group != 0 {
				mine = slices.Contains(a.groups[m.Group].Members, user) &&
					(byGroup && m.Group == group || byThread && m.Group == th)
			} else {
				rcpt := m.Recipients[i]
				involved := m.Sender == user || rcpt == user
				mine = involved && (byUser && (m.Sender == other && rcpt == user || m.Sender == user && rcpt == other) ||
					byThread && threadOf(m.Sender, rcpt) == th)
			}
			if mine {
				ids = append(ids, m.ID+int64(i))
			}
		}
	}
	return ids
}

// Get a Thread, answered from the thread index, selects exactly the rows
// the scan over every message selected, for queries by user, group,
// thread and their combinations, paginated.
func TestGetThreadMatchesTheFullScan(t *testing.T) {
	e := startAs(t, Options{}, sandbox.Config{LogSize: 16})
	tokens := map[int64]string{11: e.alice, 12: e.bob, 13: e.api.Token("carol")}
	rng := rand.New(rand.NewPCG(9, 9))
	users := []int64{11, 12, 13}
	for n := range 120 {
		from := users[rng.IntN(3)]
		var body string
		switch rng.IntN(4) {
		case 0:
			body = fmt.Sprintf(`{"group":21,"message":"m%d"}`, n)
		case 1:
			var to []string
			for _, u := range users {
				if u != from {
					to = append(to, fmt.Sprint(u))
				}
			}
			body = fmt.Sprintf(`{"recipients":[%s],"message":"m%d"}`, strings.Join(to, ","), n)
		default:
			to := users[rng.IntN(3)]
			for to == from {
				to = users[rng.IntN(3)]
			}
			body = fmt.Sprintf(`{"recipients":[%d],"message":"m%d"}`, to, n)
		}
		if a := e.do(t, req{path: "/api/v2/pm/", token: tokens[from], ctype: "application/json", body: strings.NewReader(body)}); a.status != http.StatusCreated {
			t.Fatalf("send %s: %d %s", body, a.status, a.raw)
		}
	}
	queries := []map[string]int64{}
	for _, u := range users {
		queries = append(queries, map[string]int64{"user": u}, map[string]int64{"thread": threadOf(11, u)}, map[string]int64{"user": u, "group": 21})
	}
	queries = append(queries, map[string]int64{"group": 21}, map[string]int64{"thread": 21}, map[string]int64{"thread": threadOf(12, 13), "user": 12})
	for _, caller := range users {
		for _, q := range queries {
			want := referenceThread(e.api, caller, q)
			var parts []string
			for k, v := range q {
				parts = append(parts, fmt.Sprintf("%s=%d", k, v))
			}
			for _, page := range [][2]int{{0, 1000}, {0, 7}, {5, 7}, {len(want), 3}} {
				raw := strings.Join(parts, "&") + fmt.Sprintf("&offset=%d&limit=%d", page[0], page[1])
				a := e.do(t, req{path: "/api/v2/pm/", query: raw, method: http.MethodGet, token: tokens[caller]})
				if a.status != http.StatusOK {
					t.Fatalf("user %d ?%s: %d %s", caller, raw, a.status, a.raw)
				}
				var got []int64
				for _, r := range a.body["results"].([]any) {
					got = append(got, int64(r.(map[string]any)["id"].(float64)))
				}
				lo, hi := min(page[0], len(want)), min(page[0]+page[1], len(want))
				if a.body["count"] != float64(len(want)) || !slices.Equal(got, want[lo:hi]) && !(len(got) == 0 && lo == hi) {
					t.Fatalf("user %d ?%s: count %v rows %v; want %d rows %v", caller, raw, a.body["count"], got, len(want), want[lo:hi])
				}
			}
		}
	}
}

// A page of Get a Thread costs the page, not the thread: its allocations
// (client and server together) do not grow when the thread grows from 30
// to 330 messages, nor with messages in other threads. Every row of every
// message was built before the page was cut.
func TestGetThreadPageCostsThePage(t *testing.T) {
	e := startAs(t, Options{}, sandbox.Config{LogSize: 16})
	send := func(n int, token, to string) {
		for i := range n {
			body := fmt.Sprintf(`{"recipients":[%s],"message":"m%d"}`, to, i)
			if a := e.do(t, req{path: "/api/v2/pm/", token: token, ctype: "application/json", body: strings.NewReader(body)}); a.status != http.StatusCreated {
				t.Fatalf("send: %d %s", a.status, a.raw)
			}
		}
	}
	page := func() float64 {
		return testing.AllocsPerRun(20, func() {
			if a := e.do(t, req{path: "/api/v2/pm/", query: "user=12&limit=5", method: http.MethodGet, token: e.alice}); a.status != http.StatusOK {
				t.Fatalf("get: %d %s", a.status, a.raw)
			}
		})
	}
	send(30, e.alice, "12")
	small := page()
	send(300, e.alice, "12")
	send(300, e.bob, "13") // another thread
	large := page()
	t.Logf("allocations of a 5-row page: %.0f with 30 messages, %.0f with 630", small, large)
	if large > small+50 {
		t.Errorf("a 5-row page allocates %.0f times with 630 messages, %.0f with 30: it grows with the messages", large, small)
	}
}
