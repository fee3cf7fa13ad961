// Package emf writes CloudWatch Embedded Metric Format (EMF) events: one
// JSON object per line that CloudWatch Logs turns into metrics. On Lambda,
// a line written to standard output is enough (no agent, no PutMetricData
// call, no IAM permission).
//
// The shape follows the specification
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
//
//	{"_aws":{"Timestamp":<epoch ms>,"CloudWatchMetrics":[{"Namespace":"ns",
//	  "Dimensions":[["A","B"],["A"]],"Metrics":[{"Name":"M","Unit":"Count"}]}]},
//	 "A":"a","B":"b","M":1.5}
//
// with the limits the official libraries enforce: at most 100 metrics per
// event (Write splits a longer list into several lines), at most 30
// dimensions per dimension set, and a log event of at most 256 KiB.
// Everything is written in a fixed order, so the output of a given input is
// byte-for-byte repeatable.
package emf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Limits of one EMF event.
const (
	MaxMetricsPerEvent      = 100       // metric definitions in one event
	MaxDimensionsPerSet     = 30        // dimension keys in one dimension set
	MaxEventBytes           = 256 << 10 // a CloudWatch Logs event
	MaxNamespaceLen         = 255       // CloudWatch namespace
	MaxNameLen              = 255       // metric and dimension names
	MaxDimensionValueLen    = 1024      // dimension values
	StorageResolutionHigh   = 1         // seconds: a high-resolution metric
	StorageResolutionNormal = 60        // seconds: the default
)

// Unit is a CloudWatch metric unit.
type Unit string

// The CloudWatch units.
const (
	None               Unit = "None"
	Count              Unit = "Count"
	CountPerSecond     Unit = "Count/Second"
	Percent            Unit = "Percent"
	Seconds            Unit = "Seconds"
	Milliseconds       Unit = "Milliseconds"
	Microseconds       Unit = "Microseconds"
	Bytes              Unit = "Bytes"
	Kilobytes          Unit = "Kilobytes"
	Megabytes          Unit = "Megabytes"
	Gigabytes          Unit = "Gigabytes"
	Terabytes          Unit = "Terabytes"
	Bits               Unit = "Bits"
	Kilobits           Unit = "Kilobits"
	Megabits           Unit = "Megabits"
	Gigabits           Unit = "Gigabits"
	Terabits           Unit = "Terabits"
	BytesPerSecond     Unit = "Bytes/Second"
	KilobytesPerSecond Unit = "Kilobytes/Second"
	MegabytesPerSecond Unit = "Megabytes/Second"
	GigabytesPerSecond Unit = "Gigabytes/Second"
	TerabytesPerSecond Unit = "Terabytes/Second"
	BitsPerSecond      Unit = "Bits/Second"
	KilobitsPerSecond  Unit = "Kilobits/Second"
	MegabitsPerSecond  Unit = "Megabits/Second"
	GigabitsPerSecond  Unit = "Gigabits/Second"
	TerabitsPerSecond  Unit = "Terabits/Second"
)

var units = map[Unit]bool{
	None: true, Count: true, CountPerSecond: true, Percent: true,
	Seconds: true, Milliseconds: true, Microseconds: true,
	Bytes: true, Kilobytes: true, Megabytes: true, Gigabytes: true, Terabytes: true,
	Bits: true, Kilobits: true, Megabits: true, Gigabits: true, Terabits: true,
	BytesPerSecond: true, KilobytesPerSecond: true, MegabytesPerSecond: true, GigabytesPerSecond: true, TerabytesPerSecond: true,
	BitsPerSecond: true, KilobitsPerSecond: true, MegabitsPerSecond: true, GigabitsPerSecond: true, TerabitsPerSecond: true,
}

// Metric is one value. Unit "" means None. StorageResolution 0 means the
// default (60 s); 1 asks for a high-resolution metric.
type Metric struct {
	Name              string
	Unit              Unit
	Value             float64
	StorageResolution int
}

// Event is one EMF event: metrics under a namespace, with dimension values
// and the dimension sets to aggregate them by.
type Event struct {
	Namespace string
	// Dimensions holds every dimension's value (written as a top-level
	// member of the event).
	Dimensions map[string]string
	// DimensionSets lists the sets of dimension keys CloudWatch makes a
	// metric for, each key present in Dimensions. Empty means one set of
	// all the Dimensions keys, sorted.
	DimensionSets [][]string
	Metrics       []Metric
	Timestamp     time.Time
}

// ErrInvalid is wrapped by every error about an event CloudWatch would
// reject or misread.
var ErrInvalid = errors.New("emf: invalid event")

// Write writes the metrics as EMF events under namespace, dimensioned by
// all the keys of dims as one dimension set, at ts: one JSON line per 100
// metrics.
func Write(w io.Writer, namespace string, dims map[string]string, metrics []Metric, ts time.Time) error {
	return Event{Namespace: namespace, Dimensions: dims, Metrics: metrics, Timestamp: ts}.Write(w)
}

// Write validates e and writes it as one JSON line per 100 metrics (every
// line carries the same dimensions). Nothing is written when e is invalid.
func (e Event) Write(w io.Writer) error {
	lines, err := e.Lines()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, l := range lines {
		buf.Write(l)
		buf.WriteByte('\n')
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// Lines validates e and encodes it: one JSON object (without its newline)
// per 100 metrics.
func (e Event) Lines() ([][]byte, error) {
	sets, err := e.check()
	if err != nil {
		return nil, err
	}
	var lines [][]byte
	for ms := range slices.Chunk(e.Metrics, MaxMetricsPerEvent) {
		b, err := e.encode(sets, ms)
		if err != nil {
			return nil, err
		}
		if len(b)+1 > MaxEventBytes {
			return nil, fmt.Errorf("%w: event of %d bytes, over the %d-byte limit of a log event", ErrInvalid, len(b)+1, MaxEventBytes)
		}
		lines = append(lines, b)
	}
	return lines, nil
}

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// check validates e and returns its dimension sets.
func (e Event) check() ([][]string, error) {
	if e.Namespace == "" || len(e.Namespace) > MaxNamespaceLen || strings.HasPrefix(e.Namespace, "AWS/") || !printable(e.Namespace) {
		return nil, invalid("namespace %q: want 1 to %d printable characters, not starting with AWS/", e.Namespace, MaxNamespaceLen)
	}
	if len(e.Metrics) == 0 {
		return nil, invalid("no metrics")
	}
	if e.Timestamp.IsZero() {
		return nil, invalid("no timestamp")
	}
	for k, v := range e.Dimensions {
		if err := checkName("dimension", k); err != nil {
			return nil, err
		}
		if v == "" || len(v) > MaxDimensionValueLen || !printable(v) {
			return nil, invalid("dimension %q: value %q: want 1 to %d printable characters", k, v, MaxDimensionValueLen)
		}
	}
	sets := e.DimensionSets
	if len(sets) == 0 && len(e.Dimensions) > 0 {
		all := make([]string, 0, len(e.Dimensions))
		for k := range e.Dimensions {
			all = append(all, k)
		}
		slices.Sort(all)
		sets = [][]string{all}
	}
	for i, set := range sets {
		if len(set) > MaxDimensionsPerSet {
			return nil, invalid("dimension set %d has %d keys, over the limit of %d", i, len(set), MaxDimensionsPerSet)
		}
		seen := map[string]bool{}
		for _, k := range set {
			if _, ok := e.Dimensions[k]; !ok {
				return nil, invalid("dimension set %d names %q, which has no value", i, k)
			}
			if seen[k] {
				return nil, invalid("dimension set %d names %q twice", i, k)
			}
			seen[k] = true
		}
	}
	names := map[string]bool{}
	for _, m := range e.Metrics {
		if err := checkName("metric", m.Name); err != nil {
			return nil, err
		}
		if names[m.Name] {
			return nil, invalid("metric %q appears twice", m.Name)
		}
		names[m.Name] = true
		if _, ok := e.Dimensions[m.Name]; ok {
			return nil, invalid("metric %q has the name of a dimension", m.Name)
		}
		if m.Unit != "" && !units[m.Unit] {
			return nil, invalid("metric %q: unknown unit %q", m.Name, m.Unit)
		}
		if m.StorageResolution != 0 && m.StorageResolution != StorageResolutionHigh && m.StorageResolution != StorageResolutionNormal {
			return nil, invalid("metric %q: storage resolution %d: want 1 or 60", m.Name, m.StorageResolution)
		}
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			return nil, invalid("metric %q: value %v is not a finite number", m.Name, m.Value)
		}
	}
	return sets, nil
}

func checkName(what, name string) error {
	if name == "" || len(name) > MaxNameLen || name == "_aws" || !printable(name) {
		return invalid("%s name %q: want 1 to %d printable characters, not _aws", what, name, MaxNameLen)
	}
	return nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// encode writes one event with the metrics ms: _aws first, then the
// dimension values in key order, then the metric values in the given order.
func (e Event) encode(sets [][]string, ms []Metric) ([]byte, error) {
	type metricDef struct {
		Name              string `json:"Name"`
		Unit              Unit   `json:"Unit"`
		StorageResolution int    `json:"StorageResolution,omitempty"`
	}
	type directive struct {
		Namespace  string      `json:"Namespace"`
		Dimensions [][]string  `json:"Dimensions"`
		Metrics    []metricDef `json:"Metrics"`
	}
	type meta struct {
		Timestamp         int64       `json:"Timestamp"`
		CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
	}
	d := directive{Namespace: e.Namespace, Dimensions: sets, Metrics: make([]metricDef, 0, len(ms))}
	if d.Dimensions == nil {
		d.Dimensions = [][]string{}
	}
	for _, m := range ms {
		u := m.Unit
		if u == "" {
			u = None
		}
		res := m.StorageResolution
		if res == StorageResolutionNormal {
			res = 0 // the default: not written
		}
		d.Metrics = append(d.Metrics, metricDef{Name: m.Name, Unit: u, StorageResolution: res})
	}
	var b bytes.Buffer
	b.WriteString(`{"_aws":`)
	if err := appendJSON(&b, meta{Timestamp: e.Timestamp.UnixMilli(), CloudWatchMetrics: []directive{d}}); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(e.Dimensions))
	for k := range e.Dimensions {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := member(&b, k, e.Dimensions[k]); err != nil {
			return nil, err
		}
	}
	for _, m := range ms {
		if err := member(&b, m.Name, m.Value); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func member(b *bytes.Buffer, key string, v any) error {
	b.WriteByte(',')
	if err := appendJSON(b, key); err != nil {
		return err
	}
	b.WriteByte(':')
	return appendJSON(b, v)
}

func appendJSON(b *bytes.Buffer, v any) error {
	enc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("emf: encode: %w", err)
	}
	b.Write(enc)
	return nil
}
