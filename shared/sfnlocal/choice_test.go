package sfnlocal

import (
	"context"
	"testing"
	"time"
)

// choiceDef routes to Yes when the rule matches, else to No.
func choiceDef(rule string) string {
	return `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[` + rule[:len(rule)-1] + `,"Next":"Yes"}],"Default":"No"},
		"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`
}

func TestChoiceRules(t *testing.T) {
	in := `{"s":"abc","n":5,"f":2.5,"b":true,"t":"2026-01-02T03:04:05Z","z":null,"star":"a*b","other":7,"arr":[1,2],"ts2":"2026-01-02T03:04:06Z"}`
	tests := []struct {
		rule string
		want bool
	}{
		{`{"Variable":"$.s","StringEquals":"abc"}`, true},                                                // string equality
		{`{"Variable":"$.s","StringLessThan":"abd"}`, true},                                              // lexical order
		{`{"Variable":"$.s","StringGreaterThanEquals":"abc"}`, true},                                     // equal counts
		{`{"Variable":"$.s","StringMatches":"a*"}`, true},                                                // wildcard
		{`{"Variable":"$.s","StringMatches":"*d"}`, false},                                               // wildcard miss
		{`{"Variable":"$.star","StringMatches":"a\\*b"}`, true},                                          // escaped star is literal
		{`{"Variable":"$.s","StringMatches":"a\\*c"}`, false},                                            // escaped star is not a wildcard
		{`{"Variable":"$.n","NumericEquals":5}`, true},                                                   // integer equality
		{`{"Variable":"$.f","NumericGreaterThan":2}`, true},                                              // float vs int
		{`{"Variable":"$.n","NumericLessThanEquals":4.5}`, false},                                        // float operand
		{`{"Variable":"$.n","NumericEqualsPath":"$.other"}`, false},                                      // Path variant
		{`{"Variable":"$.n","NumericLessThanPath":"$.other"}`, true},                                     // Path variant
		{`{"Variable":"$.s","NumericEquals":5}`, false},                                                  // type mismatch is false
		{`{"Variable":"$.b","BooleanEquals":true}`, true},                                                // boolean
		{`{"Variable":"$.t","TimestampEquals":"2026-01-02T03:04:05Z"}`, true},                            // timestamp
		{`{"Variable":"$.t","TimestampLessThanPath":"$.ts2"}`, true},                                     // timestamp path
		{`{"Variable":"$.s","TimestampEquals":"2026-01-02T03:04:05Z"}`, false},                           // not a timestamp
		{`{"Variable":"$.z","IsNull":true}`, true},                                                       // null
		{`{"Variable":"$.missing","IsPresent":false}`, true},                                             // IsPresent on a missing path
		{`{"Variable":"$.s","IsPresent":true}`, true},                                                    // present
		{`{"Variable":"$.n","IsNumeric":true}`, true},                                                    // numeric
		{`{"Variable":"$.s","IsString":true}`, true},                                                     // string
		{`{"Variable":"$.b","IsBoolean":false}`, false},                                                  // boolean negated
		{`{"Variable":"$.t","IsTimestamp":true}`, true},                                                  // timestamp type
		{`{"Variable":"$.arr[5]","IsPresent":true}`, false},                                              // index out of range
		{`{"Variable":"$$.State.Name","StringEquals":"C"}`, true},                                        // context variable
		{`{"And":[{"Variable":"$.n","NumericEquals":5},{"Variable":"$.b","BooleanEquals":true}]}`, true}, // And
		{`{"Or":[{"Variable":"$.n","NumericEquals":6},{"Variable":"$.s","StringEquals":"abc"}]}`, true},  // Or
		{`{"Not":{"Variable":"$.n","NumericEquals":5}}`, false},                                          // Not
		{`{"Or":[{"Variable":"$.s","IsString":true},{"Variable":"$.missing","IsNull":true}]}`, true},     // Or short-circuits past a missing path
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			got, err := run(t, choiceDef(tc.rule), Options{}, in)
			if err != nil {
				t.Fatal(err)
			}
			want := `"no"`
			if tc.want {
				want = `"yes"`
			}
			jsonEq(t, got, want)
		})
	}
}

// TestWaitForms: each Wait form sleeps through the Clock.
func TestWaitForms(t *testing.T) {
	tests := []struct {
		fields, input string
		want          time.Duration
	}{
		{`"Seconds":10`, `{}`, 10 * time.Second},                                    // literal seconds
		{`"SecondsPath":"$.s"`, `{"s":3}`, 3 * time.Second},                         // from the input
		{`"Timestamp":"2026-11-23T06:20:36Z"`, `{}`, 2 * time.Minute},               // until a time (clock starts 06:18:36)
		{`"TimestampPath":"$.t"`, `{"t":"2026-11-23T06:18:46Z"}`, 10 * time.Second}, // until a time from the input
		{`"Timestamp":"2020-01-01T00:00:00Z"`, `{}`, 0},                             // past: no wait
	}
	for _, tc := range tests {
		t.Run(tc.fields, func(t *testing.T) {
			clock := newFakeClock()
			m := mustLoad(t, machine1(`{"Type":"Wait",`+tc.fields+`,"End":true}`), Options{Clock: clock})
			out, err := m.Execute(context.Background(), "w", []byte(tc.input))
			if err != nil {
				t.Fatal(err)
			}
			jsonEq(t, string(out), tc.input)
			var total time.Duration
			for _, d := range clock.slept() {
				total += d
			}
			if total != tc.want {
				t.Fatalf("slept %v, want %v", total, tc.want)
			}
		})
	}
}

// TestBracketNames: dot-notation names ojg stops at become brackets.
func TestBracketNames(t *testing.T) {
	tests := []struct{ in, want string }{
		{"$.delivery-partner", "$['delivery-partner']"}, // a dash
		{"$.a.b-c[0].d", "$.a['b-c'][0].d"},             // in the middle
		{"$['x-y'].z", "$['x-y'].z"},                    // brackets untouched
		{"$.a[?(@.b-c > 1)]", "$.a[?(@.b-c > 1)]"},      // filters untouched
		{"$..name", "$..name"},                          // descent
	}
	for _, tc := range tests {
		if got := bracketNames(tc.in); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.in, got, tc.want)
		}
	}
}
