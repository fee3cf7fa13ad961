package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

var (
	nameRE         = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	regionRE       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	sigv4ServiceRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
)

// Validate checks a spec with defaults applied and returns Problems listing
// every problem, or nil.
func (s *Spec) Validate() error {
	var p Problems
	add := func(path, format string, args ...any) {
		p = append(p, path+": "+fmt.Sprintf(format, args...))
	}

	if s.Name == "" {
		add("name", "is required")
	} else if !nameRE.MatchString(s.Name) {
		add("name", "must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}

	t := s.Target
	switch t.Kind {
	case KindOpenAI:
		if t.URL == "" {
			add("target.url", "is required for kind %q", t.Kind)
		} else if u, err := url.Parse(t.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("target.url", "must be an http:// or https:// URL, got %q", t.URL)
		} else if u.User != nil {
			add("target.url", "must not carry credentials; use target.auth with a secret reference")
		}
		if t.Model == "" {
			add("target.model", "is required for kind %q", t.Kind)
		}
	case KindSim:
		if t.URL != "" {
			add("target.url", "must be empty for kind %q (the simulated server is started in-process)", t.Kind)
		}
	case KindSageMaker:
		if t.Endpoint == "" {
			add("target.endpoint", "is required for kind %q", t.Kind)
		}
		if t.URL != "" {
			add("target.url", "must be empty for kind %q (the endpoint is reached through the SageMaker runtime API)", t.Kind)
		}
		switch t.Format {
		case SageMakerChat:
		case SageMakerLMI, SageMakerTGI:
			if t.Model != "" {
				add("target.model", "is not sent in format %q (its payload has no model field: the endpoint serves its own model); remove it, or use format %q", t.Format, SageMakerChat)
			}
		default:
			add("target.format", "must be %s, %s or %s, got %q", SageMakerChat, SageMakerLMI, SageMakerTGI, t.Format)
		}
	case "":
		add("target.kind", "is required: one of %s, %s, %s", KindOpenAI, KindSageMaker, KindSim)
	default:
		add("target.kind", "must be one of %s, %s, %s; got %q", KindOpenAI, KindSageMaker, KindSim, t.Kind)
	}
	if t.Profile != "" && t.Kind == KindOpenAI {
		add("target.profile", "simulates a server: only for kinds %s and %s", KindSim, KindSageMaker)
	}
	if t.API != "" && t.API != "chat" && t.API != "completions" {
		add("target.api", "must be chat or completions, got %q", t.API)
	}
	if a := t.Auth; a != nil && a.SigV4 != nil {
		if t.Kind != KindOpenAI {
			add("target.auth.sigv4", "is only for kind %q (an IAM-authorized HTTP endpoint such as API Gateway)", KindOpenAI)
		}
		if a.Header != "" || a.Scheme != "" || a.Secret != "" {
			add("target.auth", "has sigv4 and header/scheme/secret: choose one (sigv4 signs with the worker's AWS credentials)")
		}
		if a.SigV4.Service == "" {
			add("target.auth.sigv4.service", "is required: the signing name, e.g. execute-api for API Gateway")
		} else if !sigv4ServiceRE.MatchString(a.SigV4.Service) {
			add("target.auth.sigv4.service", "must be a signing name of lower-case letters, digits and '-' such as execute-api, got %q", a.SigV4.Service)
		}
		if a.SigV4.Region == "" {
			add("target.auth.sigv4.region", "is required: the endpoint's region, e.g. us-east-1")
		} else if !regionRE.MatchString(a.SigV4.Region) {
			add("target.auth.sigv4.region", "must be an AWS region such as us-east-1, got %q", a.SigV4.Region)
		}
	} else if a != nil && t.Kind == KindSageMaker {
		// The SDK signs every call with the worker's credentials; a header
		// secret would never be resolved nor sent.
		add("target.auth", "is not used by kind %q: the AWS SDK signs every call with the worker's credentials (SigV4); remove it", t.Kind)
	} else if a != nil {
		if a.Header == "" {
			add("target.auth.header", "is required (or sigv4)")
		} else if !ValidHeaderName(a.Header) {
			add("target.auth.header", "must be a header name, got %q", a.Header)
		}
		if err := a.Secret.check(); err != nil {
			add("target.auth.secret", "%v", err)
		}
	}
	if t.Kind == KindSageMaker {
		// The SageMaker target sends only the runtime API's own headers and
		// copies no response header into rows: refuse what it would drop.
		if len(t.Headers) > 0 {
			add("target.headers", "is not supported by kind %q: the SageMaker runtime API takes no request headers of the caller's, and the target sends none", t.Kind)
		}
		if len(t.CaptureHeaders) > 0 {
			add("target.capture_headers", "is not supported by kind %q: the target copies no response header into rows", t.Kind)
		}
	}
	for k := range t.Headers {
		if isSecretHeader(k) {
			add("target.headers."+k, "looks like a credential; put it in target.auth with a secret reference (env:NAME or a Secrets Manager ARN)")
		}
	}
	captured := map[string]int{}
	for i, h := range t.CaptureHeaders {
		path := fmt.Sprintf("target.capture_headers[%d]", i)
		canon := http.CanonicalHeaderKey(h)
		switch j, dup := captured[canon]; {
		case !ValidHeaderName(h):
			add(path, "must be a header name, got %q", h)
		case dup:
			add(path, "repeats capture_headers[%d] (%s)", j, h)
		case isSecretHeader(h) || canon == "Set-Cookie":
			add(path, "%s may carry a credential and would be stored in every row", h)
		}
		captured[canon] = i
	}

	p = append(p, s.checkMetrics()...)

	p = append(p, s.checkProxy()...)

	w := s.Workload
	p = append(p, s.checkPrompts()...)
	p = append(p, s.checkSession()...)
	if !w.InputTokens.IsZero() || w.Prompts != PromptsDataset {
		p = append(p, w.InputTokens.Validate("workload.input_tokens")...)
	}
	if !w.OutputTokens.IsZero() || w.Prompts != PromptsDataset {
		p = append(p, w.OutputTokens.Validate("workload.output_tokens")...)
	}
	p = append(p, s.checkGeneration()...)

	l := s.Load
	dur := checkDuration(&p, "load.duration", l.Duration, false)
	warm := checkDuration(&p, "load.warmup", l.Warmup, false)
	if s.Search != nil {
		p = append(p, s.checkSearch()...)
		// The search's levels are checked as if the spec listed its ends.
		if se := s.Search; se.Min > 0 && se.Max >= se.Min && len(l.Levels)+len(l.Rates) == 0 && l.Ramp == nil && l.Profile != ProfileSweep {
			if l.Mode == ModeRate {
				l.Rates = []float64{se.Min, se.Max}
			} else if se.Max > se.Min {
				l.Levels = []int{int(se.Min), int(se.Max)}
			} else {
				l.Levels = []int{int(se.Min)}
			}
			p = append(p, l.checkShape(dur, warm)...)
		}
	} else {
		p = append(p, l.checkShape(dur, warm)...)
	}
	p = append(p, s.checkRepeats()...)
	p = append(p, s.checkRound()...)
	checkDuration(&p, "load.cooldown", l.Cooldown, false)
	if rt, ok := checkDurationOK(&p, "load.request_timeout", l.RequestTimeout, true); ok && rt == 0 {
		add("load.request_timeout", "must be > 0")
	}
	if l.OnError != OnErrorBackoff && l.OnError != OnErrorImmediate {
		add("load.on_error", "must be %q or %q, got %q", OnErrorBackoff, OnErrorImmediate, l.OnError)
	}
	if l.Requests < 0 {
		add("load.requests", "must be >= 0, got %d", l.Requests)
	}
	if dur == 0 && l.Requests == 0 {
		add("load", "needs duration or requests (or both) to end each level")
	}
	if l.SliceConcurrency < 1 || l.SliceConcurrency > 10_000 {
		add("load.slice_concurrency", "must be between 1 and 10000, got %d", l.SliceConcurrency)
	}
	if l.MaxWorkers < 0 || l.MaxWorkers > MaxMaxWorkers {
		add("load.max_workers", "must be between 1 and %d (the Lambda concurrency quota; a Distributed Map runs at most %d children at once), got %d", MaxMaxWorkers, MaxMaxWorkers, l.MaxWorkers)
	}
	if l.ToleratedFailurePercent < 0 || l.ToleratedFailurePercent > 100 {
		add("load.tolerated_failure_percent", "must be between 0 and 100 (a share of the level's slices, in %%), got %g", l.ToleratedFailurePercent)
	}

	if s.Pricing.USDPerHour < 0 {
		add("pricing.usd_per_hour", "must be >= 0, got %g", s.Pricing.USDPerHour)
	}
	if s.Pricing.Instances < 1 {
		add("pricing.instances", "must be >= 1, got %d", s.Pricing.Instances)
	}
	validateBenchmarkPrices(s.Pricing.Benchmark, add)
	for path, v := range map[string]float64{"slo.ttft_ms": s.SLO.TTFTMs, "slo.tpot_ms": s.SLO.TPOTMs, "slo.e2e_ms": s.SLO.E2EMs} {
		if v < 0 {
			add(path, "must be >= 0, got %g", v)
		}
	}
	if strings.HasPrefix(s.Output, "s3://") {
		if u, err := url.Parse(s.Output); err != nil || u.Host == "" {
			add("output", "must be a folder or s3://bucket/prefix, got %q", s.Output)
		}
	} else if strings.Contains(s.Output, "://") {
		add("output", "must be a folder or s3://bucket/prefix, got %q", s.Output)
	}

	if len(p) == 0 {
		return nil
	}
	sortProblems(p)
	return p
}

func checkDuration(p *Problems, path string, d Duration, required bool) time.Duration {
	v, _ := checkDurationOK(p, path, d, required)
	return v
}

// checkDurationOK is checkDuration that also tells whether d was valid
// (given and well-formed and not negative), so that a caller adding its
// own rule does not report one problem twice.
func checkDurationOK(p *Problems, path string, d Duration, required bool) (time.Duration, bool) {
	if d == "" {
		if required {
			*p = append(*p, path+": is required")
		}
		return 0, false
	}
	v, err := time.ParseDuration(string(d))
	if err != nil {
		*p = append(*p, fmt.Sprintf("%s: must be a duration such as \"30s\" or \"2m\", got %q", path, string(d)))
		return 0, false
	}
	if v < 0 {
		*p = append(*p, fmt.Sprintf("%s: must be >= 0, got %q", path, string(d)))
		return 0, false
	}
	return v, true
}

func isSecretHeader(name string) bool {
	switch strings.ToLower(http.CanonicalHeaderKey(name)) {
	case "authorization", "api-key", "x-api-key", "proxy-authorization", "cookie":
		return true
	}
	return false
}

// sortProblems orders problems by field path so the report is stable.
func sortProblems(p Problems) {
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j] < p[j-1]; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}

// headerToken matches an RFC 9110 token, what a header name must be.
var headerToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// ValidHeaderName tells whether name may be an HTTP header name (an RFC
// 9110 token). The OpenAI client checks the headers it is given with it.
func ValidHeaderName(name string) bool { return headerToken.MatchString(name) }

// maxStop is the most stop sequences workload.stop may have: OpenAI's
// limit, and TGI's default (--max-stop-sequences 4).
const maxStop = 4

// checkGeneration checks the workload's generation parameters, and refuses
// what the target's body schema cannot carry.
func (s *Spec) checkGeneration() Problems {
	var p Problems
	add := func(path, format string, args ...any) {
		p = append(p, path+": "+fmt.Sprintf(format, args...))
	}
	w := s.Workload
	temp := 0.0
	if w.Temperature != nil {
		temp = *w.Temperature
	}
	if temp < 0 {
		add("workload.temperature", "must be >= 0, got %g", temp)
	}
	if tp := w.TopP; tp != nil {
		switch {
		case !(*tp > 0 && *tp <= 1):
			add("workload.top_p", "must be > 0 and <= 1, got %g", *tp)
		case *tp < 1 && temp == 0:
			add("workload.top_p", "has no effect at workload.temperature 0 (greedy decoding, the default): vLLM ignores it, TGI would sample instead; set a temperature > 0")
		}
	}
	if m := w.MinTokens; m != nil {
		if *m < 0 {
			add("workload.min_tokens", "must be >= 0, got %d", *m)
		} else if _, hi := w.OutputTokens.Dist().Bounds(); !w.OutputTokens.IsZero() && *m > hi {
			add("workload.min_tokens", "must be <= workload.output_tokens (at most %d), got %d", hi, *m)
		}
	}
	if len(w.Stop) > maxStop {
		add("workload.stop", "must have at most %d sequences (OpenAI's and TGI's limit), got %d", maxStop, len(w.Stop))
	}
	for i, st := range w.Stop {
		if st == "" {
			add(fmt.Sprintf("workload.stop[%d]", i), "must not be empty")
		}
	}

	schema := bodySchema(s.Target)
	if schema == SageMakerTGI {
		why := "format tgi cannot carry it: TGI's generate parameters have no %s"
		if w.MinTokens != nil {
			add("workload.min_tokens", why, "minimum output length")
		}
		if w.IgnoreEOS {
			add("workload.ignore_eos", why+" (the deprecated target.ignore_eos lands here too)", "ignore_eos")
		}
	}
	keys, err := objectKeys(w.ExtraBody)
	if err != nil {
		add("workload.extra_body", "%v", err)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		path := "workload.extra_body." + k
		if seen[k] {
			add(path, "repeats a key")
			continue
		}
		seen[k] = true
		if why := extraBodyRefusal(schema, k); why != "" {
			add(path, "%s", why)
		}
	}
	return p
}

// bodySchema names the request body a target is sent: the OpenAI schema
// (kinds openai and sim, sagemaker format chat: "chat"), or LMI's or
// TGI's.
func bodySchema(t Target) string {
	if t.Kind == KindSageMaker && (t.Format == SageMakerLMI || t.Format == SageMakerTGI) {
		return t.Format
	}
	return SageMakerChat
}

// setByLLMBench lists, per body schema, the members of the object that
// extra_body is merged into which llmbench writes itself, and whence.
var setByLLMBench = map[string]map[string]string{
	SageMakerChat: {
		"model":                 "is set by llmbench (target.model)",
		"messages":              "is set by llmbench (the prompt)",
		"prompt":                "is set by llmbench (the prompt)",
		"stream":                "is set by llmbench (workload.stream)",
		"stream_options":        "is set by llmbench (usage is always requested when streaming)",
		"max_tokens":            "is set by llmbench (workload.output_tokens)",
		"max_completion_tokens": "would override max_tokens, which llmbench sets (workload.output_tokens)",
		"temperature":           "use workload.temperature",
		"top_p":                 "use workload.top_p",
		"min_tokens":            "use workload.min_tokens",
		"ignore_eos":            "use workload.ignore_eos",
		"stop":                  "use workload.stop",
	},
	// LMI hands the members of "parameters" on to vLLM's request, where
	// these would override what llmbench set.
	SageMakerLMI: {
		"max_new_tokens":   "is set by llmbench (workload.output_tokens)",
		"max_tokens":       "would override max_new_tokens, which llmbench sets (workload.output_tokens)",
		"model":            "would override the request's model",
		"prompt":           "would override the request's prompt",
		"stream":           "would override the request's stream, which llmbench sets (workload.stream)",
		"stream_options":   "would override the request's stream_options, which LMI sets",
		"temperature":      "use workload.temperature",
		"do_sample":        "is set by llmbench with a temperature > 0: use workload.temperature",
		"top_p":            "use workload.top_p",
		"min_tokens":       "use workload.min_tokens",
		"ignore_eos":       "use workload.ignore_eos",
		"ignore_eos_token": "use workload.ignore_eos",
		"stop":             "use workload.stop",
		"stop_sequences":   "use workload.stop",
	},
	SageMakerTGI: {
		"max_new_tokens": "is set by llmbench (workload.output_tokens)",
		"details":        "is set by llmbench (true: the final event's token counts)",
		"temperature":    "use workload.temperature",
		"do_sample":      "is set by llmbench with a temperature > 0: use workload.temperature",
		"top_p":          "use workload.top_p",
		"stop":           "use workload.stop",
	},
}

// tgiParameters are the other members of TGI's GenerateParameters
// (router/src/lib.rs). TGI ignores a member it does not know, so
// extra_body may hold only these.
var tgiParameters = []string{
	"adapter_id", "best_of", "decoder_input_details", "frequency_penalty", "grammar",
	"repetition_penalty", "return_full_text", "seed", "top_k", "top_n_tokens", "truncate",
	"typical_p", "watermark",
}

// extraBodyRefusal says why member k of extra_body is refused in schema,
// or "".
func extraBodyRefusal(schema, k string) string {
	if why := setByLLMBench[schema][k]; why != "" {
		return why
	}
	if schema == SageMakerTGI {
		for _, name := range tgiParameters {
			if k == name {
				return ""
			}
		}
		return "is not a TGI generate parameter, and TGI ignores unknown ones; it knows " + strings.Join(tgiParameters, ", ")
	}
	return ""
}

// objectKeys returns the keys of the JSON object raw in order, repeats
// included; none when raw is empty.
func objectKeys(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	notObject := errors.New("must be a JSON object of members to add to each request body")
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, notObject
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		k, ok := tok.(string)
		if err != nil || !ok {
			return keys, notObject
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return keys, notObject
		}
		keys = append(keys, k)
	}
	return keys, nil
}
