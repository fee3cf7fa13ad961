package spec

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const good = `{"name":"t","target":{"kind":"openai","url":"http://127.0.0.1:8000/v1","model":"m",
 "auth":{"header":"Authorization","scheme":"Bearer","secret":"env:API_KEY"}},
 "load":{"levels":[6,12],"duration":"10s"}}`

func TestParseDefaults(t *testing.T) {
	s, err := Parse(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"api", s.Target.API, "chat"},
		{"input tokens", s.Workload.InputTokens, DefaultInputTokens},
		{"output tokens", s.Workload.OutputTokens, DefaultOutputTokens},
		{"stream", s.Workload.Streaming(), true},
		{"timeout", s.Load.RequestTimeout, Duration(DefaultRequestTimeout)},
		{"slice", s.Load.SliceConcurrency, DefaultSliceConcurrency},
		{"instances", s.Pricing.Instances, 1},
		{"output", s.Output, DefaultOutput},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseSimDefaults(t *testing.T) {
	s, err := Parse(strings.NewReader(`{"name":"s","target":{"kind":"sim"},"load":{"levels":[1],"requests":5}}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Target.Profile != DefaultSimProfile || s.Platform != "sim" || s.Target.Model != "sim-"+DefaultSimProfile {
		t.Errorf("sim defaults not applied: %+v platform %q", s.Target, s.Platform)
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // each must appear in the error
	}{
		{
			// several independent mistakes are all reported at once, each with its path
			name: "many problems",
			doc: `{"name":"","target":{"kind":"openai","url":"ftp://x","api":"chat2"},
			  "workload":{"input_tokens":-1},
			  "load":{"levels":[6,12,0,12],"duration":"ten","request_timeout":"0s","slice_concurrency":-2},
			  "pricing":{"usd_per_hour":-1}}`,
			want: []string{"name: is required", "target.url: must be an http", "target.model: is required",
				"target.api: must be chat or completions", "workload.input_tokens: must be between",
				"load.levels[2]: must be > 0", "load.levels[3]: repeats level 12", "load.duration: must be a duration",
				"load.request_timeout: must be > 0", "load.slice_concurrency", "pricing.usd_per_hour"},
		},
		{
			// no way to end a level
			name: "no duration nor requests",
			doc:  `{"name":"x","target":{"kind":"sim"},"load":{"levels":[1]}}`,
			want: []string{"load: needs duration or requests"},
		},
		{
			// a pasted key is refused and not echoed back
			name: "secret value instead of reference",
			doc:  `{"name":"x","target":{"kind":"openai","url":"http://h/v1","model":"m","auth":{"header":"api-key","secret":"sk-live-123"}},"load":{"levels":[1],"requests":1}}`,
			want: []string{"target.auth.secret: must be a reference"},
		},
		{
			// credentials in plain headers are refused
			name: "secret in headers",
			doc:  `{"name":"x","target":{"kind":"openai","url":"http://h/v1","model":"m","headers":{"Authorization":"Bearer x"}},"load":{"levels":[1],"requests":1}}`,
			want: []string{"target.headers.Authorization: looks like a credential"},
		},
		{
			// a misspelt field is not silently ignored
			name: "unknown field",
			doc:  `{"name":"x","target":{"kind":"sim"},"load":{"levels":[1],"requests":1,"duraton":"5s"}}`,
			want: []string{`unknown field "duraton"`},
		},
		{
			// wrong JSON type names the field
			name: "type error",
			doc:  `{"name":"x","target":{"kind":"sim"},"load":{"levels":"6"}}`,
			want: []string{"load.levels: must be []int"},
		},
		{
			// unsupported kind
			name: "bad kind",
			doc:  `{"name":"x","target":{"kind":"grpc"},"load":{"levels":[1],"requests":1}}`,
			want: []string{`target.kind: must be one of openai, sagemaker, sim; got "grpc"`},
		},
		{
			// an empty file
			name: "empty",
			doc:  ``,
			want: []string{"empty document"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.doc))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "sk-live-123") {
				t.Errorf("error echoes the secret value: %v", err)
			}
		})
	}
}

func TestSecretResolve(t *testing.T) {
	env := map[string]string{"API_KEY": "s3cr3t"}
	getenv := func(k string) string { return env[k] }
	v, err := Secret("env:API_KEY").Resolve(context.Background(), getenv)
	if err != nil || v != "s3cr3t" {
		t.Fatalf("Resolve = %q, %v", v, err)
	}
	_, err = Secret("env:MISSING").Resolve(context.Background(), getenv)
	if !errors.Is(err, ErrSecretMissing) || !strings.Contains(err.Error(), "env:MISSING") {
		t.Fatalf("missing secret error = %v", err)
	}
}
