package spec

import (
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
		case SageMakerChat, SageMakerLMI, SageMakerTGI:
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

	w := s.Workload
	if w.Prompts != "synthetic" {
		add("workload.prompts", "must be synthetic (the only prompt source so far), got %q", w.Prompts)
	}
	if w.InputTokens < 1 || w.InputTokens > 1_000_000 {
		add("workload.input_tokens", "must be between 1 and 1000000, got %d", w.InputTokens)
	}
	if w.OutputTokens < 1 || w.OutputTokens > 1_000_000 {
		add("workload.output_tokens", "must be between 1 and 1000000, got %d", w.OutputTokens)
	}

	l := s.Load
	dur := checkDuration(&p, "load.duration", l.Duration, false)
	warm := checkDuration(&p, "load.warmup", l.Warmup, false)
	p = append(p, l.checkShape(dur, warm)...)
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

	if s.Pricing.USDPerHour < 0 {
		add("pricing.usd_per_hour", "must be >= 0, got %g", s.Pricing.USDPerHour)
	}
	if s.Pricing.Instances < 1 {
		add("pricing.instances", "must be >= 1, got %d", s.Pricing.Instances)
	}
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
