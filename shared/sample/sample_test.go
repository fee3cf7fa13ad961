package sample

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

func TestFromResult(t *testing.T) {
	t0 := time.Now()
	at := func(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }
	level := t0.Add(-time.Second)
	tests := []struct {
		name                    string
		r                       Result
		ttft, ttfc, e2e, tpot   *float64
		itl                     []float64
		startMs, endMs, schedMs float64
	}{
		{
			// a streamed answer: TTFT at the first token, E2E at the last, TPOT over the rest
			name: "stream",
			r: Result{Start: at(0), FirstByte: at(5), FirstToken: at(100), FirstContent: at(100),
				Tokens: []time.Time{at(100), at(120), at(150), at(160)}, End: at(170), Status: StatusOK, OutputTokens: 4},
			ttft: ptr(100), ttfc: ptr(100), e2e: ptr(160), tpot: ptr(20), itl: []float64{20, 30, 10},
			startMs: 1000, endMs: 1170, schedMs: 2,
		},
		{
			// reasoning first: TTFT counts it, TTFC waits for visible content
			name: "reasoning",
			r: Result{Start: at(0), FirstToken: at(50), FirstContent: at(90),
				Tokens: []time.Time{at(50), at(90)}, End: at(95), Status: StatusOK, OutputTokens: 2},
			ttft: ptr(50), ttfc: ptr(90), e2e: ptr(90), tpot: ptr(40), itl: []float64{40},
			startMs: 1000, endMs: 1095, schedMs: 2,
		},
		{
			// usage counts more tokens than chunks (multi-token chunks): TPOT uses the token count
			name: "multi-token chunks",
			r: Result{Start: at(0), FirstToken: at(10), Tokens: []time.Time{at(10), at(40)}, End: at(41),
				Status: StatusOK, OutputTokens: 7},
			ttft: ptr(10), e2e: ptr(40), tpot: ptr(5), itl: []float64{30},
			startMs: 1000, endMs: 1041, schedMs: 2,
		},
		{
			// one token: no TPOT, no ITL
			name: "one token",
			r:    Result{Start: at(0), FirstToken: at(10), Tokens: []time.Time{at(10)}, End: at(11), Status: StatusOK, OutputTokens: 1},
			ttft: ptr(10), e2e: ptr(10), itl: []float64{},
			startMs: 1000, endMs: 1011, schedMs: 2,
		},
		{
			// failed before any token: latencies are null, the row still exists
			name:    "error before tokens",
			r:       Result{Start: at(0), End: at(30), Status: StatusHTTPError, HTTPStatus: 429, Err: "rate limited"},
			startMs: 1000, endMs: 1030, schedMs: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			row := FromResult(Meta{RunID: "r", Level: 6, Worker: 1, Seq: 3, LevelStart: level, Intended: at(-2)}, &tc.r)
			for _, c := range []struct {
				what      string
				got, want *float64
			}{{"ttft", row.TTFTMs, tc.ttft}, {"ttfc", row.TTFCMs, tc.ttfc}, {"e2e", row.E2EMs, tc.e2e}, {"tpot", row.TPOTMs, tc.tpot}} {
				if !near(c.got, c.want) {
					t.Errorf("%s = %v, want %v", c.what, show(c.got), show(c.want))
				}
			}
			if tc.itl != nil && !reflect.DeepEqual(round(row.ITLMs), tc.itl) {
				t.Errorf("itl = %v, want %v", row.ITLMs, tc.itl)
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"start_ms", row.StartMs, tc.startMs}, {"end_ms", row.EndMs, tc.endMs}, {"sched_delay_ms", row.SchedDelayMs, tc.schedMs}} {
				if d := c.got - c.want; d > 1e-6 || d < -1e-6 {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
			if row.Status != string(tc.r.Status) || row.RunID != "r" || row.Level != 6 || row.Seq != 3 {
				t.Errorf("identity fields wrong: %+v", row)
			}
		})
	}
}

func near(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	d := *a - *b
	return d < 1e-6 && d > -1e-6
}

func show(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func round(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(int64(x*1e6+0.5)) / 1e6
	}
	return out
}

type memPut struct {
	files map[string][]byte
	fail  bool
}

func (m *memPut) Put(_ context.Context, key string, data []byte) error {
	if m.fail {
		return errors.New("disk full")
	}
	m.files[key] = append([]byte(nil), data...)
	return nil
}

func TestPartsRoundTrip(t *testing.T) {
	put := &memPut{files: map[string][]byte{}}
	p := NewParts(put, func(n int) string { return fmt.Sprintf("part-%d.parquet", n) }, 4)
	ctx := context.Background()
	var want []Row
	for i := 0; i < 10; i++ {
		r := Row{RunID: "r", Seq: int64(i), Status: "ok", ITLMs: []float64{float64(i), 1.5}, TTFTMs: ptr(float64(i)),
			StartTime: time.Date(2026, 11, 23, 6, 0, 0, i*1000, time.UTC)}
		want = append(want, r)
		if err := p.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// A failing store keeps the rows buffered; the next flush writes them.
	put.fail = true
	if err := p.Flush(ctx); err == nil {
		t.Fatal("Flush to a failing store returned no error")
	}
	put.fail = false
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	n, keys := p.Written()
	if n != 10 || !reflect.DeepEqual(keys, []string{"part-0.parquet", "part-1.parquet", "part-2.parquet"}) {
		t.Fatalf("written %d rows in %v", n, keys)
	}
	var got []Row
	for _, k := range keys {
		rows, err := ReadParquet(bytes.NewReader(put.files[k]), int64(len(put.files[k])))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rows...)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Seq != want[i].Seq || !got[i].StartTime.Equal(want[i].StartTime) || !reflect.DeepEqual(got[i].ITLMs, want[i].ITLMs) || *got[i].TTFTMs != *want[i].TTFTMs {
			t.Errorf("row %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// Captured response headers land in headers_json, a nullable JSON string
// column, and survive a Parquet round trip; every other column keeps its
// name and type.
func TestHeadersColumn(t *testing.T) {
	t0 := time.Now()
	tests := []struct {
		name    string
		headers map[string]string
		want    string // headers_json
	}{
		// the seeds' Lambda proxy headers, keys sorted, as the spec spelled them
		{"captured", map[string]string{"X-TTFT-MS": "412", "X-Tokens-Per-Second": "57.3", "X-Cost-Per-1K-USD": "0.0021"},
			`{"X-Cost-Per-1K-USD":"0.0021","X-TTFT-MS":"412","X-Tokens-Per-Second":"57.3"}`},
		// quotes and non-ASCII are escaped or kept as valid JSON
		{"escaped", map[string]string{"X-Note": `say "hi" ±`}, `{"X-Note":"say \"hi\" ±"}`},
		// nothing captured: NULL
		{"none", nil, ""},
		// an empty map is nothing captured too
		{"empty", map[string]string{}, ""},
	}
	var rows []Row
	for i, tc := range tests {
		r := Result{Start: t0, End: t0.Add(time.Millisecond), Status: StatusOK, Headers: tc.headers}
		row := FromResult(Meta{RunID: "r", Seq: int64(i), LevelStart: t0}, &r)
		if row.HeadersJSON != tc.want {
			t.Errorf("%s: headers_json = %s, want %s", tc.name, row.HeadersJSON, tc.want)
		}
		if tc.want != "" {
			var back map[string]string
			if err := json.Unmarshal([]byte(row.HeadersJSON), &back); err != nil || !reflect.DeepEqual(back, tc.headers) {
				t.Errorf("%s: headers_json decodes to %v, %v", tc.name, back, err)
			}
		}
		rows = append(rows, row)
	}

	var buf bytes.Buffer
	if err := WriteParquet(&buf, rows); err != nil {
		t.Fatal(err)
	}
	got, err := ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if got[i].HeadersJSON != rows[i].HeadersJSON {
			t.Errorf("%s: read back %q, want %q", tests[i].name, got[i].HeadersJSON, rows[i].HeadersJSON)
		}
	}

	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	// The schema: the existing columns unchanged and first, then
	// headers_json, an optional UTF-8 string.
	var names []string
	for _, fld := range f.Schema().Fields() {
		names = append(names, fld.Name())
	}
	wantNames := []string{"run_id", "level", "worker", "seq", "vu", "start_time", "start_ms", "end_ms", "sched_delay_ms", "warmup",
		"status", "http_status", "error", "ttfb_ms", "ttft_ms", "ttfc_ms", "e2e_ms", "tpot_ms", "itl_ms",
		"input_tokens", "output_tokens", "token_source", "chunks", "bytes", "conn_reused", "connect_ms", "headers_json", "backoff_ms", "finish_reason", "cut_short",
		"level_index", "mode", "request_rate", "intended_ms", "queue_ms", "prompt_id",
		"client_input_tokens", "client_count", "cached_tokens", "reasoning_tokens",
		"session_id", "turn", "think_ms", "server_ttft_ms", "round"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("columns:\n %v\nwant\n %v", names, wantNames)
	}
	col, _ := f.Schema().Lookup("headers_json")
	if lt := col.Node.Type().LogicalType(); !col.Node.Optional() || col.Node.Type().Kind() != parquet.ByteArray || lt == nil || lt.String() != "STRING" {
		t.Errorf("headers_json: optional %v, kind %v, logical %v; want an optional UTF-8 byte array", col.Node.Optional(), col.Node.Type().Kind(), lt)
	}
	md := f.Metadata().RowGroups[0].Columns[col.ColumnIndex].MetaData
	if md.Statistics.NullCount != 2 {
		t.Errorf("headers_json has %d nulls, want 2 (the rows with nothing captured)", md.Statistics.NullCount)
	}
}

// TestUsageDetailsColumns: cached_tokens and reasoning_tokens are the
// server's counts when it sent them, and NULL (not 0) when it did not,
// through FromResult and a Parquet round trip.
func TestUsageDetailsColumns(t *testing.T) {
	t0 := time.Now()
	n := func(v int32) *int32 { return &v }
	tests := []struct {
		name                  string
		res                   Result
		wantCached, wantReasn *int32
	}{
		// both sent
		{"both", Result{CachedTokens: 96, HasCached: true, ReasoningTokens: 40, HasReasoning: true}, n(96), n(40)},
		// a sent 0 is 0, not NULL
		{"zeros", Result{HasCached: true, HasReasoning: true}, n(0), n(0)},
		// only the prompt's details
		{"cached only", Result{CachedTokens: 5, HasCached: true}, n(5), nil},
		// only the completion's details
		{"reasoning only", Result{ReasoningTokens: 7, HasReasoning: true}, nil, n(7)},
		// a count without its Has mark was not sent: NULL
		{"not sent", Result{CachedTokens: 3, ReasoningTokens: 4}, nil, nil},
	}
	var rows []Row
	for i, tc := range tests {
		r := tc.res
		r.Start, r.End, r.Status = t0, t0.Add(time.Millisecond), StatusOK
		row := FromResult(Meta{RunID: "r", Seq: int64(i), LevelStart: t0}, &r)
		checkCount(t, tc.name+": built cached_tokens", row.CachedTokens, tc.wantCached)
		checkCount(t, tc.name+": built reasoning_tokens", row.ReasoningTokens, tc.wantReasn)
		rows = append(rows, row)
	}
	var buf bytes.Buffer
	if err := WriteParquet(&buf, rows); err != nil {
		t.Fatal(err)
	}
	got, err := ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(tests) {
		t.Fatalf("read back %d rows, want %d", len(got), len(tests))
	}
	for i, tc := range tests {
		checkCount(t, tc.name+": read cached_tokens", got[i].CachedTokens, tc.wantCached)
		checkCount(t, tc.name+": read reasoning_tokens", got[i].ReasoningTokens, tc.wantReasn)
	}

	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		nulls int64
	}{{"cached_tokens", 2}, {"reasoning_tokens", 2}} {
		col, _ := f.Schema().Lookup(c.name)
		if !col.Node.Optional() || col.Node.Type().Kind() != parquet.Int32 {
			t.Errorf("%s: optional %v, kind %v; want an optional int32", c.name, col.Node.Optional(), col.Node.Type().Kind())
		}
		md := f.Metadata().RowGroups[0].Columns[col.ColumnIndex].MetaData
		if md.Statistics.NullCount != c.nulls {
			t.Errorf("%s has %d nulls, want %d", c.name, md.Statistics.NullCount, c.nulls)
		}
	}
}

func checkCount(t *testing.T, what string, got, want *int32) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v (nil is NULL)", what, got, want)
	case *got != *want:
		t.Errorf("%s = %d, want %d", what, *got, *want)
	}
}

// TestServerTTFTColumn: server_ttft_ms is the server's own TTFT when it
// reported one (0 included) and NULL when it did not, through FromResult
// and a Parquet round trip.
func TestServerTTFTColumn(t *testing.T) {
	t0 := time.Now()
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name string
		res  Result
		want *float64
	}{
		// reported by llmbench's proxy
		{"reported", Result{ServerTTFTMs: 41.25, HasServerTTFT: true}, f(41.25)},
		// a reported 0 is 0, not NULL
		{"zero", Result{HasServerTTFT: true}, f(0)},
		// a value without its Has mark was not reported: NULL
		{"not reported", Result{ServerTTFTMs: 9}, nil},
	}
	var rows []Row
	for i, tc := range tests {
		r := tc.res
		r.Start, r.End, r.Status = t0, t0.Add(time.Millisecond), StatusOK
		rows = append(rows, FromResult(Meta{RunID: "r", Seq: int64(i), LevelStart: t0}, &r))
	}
	var buf bytes.Buffer
	if err := WriteParquet(&buf, rows); err != nil {
		t.Fatal(err)
	}
	got, err := ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || len(got) != len(tests) {
		t.Fatalf("read back %d rows: %v", len(got), err)
	}
	for i, tc := range tests {
		for what, v := range map[string]*float64{"built": rows[i].ServerTTFTMs, "read": got[i].ServerTTFTMs} {
			if (v == nil) != (tc.want == nil) || (v != nil && *v != *tc.want) {
				t.Errorf("%s: %s server_ttft_ms = %v, want %v (nil is NULL)", tc.name, what, v, tc.want)
			}
		}
	}
}

// TestSessionColumns: a turn of a conversation has its session_id, turn
// and think_ms; a request without a session has NULLs and 0, read back
// from Parquet as written.
func TestSessionColumns(t *testing.T) {
	t0 := time.Now()
	res := &Result{Start: t0, End: t0.Add(time.Second), Status: StatusOK}
	in := []Row{
		FromResult(Meta{LevelStart: t0, SessionID: 3<<32 | 5, Turn: 2, Think: 1500 * time.Millisecond}, res),
		FromResult(Meta{LevelStart: t0}, res),
	}
	var buf bytes.Buffer
	if err := WriteParquet(&buf, in); err != nil {
		t.Fatal(err)
	}
	got, err := ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	s, n := got[0], got[1]
	if s.SessionID == nil || *s.SessionID != 3<<32|5 || s.Turn == nil || *s.Turn != 2 || s.ThinkMs != 1500 {
		t.Errorf("turn row: session %v turn %v think %g; want %d, 2, 1500", s.SessionID, s.Turn, s.ThinkMs, int64(3<<32|5))
	}
	if n.SessionID != nil || n.Turn != nil || n.ThinkMs != 0 {
		t.Errorf("row without a session: session %v turn %v think %g; want NULL, NULL, 0", n.SessionID, n.Turn, n.ThinkMs)
	}
}
