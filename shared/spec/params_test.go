package spec

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// paramsDoc is a spec of the given target and workload sections.
func paramsDoc(target, workload string) string {
	return `{"name":"p","target":` + target + `,"workload":` + workload + `,"load":{"levels":[1],"requests":1}}`
}

const (
	openaiTarget = `{"kind":"openai","url":"http://h/v1","model":"m"}`
	chatTarget   = `{"kind":"sagemaker","endpoint":"e","format":"chat"}`
	lmiTarget    = `{"kind":"sagemaker","endpoint":"e","format":"lmi"}`
	tgiTarget    = `{"kind":"sagemaker","endpoint":"e","format":"tgi"}`
)

// TestGenerationDefaults: temperature 0 unless set; nothing else set
// unless given; the deprecated target.ignore_eos moved to the workload;
// extra_body compacted, and null taken as absent.
func TestGenerationDefaults(t *testing.T) {
	s, err := Parse(strings.NewReader(paramsDoc(openaiTarget, `{}`)))
	if err != nil {
		t.Fatal(err)
	}
	w := s.Workload
	if w.Temperature == nil || *w.Temperature != 0 || w.TopP != nil || w.MinTokens != nil || w.IgnoreEOS || w.Stop != nil || w.ExtraBody != nil {
		t.Errorf("defaults: temperature %v top_p %v min_tokens %v ignore_eos %v stop %v extra_body %s",
			w.Temperature, w.TopP, w.MinTokens, w.IgnoreEOS, w.Stop, w.ExtraBody)
	}

	s, err = Parse(strings.NewReader(paramsDoc(`{"kind":"openai","url":"http://h/v1","model":"m","ignore_eos":true}`,
		`{"temperature":0.5,"extra_body":{ "seed" : 7,
		  "top_k": 20 }}`)))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Workload.IgnoreEOS || s.Target.IgnoreEOS {
		t.Errorf("target.ignore_eos not moved: workload %v target %v", s.Workload.IgnoreEOS, s.Target.IgnoreEOS)
	}
	if *s.Workload.Temperature != 0.5 || string(s.Workload.ExtraBody) != `{"seed":7,"top_k":20}` {
		t.Errorf("temperature %v extra_body %s", *s.Workload.Temperature, s.Workload.ExtraBody)
	}
	// The spec as stored (spec.json) says where ignore_eos now is.
	b, _ := json.Marshal(s)
	var stored struct{ Target, Workload map[string]any }
	if err := json.Unmarshal(b, &stored); err != nil || stored.Target["ignore_eos"] != nil || stored.Workload["ignore_eos"] != true {
		t.Errorf("stored spec (%v): %s", err, b)
	}

	s, err = Parse(strings.NewReader(paramsDoc(openaiTarget, `{"extra_body":null}`)))
	if err != nil || s.Workload.ExtraBody != nil {
		t.Errorf("extra_body null: %v %s", err, s.Workload.ExtraBody)
	}
}

// TestGenerationProblems: every refused parameter names its path and
// why, on the targets that refuse it.
func TestGenerationProblems(t *testing.T) {
	tests := []struct {
		name     string
		target   string
		workload string
		want     []string // each must appear in the error
	}{
		// Ranges.
		{"negative temperature", openaiTarget, `{"temperature":-0.1}`, []string{"workload.temperature: must be >= 0, got -0.1"}},
		{"top_p zero", openaiTarget, `{"temperature":1,"top_p":0}`, []string{"workload.top_p: must be > 0 and <= 1, got 0"}},
		{"top_p above one", openaiTarget, `{"temperature":1,"top_p":1.5}`, []string{"workload.top_p: must be > 0 and <= 1, got 1.5"}},
		// top_p means nothing to greedy decoding (the default temperature).
		{"top_p greedy", openaiTarget, `{"top_p":0.9}`, []string{"workload.top_p: has no effect at workload.temperature 0"}},
		{"negative min_tokens", openaiTarget, `{"min_tokens":-1}`, []string{"workload.min_tokens: must be >= 0, got -1"}},
		{"min_tokens above output", openaiTarget, `{"output_tokens":32,"min_tokens":33}`, []string{"workload.min_tokens: must be <= workload.output_tokens (at most 32), got 33"}},
		// The default output_tokens bounds it too.
		{"min_tokens above default", openaiTarget, `{"min_tokens":65}`, []string{"workload.min_tokens: must be <= workload.output_tokens (at most 64), got 65"}},
		{"five stops", openaiTarget, `{"stop":["a","b","c","d","e"]}`, []string{"workload.stop: must have at most 4 sequences"}},
		{"empty stop", openaiTarget, `{"stop":["a",""]}`, []string{"workload.stop[1]: must not be empty"}},
		{"wrong stop type", openaiTarget, `{"stop":"a"}`, []string{"workload.stop: must be []string"}},
		// extra_body: an object, and not what llmbench sets, by schema.
		{"extra_body array", openaiTarget, `{"extra_body":[1]}`, []string{"workload.extra_body: must be a JSON object"}},
		{"extra_body string", openaiTarget, `{"extra_body":"seed=1"}`, []string{"workload.extra_body: must be a JSON object"}},
		{"extra_body repeats", openaiTarget, `{"extra_body":{"seed":1,"seed":2}}`, []string{"workload.extra_body.seed: repeats a key"}},
		{"extra_body openai owned", openaiTarget,
			`{"extra_body":{"model":"x","messages":[],"prompt":"p","stream":false,"stream_options":{},"max_tokens":9,"max_completion_tokens":9}}`,
			[]string{"workload.extra_body.model: is set by llmbench (target.model)", "workload.extra_body.messages: is set by llmbench (the prompt)",
				"workload.extra_body.prompt: is set by llmbench", "workload.extra_body.stream: is set by llmbench (workload.stream)",
				"workload.extra_body.stream_options: is set by llmbench", "workload.extra_body.max_tokens: is set by llmbench (workload.output_tokens)",
				"workload.extra_body.max_completion_tokens: would override max_tokens"}},
		{"extra_body openai fields", openaiTarget,
			`{"extra_body":{"temperature":1,"top_p":1,"min_tokens":1,"ignore_eos":true,"stop":["x"]}}`,
			[]string{"workload.extra_body.temperature: use workload.temperature", "workload.extra_body.top_p: use workload.top_p",
				"workload.extra_body.min_tokens: use workload.min_tokens", "workload.extra_body.ignore_eos: use workload.ignore_eos",
				"workload.extra_body.stop: use workload.stop"}},
		// sim and sagemaker chat take the OpenAI schema too.
		{"extra_body sim", `{"kind":"sim"}`, `{"extra_body":{"max_tokens":9}}`, []string{"workload.extra_body.max_tokens: is set by llmbench"}},
		{"extra_body sagemaker chat", chatTarget, `{"extra_body":{"stream_options":{}}}`, []string{"workload.extra_body.stream_options: is set by llmbench"}},
		// LMI: into "parameters", where its own names (and vLLM's, which it
		// passes on) are taken.
		{"extra_body lmi", lmiTarget,
			`{"extra_body":{"max_new_tokens":9,"max_tokens":9,"do_sample":true,"ignore_eos_token":true,"stop_sequences":["x"],"stream":true,"prompt":"p"}}`,
			[]string{"workload.extra_body.max_new_tokens: is set by llmbench (workload.output_tokens)", "workload.extra_body.max_tokens: would override max_new_tokens",
				"workload.extra_body.do_sample: is set by llmbench with a temperature > 0", "workload.extra_body.ignore_eos_token: use workload.ignore_eos",
				"workload.extra_body.stop_sequences: use workload.stop", "workload.extra_body.stream: would override", "workload.extra_body.prompt: would override"}},
		// TGI: what it has no parameter for, and extra members it would
		// ignore.
		{"tgi min_tokens", tgiTarget, `{"min_tokens":4}`, []string{"workload.min_tokens: format tgi cannot carry it: TGI's generate parameters have no minimum output length"}},
		{"tgi ignore_eos", tgiTarget, `{"ignore_eos":true}`, []string{"workload.ignore_eos: format tgi cannot carry it"}},
		// The deprecated alias is refused where it lands.
		{"tgi target.ignore_eos", `{"kind":"sagemaker","endpoint":"e","format":"tgi","ignore_eos":true}`, `{}`,
			[]string{"workload.ignore_eos: format tgi cannot carry it: TGI's generate parameters have no ignore_eos (the deprecated target.ignore_eos lands here too)"}},
		{"extra_body tgi", tgiTarget, `{"extra_body":{"details":false,"max_new_tokens":1,"do_sample":true,"min_tokens":3,"min_p":0.1}}`,
			[]string{"workload.extra_body.details: is set by llmbench", "workload.extra_body.max_new_tokens: is set by llmbench",
				"workload.extra_body.do_sample: is set by llmbench", "workload.extra_body.min_tokens: is not a TGI generate parameter",
				"workload.extra_body.min_p: is not a TGI generate parameter, and TGI ignores unknown ones"}},
		// SageMaker targets drop headers, captured headers and header auth:
		// refused.
		{"sagemaker headers", `{"kind":"sagemaker","endpoint":"e","headers":{"X-Tenant":"a"}}`, `{}`,
			[]string{`target.headers: is not supported by kind "sagemaker"`}},
		{"sagemaker capture_headers", `{"kind":"sagemaker","endpoint":"e","capture_headers":["X-Backend"]}`, `{}`,
			[]string{`target.capture_headers: is not supported by kind "sagemaker"`}},
		{"sagemaker auth", `{"kind":"sagemaker","endpoint":"e","auth":{"header":"Authorization","scheme":"Bearer","secret":"env:K"}}`, `{}`,
			[]string{`target.auth: is not used by kind "sagemaker": the AWS SDK signs every call`}},
		{"sagemaker sigv4", `{"kind":"sagemaker","endpoint":"e","auth":{"sigv4":{"service":"sagemaker","region":"us-east-1"}}}`, `{}`,
			[]string{`target.auth.sigv4: is only for kind "openai"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(paramsDoc(tc.target, tc.workload)))
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
		})
	}
}

// TestGenerationAccepted: what each target can carry passes validation.
func TestGenerationAccepted(t *testing.T) {
	const all = `{"temperature":0.7,"top_p":0.9,"min_tokens":64,"ignore_eos":true,"stop":["a","b","c","d"],"extra_body":{"seed":1,"top_k":20}}`
	tests := []struct {
		name     string
		target   string
		workload string
	}{
		{"openai all", openaiTarget, all},
		{"sim all", `{"kind":"sim"}`, all},
		{"sagemaker chat all", chatTarget, all},
		{"sagemaker lmi all", lmiTarget, all},
		// TGI: its own parameters, and top_p 1 (sent as none).
		{"sagemaker tgi", tgiTarget, `{"temperature":1,"top_p":1,"stop":["</s>"],"extra_body":{"seed":1,"top_k":20,"repetition_penalty":1.1}}`},
		// Greedy with top_p 1: nothing to refuse.
		{"greedy top_p 1", openaiTarget, `{"top_p":1}`},
		// An empty extra_body, and min_tokens 0.
		{"empty", openaiTarget, `{"min_tokens":0,"extra_body":{}}`},
		// SageMaker without headers, auth or capture_headers.
		{"sagemaker plain", `{"kind":"sagemaker","endpoint":"e","region":"us-east-1","model":"m"}`, `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse(strings.NewReader(paramsDoc(tc.target, tc.workload))); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestSageMakerModelRefused: a model name in a format whose payload has no
// model field would be dropped: it is refused, with the reason.
func TestSageMakerModelRefused(t *testing.T) {
	for _, c := range []struct {
		format string
		ok     bool
	}{{"chat", true}, {"lmi", false}, {"tgi", false}} {
		_, err := Parse(strings.NewReader(`{"name":"sm","target":{"kind":"sagemaker","endpoint":"e","format":"` + c.format + `","model":"m"},"load":{"levels":[1],"requests":1}}`))
		if c.ok != (err == nil) || !c.ok && !strings.Contains(err.Error(), `target.model: is not sent in format "`+c.format+`"`) {
			t.Errorf("format %s: err = %v", c.format, err)
		}
	}
}
