package target

import (
	"testing"

	"github.com/llmbench/llmbench/shared/sample"
)

// TestServerTTFT: a server's own TTFT is read from the proxy's extension
// member and from X-TTFT-MS; anything that is not a number >= 0 is not a
// TTFT and leaves the result without one.
func TestServerTTFT(t *testing.T) {
	tests := []struct {
		name   string
		field  string // a proxy_metrics value, or "" to read header
		header string
		want   float64
		ok     bool
	}{
		{name: "field", field: `{"ttft_ms":12.5,"e2e_ms":90}`, want: 12.5, ok: true},
		{name: "field zero", field: `{"ttft_ms":0}`, want: 0, ok: true},
		{name: "field null ttft", field: `{"ttft_ms":null}`},
		{name: "field without ttft", field: `{"e2e_ms":3}`},
		{name: "field not an object", field: `"fast"`},
		{name: "field negative", field: `{"ttft_ms":-1}`},
		{name: "header", header: "41.7", want: 41.7, ok: true},
		{name: "header with spaces", header: " 8 ", want: 8, ok: true},
		{name: "header not a number", header: "soon"},
		{name: "header infinite", header: "+Inf"},
		{name: "header NaN", header: "NaN"},
	}
	for _, tc := range tests {
		var res sample.Result
		if tc.field != "" {
			SetServerTTFTField(&res, []byte(tc.field))
		} else {
			SetServerTTFTHeader(&res, tc.header)
		}
		if res.HasServerTTFT != tc.ok || res.ServerTTFTMs != tc.want {
			t.Errorf("%s: got %v (has %v), want %v (has %v)", tc.name, res.ServerTTFTMs, res.HasServerTTFT, tc.want, tc.ok)
		}
	}
}
