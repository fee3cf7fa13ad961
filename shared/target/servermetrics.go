package target

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/llmbench/llmbench/shared/sample"
)

// What a server may report of its own timing, which a client stores
// beside its own (Result.ServerTTFTMs): llmbench's proxy (package proxy)
// sends it as the member ServerMetricsField of a stream's last chunk, and
// as the header ServerTTFTHeader of a whole answer, the seeds' proxy's
// name.
const (
	ServerMetricsField = "proxy_metrics" // {"ttft_ms": …, …}
	ServerTTFTHeader   = "X-TTFT-MS"
)

// SetServerTTFTField reads the ttft_ms of a ServerMetricsField value into
// res; anything else (null, no ttft_ms, not a finite number >= 0) leaves
// res as it is.
func SetServerTTFTField(res *sample.Result, raw []byte) {
	var m struct {
		TTFTMs *float64 `json:"ttft_ms"`
	}
	if json.Unmarshal(raw, &m) == nil && m.TTFTMs != nil {
		setServerTTFT(res, *m.TTFTMs)
	}
}

// SetServerTTFTHeader reads a ServerTTFTHeader value (milliseconds) into
// res; a value that is not a number >= 0 leaves res as it is.
func SetServerTTFTHeader(res *sample.Result, v string) {
	if v == "" {
		return
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
		setServerTTFT(res, f)
	}
}

func setServerTTFT(res *sample.Result, ms float64) {
	if ms >= 0 && !math.IsInf(ms, 0) && !math.IsNaN(ms) {
		res.ServerTTFTMs, res.HasServerTTFT = ms, true
	}
}
