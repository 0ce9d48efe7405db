package selfcommunity

import "testing"

// The id of the first message sent reads from a list (the documented
// answer of Send a Message), from one object, and from either when other
// fields are not of the documented types; any other answer gives 0.
func TestFirstMessageID(t *testing.T) {
	cases := []struct {
		raw  string
		want int64
	}{
		{`[{"id":41,"message":"","file":{"uuid":"u"},"sender":{"id":7}},{"id":42}]`, 41},
		{`[]`, 0},
		{`{"id":43,"message":"hello"}`, 43},
		{`[{"id":44,"message":12,"file":"not an object"}]`, 44},
		{`{"id":45,"status":{"odd":true}}`, 45},
		{`[{"id":"46"}]`, 0},
		{`not json`, 0},
		{``, 0},
	}
	for _, c := range cases {
		if got := firstMessageID([]byte(c.raw)); got != c.want {
			t.Errorf("firstMessageID(%s) = %d, want %d", c.raw, got, c.want)
		}
	}
}
