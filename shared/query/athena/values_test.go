package athena

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseValue(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	tests := []struct {
		typ, in string
		want    any
		err     string // part of the error; "" for none
	}{
		{"bigint", "9007199254740993", int64(9007199254740993), ""},       // beyond float64's integers
		{"bigint", "-9223372036854775808", int64(math.MinInt64), ""},      // the smallest
		{"integer", "-7", int64(-7), ""},                                  // int32 widened
		{"smallint", "12", int64(12), ""},                                 // int16 widened
		{"tinyint", "1", int64(1), ""},                                    // int8 widened
		{"bigint", "1.0", nil, "not an integer"},                          // no silent truncation
		{"double", "0.30000000000000004", 0.30000000000000004, ""},        // 17 digits exact
		{"double", "2.0", 2.0, ""},                                        // Java writes integral doubles with .0
		{"double", "1.0E300", 1e300, ""},                                  // Java's exponent form
		{"double", "1.2345678E-5", 1.2345678e-5, ""},                      // negative exponent
		{"double", "NaN", math.NaN(), ""},                                 // not a number
		{"double", "-Infinity", math.Inf(-1), ""},                         // infinities
		{"double", "1e999", math.Inf(1), ""},                              // out of range: Inf, as Java reads it
		{"double", "abc", nil, "not a number"},                            // garbage
		{"real", "1.1", float64(float32(1.1)), ""},                        // a float32, widened as DuckDB does
		{"float", "0.5", 0.5, ""},                                         // Hive's name for real
		{"decimal(10,3)", "123.450", 123.45, ""},                          // decimal with parameters
		{"decimal", "-0.001", -0.001, ""},                                 // bare decimal
		{"varchar", "héllo, 'world'", "héllo, 'world'", ""},               // text as it is
		{"varchar", "", "", ""},                                           // the empty string is not NULL
		{"char(3)", "ab ", "ab ", ""},                                     // char keeps its padding
		{"string", "x", "x", ""},                                          // Hive's name
		{"boolean", "true", true, ""},                                     // true
		{"boolean", "false", false, ""},                                   // false
		{"boolean", "1", nil, "not a boolean"},                            // no C truthiness
		{"array", "[1.5, 2.25]", []any{1.5, 2.25}, ""},                    // doubles
		{"array", "[]", []any{}, ""},                                      // empty
		{"array", "[1, -2, 3]", []any{int64(1), int64(-2), int64(3)}, ""}, // integers
		{"array", "[2.0, null, 1.0E-5]", []any{2.0, nil, 1e-5}, ""},       // nulls and exponents
		{"array", "[[1, 2], [], [3]]", []any{[]any{int64(1), int64(2)}, []any{}, []any{int64(3)}}, ""},                        // nested
		{"array", "[a, true, inf]", []any{"a", true, "inf"}, ""},                                                              // words stay strings
		{"array", "[{a=1, b=2}, {a=3, b=4}]", []any{"{a=1, b=2}", "{a=3, b=4}"}, ""},                                          // rows kept whole
		{"array(double)", "[NaN, Infinity]", []any{math.NaN(), math.Inf(1)}, ""},                                              // specials; parameterised name
		{"array", "[1.5, 2.25", nil, "not an array"},                                                                          // unterminated
		{"array", "1.5", nil, "not an array"},                                                                                 // no brackets
		{"array", "[1][2]", nil, "text after the array"},                                                                      // trailing text
		{"timestamp", "2025-01-02 03:04:05.006", time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC), ""},                           // millisecond precision
		{"timestamp(6)", "2025-01-02 03:04:05.000006", time.Date(2025, 1, 2, 3, 4, 5, 6e3, time.UTC), ""},                     // microseconds
		{"timestamp", "2025-01-02 03:04:05", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), ""},                                 // no fraction
		{"timestamp with time zone", "2025-01-02 03:04:05.006 UTC", time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC), ""},        // UTC
		{"timestamp(3) with time zone", "2025-01-02 03:04:05.000 Europe/Paris", time.Date(2025, 1, 2, 3, 4, 5, 0, paris), ""}, // a named zone
		{"timestamp with time zone", "2025-01-02 03:04:05.000 +01:00", time.Date(2025, 1, 2, 2, 4, 5, 0, time.UTC), ""},       // an offset
		{"timestamp", "yesterday", nil, "not a timestamp"},                                                                    // garbage
		{"timestamp with time zone", "2025-01-02 03:04:05 Mars/Olympus", nil, "zone"},                                         // unknown zone
		{"date", "2026-11-23", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), ""},                                             // a date is a time at midnight UTC
		{"date", "23/11/2026", nil, "not a date"},                                                                             // other layouts refused
		{"map", "{a=1}", "{a=1}", ""},                                                                                         // other types stay text
		{"row", "{x=1, y=2}", "{x=1, y=2}", ""},                                                                               // other types stay text
		{"json", `{"a":1}`, `{"a":1}`, ""},                                                                                    // other types stay text
	}
	for _, tt := range tests {
		got, err := parseValue(tt.typ, tt.in)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseValue(%s, %q) = %#v, %v; want an error with %q", tt.typ, tt.in, got, err, tt.err)
			}
		case err != nil:
			t.Errorf("parseValue(%s, %q): %v", tt.typ, tt.in, err)
		case !same(got, tt.want):
			t.Errorf("parseValue(%s, %q) = %#v (%T), want %#v (%T)", tt.typ, tt.in, got, got, tt.want, tt.want)
		}
	}
}

// same is reflect.DeepEqual with NaN equal to NaN and times compared as
// instants.
func same(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.IsNaN(x) && math.IsNaN(y))
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !same(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}
