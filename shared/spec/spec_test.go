package spec

import (
	"bytes"
	"encoding/json"
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
		{"input tokens", s.Workload.InputTokens, FixedLength(DefaultInputTokens)},
		{"output tokens", s.Workload.OutputTokens, FixedLength(DefaultOutputTokens)},
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
		not  []string // none may
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
			// an unknown error policy names the two it accepts
			name: "bad on_error",
			doc:  `{"name":"x","target":{"kind":"sim"},"load":{"levels":[1],"requests":1,"on_error":"retry"}}`,
			want: []string{`load.on_error: must be "backoff" or "immediate", got "retry"`},
		},
		{
			// a negative timeout is one problem, reported once
			name: "negative timeout",
			doc:  `{"name":"x","target":{"kind":"sim"},"load":{"levels":[1],"requests":1,"request_timeout":"-1s"}}`,
			want: []string{`load.request_timeout: must be >= 0, got "-1s"`},
			not:  []string{"must be > 0"},
		},
		{
			// a file cut short says so
			name: "truncated",
			doc:  `{"name":"x","target":{"kind":"sim"},"load":{"levels":[1]`,
			want: []string{"truncated JSON"},
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
			for _, n := range tc.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("error has %q:\n%v", n, err)
				}
			}
			if strings.Contains(err.Error(), "sk-live-123") {
				t.Errorf("error echoes the secret value: %v", err)
			}
		})
	}
}

func TestSecretForms(t *testing.T) {
	const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:llmbench/azure-key-AbC123"
	tests := []struct {
		ref                    Secret
		ok                     bool   // check passes
		env                    string // Env()'s name, if an env reference
		smARN, region, jsonKey string // SecretsManager()'s parts, if an ARN
		wantInErr, notInErr    string // for refused references
	}{
		// an environment variable
		{ref: "env:API_KEY", ok: true, env: "API_KEY"},
		// a whole Secrets Manager secret
		{ref: arn, ok: true, smARN: arn, region: "us-east-1"},
		// one key of a JSON secret
		{ref: arn + "#api_key", ok: true, smARN: arn, region: "us-east-1", jsonKey: "api_key"},
		// another partition and region
		{ref: "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:k-abcdef", ok: true,
			smARN: "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:k-abcdef", region: "us-gov-west-1"},
		// a partial ARN, without the 6-character suffix, could match another secret
		{ref: "arn:aws:secretsmanager:us-east-1:123456789012:secret:key", wantInErr: "full Secrets Manager ARN"},
		// an ARN of another service
		{ref: "arn:aws:ssm:us-east-1:123456789012:parameter/key-abcdef", wantInErr: "full Secrets Manager ARN"},
		// an empty JSON key
		{ref: arn + "#", wantInErr: "full Secrets Manager ARN"},
		// an env reference without a usable name
		{ref: "env:1BAD", wantInErr: "variable name"},
		// a pasted value is refused without being echoed
		{ref: "sk-live-abcdef123456", wantInErr: "never the secret itself", notInErr: "sk-live-abcdef123456"},
		// nothing at all
		{ref: "", wantInErr: "is required"},
	}
	for _, tc := range tests {
		err := tc.ref.check()
		if (err == nil) != tc.ok {
			t.Errorf("%q: check() = %v, want ok %v", tc.ref, err, tc.ok)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), tc.wantInErr) || tc.notInErr != "" && strings.Contains(err.Error(), tc.notInErr) {
				t.Errorf("%q: error %q, want %q and not %q", tc.ref, err, tc.wantInErr, tc.notInErr)
			}
			continue
		}
		if name, _ := tc.ref.Env(); name != tc.env {
			t.Errorf("%q: Env() = %q, want %q", tc.ref, name, tc.env)
		}
		a, r, k, _ := tc.ref.SecretsManager()
		if a != tc.smARN || r != tc.region || k != tc.jsonKey {
			t.Errorf("%q: SecretsManager() = %q %q %q, want %q %q %q", tc.ref, a, r, k, tc.smARN, tc.region, tc.jsonKey)
		}
	}
}

func TestAuthValidation(t *testing.T) {
	doc := func(target string) string {
		return `{"name":"x","target":{"kind":"openai","url":"https://abc.execute-api.us-east-1.amazonaws.com/prod","model":"m",` +
			target + `},"load":{"levels":[1],"requests":1}}`
	}
	tests := []struct {
		name string
		doc  string
		want []string // each must appear in the error; none: the spec is valid
	}{
		{
			// API Gateway with IAM auth: sigv4 alone
			name: "sigv4",
			doc:  doc(`"auth":{"sigv4":{"service":"execute-api","region":"us-east-1"}}`),
		},
		{
			// a Secrets Manager key in a header
			name: "secrets manager",
			doc:  doc(`"auth":{"header":"api-key","secret":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:azure-AbC123#key"}`),
		},
		{
			// sigv4 needs both its fields
			name: "sigv4 empty",
			doc:  doc(`"auth":{"sigv4":{}}`),
			want: []string{"target.auth.sigv4.service: is required", "target.auth.sigv4.region: is required"},
		},
		{
			// malformed service and region
			name: "sigv4 malformed",
			doc:  doc(`"auth":{"sigv4":{"service":"Execute API","region":"useast1"}}`),
			want: []string{"target.auth.sigv4.service: must be a signing name", "target.auth.sigv4.region: must be an AWS region"},
		},
		{
			// sigv4 and a header secret at once
			name: "sigv4 and secret",
			doc:  doc(`"auth":{"header":"api-key","secret":"env:K","sigv4":{"service":"execute-api","region":"us-east-1"}}`),
			want: []string{"target.auth: has sigv4 and header/scheme/secret"},
		},
		{
			// sigv4 only makes sense for an HTTP endpoint
			name: "sigv4 on sim",
			doc:  `{"name":"x","target":{"kind":"sim","auth":{"sigv4":{"service":"execute-api","region":"us-east-1"}}},"load":{"levels":[1],"requests":1}}`,
			want: []string{"target.auth.sigv4: is only for kind"},
		},
		{
			// a header auth without its header
			name: "no header",
			doc:  doc(`"auth":{"secret":"env:K"}`),
			want: []string{"target.auth.header: is required"},
		},
		{
			// captured headers: a bad name, a repeat (case-insensitive), a credential
			name: "capture headers",
			doc:  doc(`"capture_headers":["X-TTFT-MS","bad name","x-ttft-ms","Set-Cookie"]`),
			want: []string{"target.capture_headers[1]: must be a header name", "target.capture_headers[2]: repeats capture_headers[0]",
				"target.capture_headers[3]: Set-Cookie may carry a credential"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(tc.doc))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				// The spec as written out (the run records it) parses again.
				b, err := json.Marshal(s)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Parse(bytes.NewReader(b)); err != nil {
					t.Fatalf("re-parse of %s: %v", b, err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}
