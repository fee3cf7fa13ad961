package emf_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/emf"
	"github.com/llmbench/llmbench/shared/summary"
)

var ts = time.Date(2026, 11, 23, 6, 18, 36, 500_000_000, time.UTC) // 1795414716500 ms

func TestWriteGolden(t *testing.T) {
	tests := []struct {
		name  string
		event emf.Event
		want  string
	}{
		{
			// Write's own shape: one dimension set of every key, sorted;
			// members after _aws in key order, then metrics in order.
			name: "one set of all dimensions",
			event: emf.Event{
				Namespace:  "llmbench",
				Dimensions: map[string]string{"SpecName": "vllm-llama31-8b", "Platform": "aws"},
				Metrics: []emf.Metric{
					{Name: "OutputTokensPerSecond", Unit: emf.CountPerSecond, Value: 952.125},
					{Name: "ErrorRate", Value: 0},
				},
				Timestamp: ts,
			},
			want: `{"_aws":{"Timestamp":1795414716500,"CloudWatchMetrics":[{"Namespace":"llmbench","Dimensions":[["Platform","SpecName"]],"Metrics":[{"Name":"OutputTokensPerSecond","Unit":"Count/Second"},{"Name":"ErrorRate","Unit":"None"}]}]},"Platform":"aws","SpecName":"vllm-llama31-8b","OutputTokensPerSecond":952.125,"ErrorRate":0}`,
		},
		{
			// Explicit sets are written as given; high resolution is
			// written, the default 60 s is not.
			name: "explicit sets and resolutions",
			event: emf.Event{
				Namespace:     "ns",
				Dimensions:    map[string]string{"A": "a", "B": "b"},
				DimensionSets: [][]string{{"B", "A"}, {"A"}},
				Metrics: []emf.Metric{
					{Name: "Hi", Unit: emf.Milliseconds, Value: 1.5, StorageResolution: 1},
					{Name: "Lo", Unit: emf.Count, Value: 2, StorageResolution: 60},
				},
				Timestamp: ts,
			},
			want: `{"_aws":{"Timestamp":1795414716500,"CloudWatchMetrics":[{"Namespace":"ns","Dimensions":[["B","A"],["A"]],"Metrics":[{"Name":"Hi","Unit":"Milliseconds","StorageResolution":1},{"Name":"Lo","Unit":"Count"}]}]},"A":"a","B":"b","Hi":1.5,"Lo":2}`,
		},
		{
			// No dimensions: an empty list of sets, a metric of the
			// namespace alone.
			name: "no dimensions",
			event: emf.Event{
				Namespace: "ns",
				Metrics:   []emf.Metric{{Name: "M", Unit: emf.Percent, Value: 12.5}},
				Timestamp: ts,
			},
			want: `{"_aws":{"Timestamp":1795414716500,"CloudWatchMetrics":[{"Namespace":"ns","Dimensions":[],"Metrics":[{"Name":"M","Unit":"Percent"}]}]},"M":12.5}`,
		},
		{
			// JSON escaping of names and values.
			name: "escaping",
			event: emf.Event{
				Namespace:  "ns",
				Dimensions: map[string]string{"Spec": `a "quoted" \ name`},
				Metrics:    []emf.Metric{{Name: "M", Value: -3}},
				Timestamp:  ts,
			},
			want: `{"_aws":{"Timestamp":1795414716500,"CloudWatchMetrics":[{"Namespace":"ns","Dimensions":[["Spec"]],"Metrics":[{"Name":"M","Unit":"None"}]}]},"Spec":"a \"quoted\" \\ name","M":-3}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.event.Write(&b); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want+"\n" {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			var v map[string]any
			if err := json.Unmarshal(b.Bytes(), &v); err != nil {
				t.Errorf("not JSON: %v", err)
			}
		})
	}
}

func TestWriteFunction(t *testing.T) {
	var b bytes.Buffer
	err := emf.Write(&b, "llmbench", map[string]string{"SpecName": "s"}, []emf.Metric{{Name: "M", Unit: emf.Count, Value: 1}}, ts)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"_aws":{"Timestamp":1795414716500,"CloudWatchMetrics":[{"Namespace":"llmbench","Dimensions":[["SpecName"]],"Metrics":[{"Name":"M","Unit":"Count"}]}]},"SpecName":"s","M":1}` + "\n"
	if b.String() != want {
		t.Errorf("got %s want %s", b.String(), want)
	}
}

func metrics(n int) []emf.Metric {
	ms := make([]emf.Metric, n)
	for i := range ms {
		ms[i] = emf.Metric{Name: fmt.Sprintf("M%03d", i), Unit: emf.Count, Value: float64(i)}
	}
	return ms
}

// TestSplitsAt100 checks the 100-metrics limit: longer lists become
// several events, each complete, none over the limit, none lost.
func TestSplitsAt100(t *testing.T) {
	tests := []struct {
		n     int
		lines []int // metrics per line
	}{
		{1, []int{1}},              // one metric
		{100, []int{100}},          // exactly the limit: one line
		{101, []int{100, 1}},       // one over: two lines
		{250, []int{100, 100, 50}}, // several
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			var b bytes.Buffer
			if err := emf.Write(&b, "ns", map[string]string{"D": "d"}, metrics(tt.n), ts); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if len(lines) != len(tt.lines) {
				t.Fatalf("%d lines, want %d", len(lines), len(tt.lines))
			}
			seen := 0
			for i, l := range lines {
				var ev struct {
					AWS struct {
						CloudWatchMetrics []struct {
							Metrics []struct{ Name string }
						}
					} `json:"_aws"`
					D string
				}
				if err := json.Unmarshal([]byte(l), &ev); err != nil {
					t.Fatalf("line %d: %v", i, err)
				}
				defs := ev.AWS.CloudWatchMetrics[0].Metrics
				if len(defs) != tt.lines[i] || len(defs) > emf.MaxMetricsPerEvent {
					t.Errorf("line %d: %d metrics, want %d", i, len(defs), tt.lines[i])
				}
				if ev.D != "d" {
					t.Errorf("line %d lost its dimension", i)
				}
				var raw map[string]any
				_ = json.Unmarshal([]byte(l), &raw)
				for _, d := range defs {
					if d.Name != fmt.Sprintf("M%03d", seen) {
						t.Errorf("line %d: metric %s, want M%03d", i, d.Name, seen)
					}
					if v, ok := raw[d.Name].(float64); !ok || v != float64(seen) {
						t.Errorf("line %d: value of %s = %v", i, d.Name, raw[d.Name])
					}
					seen++
				}
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	ok := emf.Event{Namespace: "ns", Dimensions: map[string]string{"D": "d"}, Metrics: []emf.Metric{{Name: "M", Value: 1}}, Timestamp: ts}
	thirtyOne := map[string]string{}
	var set31 []string
	for i := range 31 {
		k := fmt.Sprintf("K%02d", i)
		thirtyOne[k] = "v"
		set31 = append(set31, k)
	}
	tests := []struct {
		name   string
		change func(e *emf.Event)
	}{
		{"empty namespace", func(e *emf.Event) { e.Namespace = "" }},                                          // CloudWatch needs one
		{"AWS namespace", func(e *emf.Event) { e.Namespace = "AWS/Lambda" }},                                  // reserved for AWS
		{"long namespace", func(e *emf.Event) { e.Namespace = strings.Repeat("n", 256) }},                     // over 255
		{"no metrics", func(e *emf.Event) { e.Metrics = nil }},                                                // nothing to say
		{"no timestamp", func(e *emf.Event) { e.Timestamp = time.Time{} }},                                    // would be 1970 or negative
		{"empty dimension value", func(e *emf.Event) { e.Dimensions = map[string]string{"D": ""} }},           // CloudWatch drops it
		{"control character", func(e *emf.Event) { e.Dimensions = map[string]string{"D": "a\nb"} }},           // not a printable value
		{"unknown set key", func(e *emf.Event) { e.DimensionSets = [][]string{{"X"}} }},                       // a set names a missing dimension
		{"repeated set key", func(e *emf.Event) { e.DimensionSets = [][]string{{"D", "D"}} }},                 // a key twice in a set
		{"31 dimensions", func(e *emf.Event) { e.Dimensions = thirtyOne }},                                    // over the 30 of a set
		{"31 in a set", func(e *emf.Event) { e.Dimensions = thirtyOne; e.DimensionSets = [][]string{set31} }}, // explicit set too long
		{"empty metric name", func(e *emf.Event) { e.Metrics = []emf.Metric{{Value: 1}} }},                    // unnamed
		{"_aws metric", func(e *emf.Event) { e.Metrics = []emf.Metric{{Name: "_aws", Value: 1}} }},            // would overwrite the metadata
		{"duplicate metric", func(e *emf.Event) { e.Metrics = append(e.Metrics, e.Metrics[0]) }},              // ambiguous value
		{"metric named as dimension", func(e *emf.Event) { e.Metrics = []emf.Metric{{Name: "D", Value: 1}} }}, // one member, two meanings
		{"unknown unit", func(e *emf.Event) { e.Metrics[0].Unit = "Tokens" }},                                 // not a CloudWatch unit
		{"bad resolution", func(e *emf.Event) { e.Metrics[0].StorageResolution = 30 }},                        // only 1 or 60
		{"NaN", func(e *emf.Event) { e.Metrics[0].Value = math.NaN() }},                                       // not JSON
		{"Inf", func(e *emf.Event) { e.Metrics[0].Value = math.Inf(1) }},                                      // not JSON
		{"over 256 KiB", func(e *emf.Event) { e.Dimensions = bigDims() }},                                     // a log event's limit
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok
			e.Metrics = append([]emf.Metric(nil), ok.Metrics...)
			tt.change(&e)
			var b bytes.Buffer
			err := e.Write(&b)
			if !errors.Is(err, emf.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes of an invalid event", b.Len())
			}
		})
	}
	var b bytes.Buffer
	if err := ok.Write(&b); err != nil {
		t.Fatalf("the valid event: %v", err)
	}
}

// bigDims gives 300 dimensions of 1 KiB each: over 256 KiB in all.
func bigDims() map[string]string {
	m := map[string]string{}
	for i := range 300 {
		m[fmt.Sprintf("D%03d", i)] = strings.Repeat("x", 1000)
	}
	return m
}

func ptr(f float64) *float64 { return &f }

func TestSummaryEvents(t *testing.T) {
	s := &summary.Summary{
		RunID: "vllm-20261123T061836Z-1", Name: "vllm-llama31-8b", Platform: "aws",
		FinishedAt: ts,
		Levels: []summary.Level{
			{
				Concurrency: 32, Requests: 160, OK: 160, OutputTokens: 10240, OutputTokenThroughput: 952.125,
				TTFTMs: summary.Dist{N: 160, P50: 203, P95: 205.5}, E2EMs: summary.Dist{N: 160, P95: 2148},
				CostPer1MOutputTokensUSD: ptr(0.44),
			},
			{
				// Every request failed: no latencies, no cost.
				Concurrency: 64, Requests: 10, Errors: 10, ErrorRate: 1,
			},
		},
	}
	var b bytes.Buffer
	if err := emf.WriteSummary(&b, emf.DefaultNamespace, s, time.Time{}); err != nil {
		t.Fatal(err)
	}
	want := `{"_aws":{"Timestamp":1795414716500,"CloudWatchMetrics":[{"Namespace":"llmbench","Dimensions":[["SpecName","Platform","Concurrency"],["SpecName","Platform"]],"Metrics":[{"Name":"OutputTokensPerSecond","Unit":"Count/Second"},{"Name":"TokensPerSecond","Unit":"Count/Second"},{"Name":"CompletionTokens","Unit":"Count"},{"Name":"ErrorRate","Unit":"None"},{"Name":"TTFTp50Ms","Unit":"Milliseconds"},{"Name":"TTFTp95Ms","Unit":"Milliseconds"},{"Name":"E2Ep95Ms","Unit":"Milliseconds"},{"Name":"CostPer1MOutputTokensUSD","Unit":"None"}]}]},"Concurrency":"32","Platform":"aws","SpecName":"vllm-llama31-8b","OutputTokensPerSecond":952.125,"TokensPerSecond":952.125,"CompletionTokens":10240,"ErrorRate":0,"TTFTp50Ms":203,"TTFTp95Ms":205.5,"E2Ep95Ms":2148,"CostPer1MOutputTokensUSD":0.44}
{"_aws":{"Timestamp":1795414716500,"CloudWatchMetrics":[{"Namespace":"llmbench","Dimensions":[["SpecName","Platform","Concurrency"],["SpecName","Platform"]],"Metrics":[{"Name":"OutputTokensPerSecond","Unit":"Count/Second"},{"Name":"TokensPerSecond","Unit":"Count/Second"},{"Name":"CompletionTokens","Unit":"Count"},{"Name":"ErrorRate","Unit":"None"}]}]},"Concurrency":"64","Platform":"aws","SpecName":"vllm-llama31-8b","OutputTokensPerSecond":0,"TokensPerSecond":0,"CompletionTokens":0,"ErrorRate":1}
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	for _, e := range emf.SummaryEvents("ns", s, ts) {
		for _, m := range e.Metrics {
			found := false
			for _, n := range emf.SummaryMetricNames {
				found = found || n == m.Name
			}
			if !found {
				t.Errorf("metric %s is not in SummaryMetricNames (the dashboard check reads that list)", m.Name)
			}
		}
	}
}

func TestSummaryEventsDefaults(t *testing.T) {
	now := ts.Add(time.Hour)
	s := &summary.Summary{RunID: "r-1", Levels: []summary.Level{{Concurrency: 1}}}
	evs := emf.SummaryEvents("ns", s, now)
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	e := evs[0]
	if !e.Timestamp.Equal(now) {
		t.Errorf("timestamp %v, want now %v when the summary has no finish time", e.Timestamp, now)
	}
	if e.Dimensions[emf.DimPlatform] != emf.UnknownPlatform || e.Dimensions[emf.DimSpecName] != "r-1" {
		t.Errorf("dimensions %v: want platform %q and the run id as spec name", e.Dimensions, emf.UnknownPlatform)
	}
	if err := e.Write(&bytes.Buffer{}); err != nil {
		t.Errorf("defaults give an invalid event: %v", err)
	}
}

func TestLevelDimension(t *testing.T) {
	levels := []summary.Level{
		{Concurrency: 32},
		{Mode: "concurrency", Concurrency: 6},
		{Mode: "rate", RequestRate: 2.5},
		{Mode: "rate", RequestRate: 8, Concurrency: 16},
	}
	want := []string{"32", "6", "rate=2.5", "rate=8/cap=16"}
	evs := emf.SummaryEvents("ns", &summary.Summary{Name: "n", Platform: "p", Levels: levels}, time.Now())
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d", len(evs), len(want))
	}
	for i, e := range evs {
		if got := e.Dimensions[emf.DimConcurrency]; got != want[i] {
			t.Errorf("level %d: dimension %q, want %q", i, got, want[i])
		}
	}
}
