package athenafake

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestJavaDouble(t *testing.T) {
	tests := []struct {
		v    float64
		bits int
		want string
	}{
		{1.5, 64, "1.5"},                   // plain
		{2, 64, "2.0"},                     // integral: .0 added
		{0, 64, "0.0"},                     // zero
		{math.Copysign(0, -1), 64, "-0.0"}, // negative zero
		{0.30000000000000004, 64, "0.30000000000000004"}, // 17 digits
		{0.001, 64, "0.001"},                             // the smallest plain one
		{0.000999, 64, "9.99E-4"},                        // below 10⁻³: exponent
		{1e-5, 64, "1.0E-5"},                             // exponent with .0
		{9999999, 64, "9999999.0"},                       // the largest plain one
		{1e7, 64, "1.0E7"},                               // from 10⁷: exponent
		{12345678.9, 64, "1.23456789E7"},                 // exponent with digits
		{-1e300, 64, "-1.0E300"},                         // negative, huge
		{math.MaxFloat64, 64, "1.7976931348623157E308"},  // the largest
		{5e-324, 64, "5.0E-324"},                         // Java writes 4.9E-324 (two digits at least): the same double
		{math.NaN(), 64, "NaN"},                          // specials
		{math.Inf(1), 64, "Infinity"},                    // specials
		{math.Inf(-1), 64, "-Infinity"},                  // specials
		{float64(float32(1.1)), 32, "1.1"},               // Float.toString: shortest float32 digits
		{float64(float32(3e10)), 32, "3.0E10"},           // float32 exponent
	}
	for _, tt := range tests {
		if got := JavaDouble(tt.v, tt.bits); got != tt.want {
			t.Errorf("JavaDouble(%v, %d) = %q, want %q", tt.v, tt.bits, got, tt.want)
		}
	}
}

// TestJavaDoubleRoundTrip: the text reads back to the same double.
func TestJavaDoubleRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		v := math.Float64frombits(rng.Uint64())
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		s := JavaDouble(v, 64)
		back, err := strconv.ParseFloat(s, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) || back != v {
			t.Fatalf("%v → %q → %v, %v", v, s, back, err)
		}
	}
}

func TestAthenaColumn(t *testing.T) {
	tests := []struct {
		duck, typ        string
		precision, scale int
	}{
		{"BIGINT", "bigint", 19, 0},                     // int64
		{"HUGEINT", "bigint", 19, 0},                    // an uncast DuckDB sum: Trino's is bigint
		{"INTEGER", "integer", 10, 0},                   // int32
		{"SMALLINT", "smallint", 5, 0},                  // int16
		{"TINYINT", "tinyint", 3, 0},                    // int8
		{"DOUBLE", "double", 17, 0},                     // float64
		{"FLOAT", "real", 24, 0},                        // float32
		{"DECIMAL(18,3)", "decimal", 18, 3},             // precision and scale carried
		{"VARCHAR", "varchar", math.MaxInt32, 0},        // unbounded
		{"BOOLEAN", "boolean", 0, 0},                    // bool
		{"DOUBLE[]", "array", 0, 0},                     // a list
		{"INTEGER[][]", "array", 0, 0},                  // nested
		{"TIMESTAMP WITH TIME ZONE", "timestamp", 3, 0}, // how the Glue table reads start_time
		{"DATE", "date", 0, 0},                          // date
		{"STRUCT(a INTEGER)", "row", 0, 0},              // struct
		{"MAP(VARCHAR, INTEGER)", "map", 0, 0},          // map
		{"BLOB", "varbinary", 0, 0},                     // bytes
		{"BIT", "varchar", math.MaxInt32, 0},            // anything else as text
	}
	for _, tt := range tests {
		c := athenaColumn("c", tt.duck)
		if c.typ != tt.typ || c.precision != tt.precision || c.scale != tt.scale {
			t.Errorf("athenaColumn(%s) = %s(%d,%d), want %s(%d,%d)", tt.duck, c.typ, c.precision, c.scale, tt.typ, tt.precision, tt.scale)
		}
	}
}

func TestRender(t *testing.T) {
	ts := time.Date(2025, 1, 2, 3, 4, 5, 6789000, time.UTC)
	tests := []struct {
		duck string
		v    any
		want *string
	}{
		{"BIGINT", int64(-5), ptr("-5")},                                   // integers in decimal
		{"DOUBLE", 2.0, ptr("2.0")},                                        // Java's doubles
		{"FLOAT", float64(float32(0.1)), ptr("0.1")},                       // Java's floats
		{"DECIMAL(10,3)", 1.5, ptr("1.500")},                               // decimals at their scale
		{"VARCHAR", "a, b", ptr("a, b")},                                   // text as it is
		{"BOOLEAN", true, ptr("true")},                                     // lower case
		{"TIMESTAMP WITH TIME ZONE", ts, ptr("2025-01-02 03:04:05.006")},   // milliseconds, truncated
		{"DATE", ts, ptr("2025-01-02")},                                    // the day
		{"DOUBLE[]", []any{1.5, nil, 1e-7}, ptr("[1.5, null, 1.0E-7]")},    // arrays with nulls
		{"INTEGER[][]", []any{[]any{int64(1)}, []any{}}, ptr("[[1], []]")}, // nested
		{"DOUBLE", nil, nil},                                               // NULL: no value
	}
	for _, tt := range tests {
		got := render(tt.duck, tt.v)
		if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
			t.Errorf("render(%s, %#v) = %v, want %v", tt.duck, tt.v, deref(got), deref(tt.want))
		}
	}
}

func ptr(s string) *string { return &s }

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// stubQuerier answers every query with one row and DESCRIBE with its
// column.
type stubQuerier struct{}

func (stubQuerier) Query(_ context.Context, sql string) ([]map[string]any, error) {
	if strings.HasPrefix(sql, "DESCRIBE ") {
		return []map[string]any{{"column_name": "one", "column_type": "INTEGER"}}, nil
	}
	return []map[string]any{{"one": int64(1)}}, nil
}

// TestWire sends raw requests: the fake checks what Athena checks, and
// answers errors in AWS JSON's shape.
func TestWire(t *testing.T) {
	srv := httptest.NewServer(New(stubQuerier{}, Options{}))
	defer srv.Close()
	const auth = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/athena/aws4_request, SignedHeaders=host, Signature=abc"
	tests := []struct {
		name                      string
		target, ctype, auth, body string
		status                    int
		errType                   string // __type of the error; "" for success
	}{
		{"start", "AmazonAthena.StartQueryExecution", contentType, auth, `{"QueryString":"SELECT 1"}`, 200, ""},                                                         // a good request
		{"no signature", "AmazonAthena.StartQueryExecution", contentType, "", `{"QueryString":"SELECT 1"}`, 400, "UnrecognizedClientException"},                         // unsigned
		{"wrong region", "AmazonAthena.StartQueryExecution", contentType, strings.Replace(auth, "us-east-1", "eu-west-1", 1), `{}`, 400, "UnrecognizedClientException"}, // scope of another region
		{"wrong service", "AmazonAthena.StartQueryExecution", contentType, strings.Replace(auth, "/athena/", "/s3/", 1), `{}`, 400, "UnrecognizedClientException"},      // scope of another service
		{"JSON 1.0", "AmazonAthena.StartQueryExecution", "application/x-amz-json-1.0", auth, `{}`, 400, "SerializationException"},                                       // wrong protocol version
		{"other service", "AmazonS3.PutObject", contentType, auth, `{}`, 400, "UnknownOperationException"},                                                              // not Athena
		{"unimplemented", "AmazonAthena.ListWorkGroups", contentType, auth, `{}`, 400, "UnknownOperationException"},                                                     // not in the fake
		{"bad JSON", "AmazonAthena.GetQueryExecution", contentType, auth, `{`, 400, "SerializationException"},                                                           // truncated body
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(tt.body))
			req.Header.Set("X-Amz-Target", tt.target)
			req.Header.Set("Content-Type", tt.ctype)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != contentType {
				t.Errorf("status %d, Content-Type %q; want %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, contentType)
			}
			if tt.errType == "" {
				if id, _ := body["QueryExecutionId"].(string); id == "" {
					t.Errorf("body %v: no QueryExecutionId", body)
				}
				return
			}
			if body["__type"] != tt.errType || resp.Header.Get("X-Amzn-ErrorType") != tt.errType || body["Message"] == "" {
				t.Errorf("body %v, X-Amzn-ErrorType %q; want __type %s and a Message", body, resp.Header.Get("X-Amzn-ErrorType"), tt.errType)
			}
		})
	}
}
