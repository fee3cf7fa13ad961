package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target/openai"
	"github.com/llmbench/llmbench/shared/target/sagemaker"
)

var update = flag.Bool("update", false, "rewrite testdata/emf.golden")

// emfUnits are CloudWatch's units, for checking a line on its own terms.
var emfUnits = []string{"None", "Count", "Count/Second", "Milliseconds", "Seconds", "Microseconds", "Percent"}

// checkEMF parses one line as the EMF specification defines it: a JSON
// object whose _aws holds an epoch-ms Timestamp and CloudWatchMetrics
// directives (Namespace, Dimensions as lists of keys, Metrics with Name
// and Unit); every dimension key a top-level string member, every metric
// a top-level number. It returns the members by name.
func checkEMF(t *testing.T, line []byte) (map[string]any, []string, [][]string, string) {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, line)
	}
	var root struct {
		AWS *struct {
			Timestamp         *int64 `json:"Timestamp"`
			CloudWatchMetrics []struct {
				Namespace  string     `json:"Namespace"`
				Dimensions [][]string `json:"Dimensions"`
				Metrics    []struct {
					Name string `json:"Name"`
					Unit string `json:"Unit"`
				} `json:"Metrics"`
			} `json:"CloudWatchMetrics"`
		} `json:"_aws"`
	}
	if err := json.Unmarshal(line, &root); err != nil || root.AWS == nil || root.AWS.Timestamp == nil || len(root.AWS.CloudWatchMetrics) != 1 {
		t.Fatalf("no _aws with a Timestamp and one directive (%v): %s", err, line)
	}
	d := root.AWS.CloudWatchMetrics[0]
	if d.Namespace == "" || strings.HasPrefix(d.Namespace, "AWS/") {
		t.Errorf("namespace %q", d.Namespace)
	}
	for _, set := range d.Dimensions {
		for _, k := range set {
			if _, ok := m[k].(string); !ok {
				t.Errorf("dimension %q has no string member: %s", k, line)
			}
		}
	}
	var names []string
	for _, mt := range d.Metrics {
		if !slices.Contains(emfUnits, mt.Unit) {
			t.Errorf("metric %s: unit %q", mt.Name, mt.Unit)
		}
		if _, ok := m[mt.Name].(json.Number); !ok {
			t.Errorf("metric %s has no number member: %s", mt.Name, line)
		}
		names = append(names, mt.Name)
	}
	return m, names, d.Dimensions, d.Namespace
}

// TestEMFGolden: the EMF line of one request, byte for byte
// (testdata/emf.golden, -update to rewrite), is valid EMF with the four
// metrics by EndpointName and in the aggregate.
func TestEMFGolden(t *testing.T) {
	h, err := New(newAPI("http://127.0.0.1:1"), Config{Endpoint: "llama31-8b-awq-g5", Namespace: "llmbench", USDPerHour: 1.515})
	if err != nil {
		t.Fatal(err)
	}
	f := func(v float64) *float64 { return &v }
	fig := Figures{TTFTMs: f(41.5), E2EMs: 1000, TokensPerSecond: f(64), CostPer1KUSD: f(1.515 / 3600 / 64 * 1000)}
	var buf bytes.Buffer
	if err := h.event(&sample.Result{OutputTokens: 64}, fig, time.UnixMilli(1764806400123)).Write(&buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "emf.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("EMF line:\n%s\nwant (testdata/emf.golden):\n%s", buf.Bytes(), want)
	}
	m, names, dims, ns := checkEMF(t, bytes.TrimSpace(want))
	if ns != "llmbench" || m[DimEndpointName] != "llama31-8b-awq-g5" {
		t.Errorf("namespace %q, endpoint %v", ns, m[DimEndpointName])
	}
	if w := []string{MetricCompletionTokens, MetricTokensPerSecond, MetricTTFT, MetricCostPer1kTokensUSD}; !slices.Equal(names, w) {
		t.Errorf("metrics %v, want %v", names, w)
	}
	if fmt.Sprint(dims) != fmt.Sprint([][]string{{DimEndpointName}, {}}) {
		t.Errorf("dimension sets %v", dims)
	}
}

// TestEMFPerRequest: through the proxy, every successful request writes
// one valid EMF line whose CompletionTokens is the count the client's row
// has, and whose TTFT is the one the client got back; no price, no cost
// metric.
func TestEMFPerRequest(t *testing.T) {
	for _, stream := range []bool{true, false} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			var metrics bytes.Buffer
			srv := startProxy(t, startSim(t, sagemaker.FormatLMI, nil), Config{Format: sagemaker.FormatLMI, Metrics: &metrics, Namespace: "bench-test"})
			client := openaiClient(t, srv.URL, openai.APIChat, stream)
			var rows []*sample.Result
			for i := range 3 {
				res := client.Do(context.Background(), request(i))
				if res.Status != sample.StatusOK {
					t.Fatalf("request %d: %s %s", i, res.Status, res.Err)
				}
				rows = append(rows, res)
			}
			lines := bytes.Split(bytes.TrimSpace(metrics.Bytes()), []byte("\n"))
			if len(lines) != len(rows) {
				t.Fatalf("%d EMF lines for %d requests:\n%s", len(lines), len(rows), metrics.Bytes())
			}
			for i, l := range lines {
				m, names, _, ns := checkEMF(t, l)
				if ns != "bench-test" || slices.Contains(names, MetricCostPer1kTokensUSD) {
					t.Errorf("line %d: namespace %q, metrics %v", i, ns, names)
				}
				if got := m[MetricCompletionTokens].(json.Number).String(); got != fmt.Sprint(rows[i].OutputTokens) {
					t.Errorf("line %d: CompletionTokens %s, the row has %d", i, got, rows[i].OutputTokens)
				}
				if got, _ := m[MetricTTFT].(json.Number).Float64(); !rows[i].HasServerTTFT || got != rows[i].ServerTTFTMs {
					t.Errorf("line %d: TTFT %v, the row's server_ttft_ms %v (%v)", i, got, rows[i].ServerTTFTMs, rows[i].HasServerTTFT)
				}
			}
		})
	}
}
