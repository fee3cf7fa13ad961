package target

import (
	"strings"
	"testing"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 4210: "4,210", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestEventExcerpt(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// The choices, not the boilerplate before them.
		{`{"id":"c1","object":"chat.completion.chunk","choices":[{"delta":{"content":"a"}}]}`, `{…,"choices":[{"delta":{"content":"a"}}]}`},
		{`{"choices":[]}`, `{"choices":[]}`},
		{`{"token":{"id":1,"text":"A"}}`, `{"token":{"id":1,"text":"A"}}`},
		// Bounded, the cut marked.
		{`{"choices":"` + strings.Repeat("x", 200) + `"}`, `{"choices":"` + strings.Repeat("x", ExcerptLen-len(`{"choices":"`)-len("…")) + "…"},
		// Not one printable line: quoted.
		{"a\nb", `"a\nb"`},
		{"\x1f\x8b\x08", `"\x1f\x8b\b"`},
	} {
		if got := EventExcerpt(c.in); got != c.want {
			t.Errorf("EventExcerpt(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
