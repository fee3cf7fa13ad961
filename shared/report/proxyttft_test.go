package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

// TestProxyTTFT checks the client and server TTFT in every report:
// report.md's table (only the levels that reported one), report.html's
// table and the terminal's line; nothing for a run without a server TTFT.
func TestProxyTTFT(t *testing.T) {
	s := &summary.Summary{Name: "proxy", RunID: "r", Levels: []summary.Level{
		{Index: 0, Mode: "concurrency", Concurrency: 6, TTFTMs: summary.Dist{N: 40, P50: 55.3, P95: 61},
			ServerTTFTMs:         &summary.Dist{N: 40, P50: 52.1, P95: 57.5},
			ServerTTFTOverheadMs: &summary.Dist{N: 40, P50: 3.2, P95: 4.1, Max: 9.75}},
		// a level whose server reported nothing
		{Index: 1, Mode: "concurrency", Concurrency: 32, TTFTMs: summary.Dist{N: 10, P50: 200}},
	}}
	md := string(Markdown(s, nil))
	for _, want := range []string{
		"## Client and server TTFT\n\n| conc | reported | client TTFT p50 ms | server TTFT p50 ms | client TTFT p95 ms | server TTFT p95 ms | overhead p50 ms | overhead p95 ms | overhead max ms |\n",
		"| 6 | 40 | 55.3 | 52.1 | 61.0 | 57.5 | 3.20 | 4.10 | 9.75 |\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	_, section, _ := strings.Cut(md, "## Client and server TTFT")
	section, _, _ = strings.Cut(section, "\n## ")
	if strings.Contains(section, "| 32 |") {
		t.Errorf("report.md tables a level without a server TTFT:\n%s", md)
	}
	html, err := HTML(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte(`<h2 id="server-ttft">Client and server TTFT</h2>`)) || !bytes.Contains(html, []byte(`<td class="n">52.1</td>`)) {
		t.Errorf("report.html lacks the server TTFT table")
	}
	var term bytes.Buffer
	if err := Table(&term, s); err != nil {
		t.Fatal(err)
	}
	if want := "level 6 server TTFT: p50 52.1 ms (client 55.3), overhead p50 3.20 ms, p95 4.10 ms\n"; !strings.Contains(term.String(), want) {
		t.Errorf("terminal lacks %q:\n%s", want, term.String())
	}

	// Without a server TTFT: nothing anywhere.
	s.Levels[0].ServerTTFTMs, s.Levels[0].ServerTTFTOverheadMs = nil, nil
	md = string(Markdown(s, nil))
	html, _ = HTML(s, nil)
	term.Reset()
	Table(&term, s)
	if strings.Contains(md, "server TTFT") || bytes.Contains(html, []byte("server-ttft")) || strings.Contains(term.String(), "server TTFT") {
		t.Errorf("a run without a server TTFT shows one")
	}
}
