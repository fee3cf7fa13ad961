package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/lengths"
)

// decodeLength decodes doc, a JSON value, as workload.input_tokens of a
// spec, the way Parse decodes (unknown fields disallowed).
func decodeLength(t *testing.T, doc string) (Length, error) {
	t.Helper()
	var s struct {
		Workload struct {
			InputTokens Length `json:"input_tokens"`
		} `json:"workload"`
	}
	dec := json.NewDecoder(strings.NewReader(`{"workload":{"input_tokens":` + doc + `}}`))
	dec.DisallowUnknownFields()
	err := dec.Decode(&s)
	return s.Workload.InputTokens, err
}

func TestLengthForms(t *testing.T) {
	tests := []struct {
		doc  string
		want Length
	}{
		{`512`, FixedLength(512)},    // a fixed length, as before
		{`512.0`, FixedLength(512)},  // a whole number however written
		{`5.12e2`, FixedLength(512)}, //
		{`null`, Length{}},           // absent: the default applies
		{` { "dist" : "uniform", "min": 16, "max": 2048 } `, Length{Kind: lengths.Uniform, Min: 16, Max: 2048}},
		{`{"dist":"normal","mean":512,"stddev":128,"min":16,"max":2048}`, Length{Kind: lengths.Normal, Mean: 512, Stddev: 128, Min: 16, Max: 2048}},
		{`{"dist":"lognormal","mean":300.5,"stddev":0.5,"min":16.0,"max":null}`, Length{Kind: lengths.Lognormal, Mean: 300.5, Stddev: 0.5, Min: 16}},
		// decoded as given: the values are Validate's to judge
		{`{"dist":"gamma","mean":-1,"min":-5}`, Length{Kind: "gamma", Mean: -1, Min: -5}},
		{`-3`, FixedLength(-3)},
	}
	for _, tt := range tests {
		got, err := decodeLength(t, tt.doc)
		if err != nil || got != tt.want {
			t.Errorf("decode %s = %+v, %v; want %+v", tt.doc, got, err, tt.want)
		}
	}
}

func TestLengthBadForms(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		field string // the path of a *json.UnmarshalTypeError, or "" for another error
		want  string // in the error
	}{
		// a string is not a number, whatever it says
		{"string", `"512"`, "workload.input_tokens", "cannot unmarshal string"},
		{"fraction", `512.5`, "workload.input_tokens", "cannot unmarshal number 512.5"},
		{"huge", `1e300`, "workload.input_tokens", "cannot unmarshal number 1e300"},
		{"bool", `true`, "workload.input_tokens", "cannot unmarshal bool"},
		{"array", `[512]`, "workload.input_tokens", "cannot unmarshal array"},
		// the keys of the object, each with its own path
		{"dist not a string", `{"dist":5}`, "workload.input_tokens.dist", "cannot unmarshal number"},
		{"mean a string", `{"dist":"normal","mean":"512"}`, "workload.input_tokens.mean", "cannot unmarshal string"},
		{"min a fraction", `{"dist":"normal","mean":512,"min":16.5}`, "workload.input_tokens.min", "cannot unmarshal number 16.5"},
		{"max a string", `{"dist":"uniform","min":1,"max":"9"}`, "workload.input_tokens.max", "cannot unmarshal string"},
		// the decoder gives other errors no path: they quote the object instead
		{"unknown key", `{"dist":"normal","meen":512,"stddev":128}`, "",
			`spec: token length {"dist":"normal","meen":512,"stddev":128}: unknown key "meen" (want dist, mean, stddev, min, max)`},
		{"keys differing in case", `{"Dist":"normal","MEAN":512}`, "", `unknown key "Dist", "MEAN"`},
		{"missing dist", `{"mean":512,"stddev":128}`, "",
			`spec: token length {"mean":512,"stddev":128}: "dist" is required: uniform, normal or lognormal (a fixed length is a bare number)`},
		{"null dist", `{"dist":null,"mean":512}`, "", `"dist" is required`},
		{"long object", `{"mean":512,"stddev":128,"min":16,"max":2048,"dist":null,"and":"a","very":"long","tail":1}`, "",
			`spec: token length {"mean":512,"stddev":128,"min":16,"max":2048,"dist":null,"and":"a","very":"lo...: unknown key "and", "tail", "very"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeLength(t, tt.doc)
			if err == nil {
				t.Fatalf("decode %s: no error", tt.doc)
			}
			var te *json.UnmarshalTypeError
			if isType := errors.As(err, &te); isType != (tt.field != "") || isType && te.Field != tt.field {
				t.Errorf("decode %s: error %#v, want a type error at %q", tt.doc, err, tt.field)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("decode %s: error %q, want it to contain %q", tt.doc, err, tt.want)
			}
		})
	}
}

// TestLengthRoundTrip: a length is written back in the form it was read
// in, a number for a fixed length.
func TestLengthRoundTrip(t *testing.T) {
	for _, doc := range []string{
		`512`,
		`{"dist":"uniform","min":16,"max":2048}`,
		`{"dist":"normal","mean":512,"stddev":128}`,
		`{"dist":"lognormal","mean":512.5,"stddev":128,"min":16,"max":4096}`,
		`{"dist":"normal","mean":512,"max":600}`,
	} {
		var l Length
		if err := json.Unmarshal([]byte(doc), &l); err != nil {
			t.Fatalf("decode %s: %v", doc, err)
		}
		out, err := json.Marshal(l)
		if err != nil || string(out) != doc {
			t.Errorf("decode then encode %s = %s, %v", doc, out, err)
		}
		var again Length
		if err := json.Unmarshal(out, &again); err != nil || again != l {
			t.Errorf("decode %s again = %+v, %v; want %+v", out, again, err, l)
		}
	}
	// inside a spec: a default-filled fixed length is still a bare number
	b, _ := json.Marshal(struct {
		In  Length `json:"input_tokens,omitzero"`
		Out Length `json:"output_tokens,omitzero"`
	}{In: FixedLength(DefaultInputTokens)})
	if want := `{"input_tokens":256}`; string(b) != want {
		t.Errorf("encode = %s, want %s (the zero length omitted)", b, want)
	}
}

func TestLengthValidate(t *testing.T) {
	const path = "workload.input_tokens"
	tests := []struct {
		name string
		l    Length
		want []string
	}{
		{"fixed", FixedLength(512), nil},
		{"normal", Length{Kind: lengths.Normal, Mean: 512, Stddev: 128, Min: 16, Max: 4096}, nil},
		{"uniform", Length{Kind: lengths.Uniform, Min: 16, Max: 2048}, nil},
		// the message of the int field it replaces
		{"fixed zero", FixedLength(0), []string{"workload.input_tokens: must be between 1 and 1000000, got 0"}},
		{"min > max", Length{Kind: lengths.Uniform, Min: 600, Max: 500}, []string{"workload.input_tokens: min 600 is greater than max 500"}},
		{"stddev < 0", Length{Kind: lengths.Normal, Mean: 512, Stddev: -1}, []string{"workload.input_tokens.stddev: must be a finite number >= 0 (of the token count), got -1"}},
		{"unknown dist", Length{Kind: "gamma", Mean: 512}, []string{`workload.input_tokens.dist: must be uniform, normal or lognormal, got "gamma"`}},
		{"mean 0", Length{Kind: lengths.Lognormal, Stddev: 1}, []string{"workload.input_tokens.mean: must be a finite number > 0 (the mean token count), got 0"}},
		{"mean < 0", Length{Kind: lengths.Normal, Mean: -512, Stddev: 1}, []string{"workload.input_tokens.mean: must be a finite number > 0 (the mean token count), got -512"}},
		{"uniform with mean", Length{Kind: lengths.Uniform, Mean: 512, Min: 1, Max: 9}, []string{`workload.input_tokens.mean: is not for dist "uniform", which draws every count from min to max alike; got 512`}},
		{"far tail", Length{Kind: lengths.Normal, Mean: 512, Stddev: 128, Min: 2000}, []string{
			"workload.input_tokens: min 2000 and max 1000000 keep practically none of this normal distribution (mean 512, stddev 128), less than 1%: " +
				"nearly every draw would be redrawn and the lengths would not average 512; widen min and max or move the mean"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.l.Validate(path)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Validate:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestLengthAccessors(t *testing.T) {
	l := Length{Kind: lengths.Uniform, Min: 16, Max: 2048}
	if d := l.Dist(); d != (lengths.Dist{Kind: lengths.Uniform, Min: 16, Max: 2048}) {
		t.Errorf("Dist() = %+v", d)
	}
	if got := l.Expected(); got != 1032 {
		t.Errorf("Expected() = %v, want 1032", got)
	}
	if got := l.String(); got != "uniform 16..2048" {
		t.Errorf("String() = %q", got)
	}
	if !(Length{}).IsZero() || FixedLength(1).IsZero() || (Length{Kind: lengths.Normal}).IsZero() {
		t.Error("IsZero is true only for the zero Length")
	}
	// MarshalJSON keeps the number form for every Length without a dist
	if b, _ := json.Marshal(Length{}); !bytes.Equal(b, []byte("0")) {
		t.Errorf("encode zero = %s, want 0", b)
	}
}
