package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/llmbench/llmbench/shared/arrival"
)

// Spec is one benchmark run.
type Spec struct {
	Name     string   `json:"name"`
	Platform string   `json:"platform,omitempty"` // a label for reports: aws, azure, gcp, local, sim
	Target   Target   `json:"target"`
	Workload Workload `json:"workload"`
	Load     Load     `json:"load"`
	Pricing  Pricing  `json:"pricing"`
	SLO      SLO      `json:"slo"`
	// Search, instead of load.levels or load.rates, looks for the highest
	// load that meets its criteria.
	Search *Search `json:"search,omitempty"`
	Output string  `json:"output,omitempty"` // a folder, or s3://bucket/prefix
	Seed   int64   `json:"seed,omitempty"`   // makes prompts (and the simulated server) repeatable
}

// Target kinds.
const (
	KindOpenAI    = "openai"    // any OpenAI-compatible base URL
	KindSim       = "sim"       // llmbench's simulated LLM server, started in-process
	KindSageMaker = "sagemaker" // a SageMaker real-time endpoint
)

// SageMaker payload formats.
const (
	SageMakerChat = "chat" // LMI (vLLM backend) with the OpenAI chat schema: chat.completion.chunk JSON lines or data: lines
	SageMakerLMI  = "lmi"  // LMI's native {"inputs","parameters"} schema: {"token":{...}} JSON lines
	SageMakerTGI  = "tgi"  // Hugging Face TGI: data:{"token":{...}} events, generated_text and details at the end
)

// Target is the endpoint under test.
type Target struct {
	Kind  string `json:"kind"`
	URL   string `json:"url,omitempty"`   // openai: base URL, e.g. http://127.0.0.1:8000/v1
	API   string `json:"api,omitempty"`   // chat (default) or completions
	Model string `json:"model,omitempty"` // the model name sent in each request
	Auth  *Auth  `json:"auth,omitempty"`  // openai: how to authenticate
	// Profile names the simulated server's profile: for kind sim, and for
	// kind sagemaker to run locally against the simulated SageMaker runtime
	// API instead of AWS.
	Profile string `json:"profile,omitempty"`

	// Headers are extra request headers. They must not carry secrets: a
	// secret goes in Auth, as a reference.
	Headers map[string]string `json:"headers,omitempty"`
	// CaptureHeaders names response headers copied into each sample row.
	CaptureHeaders []string `json:"capture_headers,omitempty"`
	// SageMaker: the endpoint, its region, the optional inference component
	// and production variant, and the payload format its container speaks.
	Endpoint           string `json:"endpoint,omitempty"`
	Region             string `json:"region,omitempty"`
	InferenceComponent string `json:"inference_component,omitempty"`
	TargetVariant      string `json:"target_variant,omitempty"`
	Format             string `json:"format,omitempty"` // chat (LMI/vLLM OpenAI schema, default), lmi (inputs/parameters), tgi
	// Proxy, with kind sagemaker and a profile, runs llmbench's proxy
	// (package proxy) in-process in front of the simulated SageMaker
	// runtime and measures through it with the OpenAI client (proxy.go).
	Proxy bool `json:"proxy,omitempty"`
	// Metrics is the server's Prometheus endpoint, scraped during every
	// level (metrics.go); nil: none.
	Metrics *Metrics `json:"metrics,omitempty"`

	// IgnoreEOS is the former place of workload.ignore_eos.
	//
	// Deprecated: set workload.ignore_eos. ApplyDefaults moves a true value
	// there and clears this one.
	IgnoreEOS bool `json:"ignore_eos,omitempty"`
}

// Auth says how requests authenticate: either a secret sent in a request
// header (Header, Scheme, Secret), or an AWS Signature Version 4 over each
// request (SigV4), as an IAM-authorized API Gateway wants.
type Auth struct {
	Header string `json:"header,omitempty"` // Authorization, api-key, x-api-key …
	Scheme string `json:"scheme,omitempty"` // a prefix such as "Bearer"; empty sends the bare secret
	Secret Secret `json:"secret,omitempty"` // a reference: env:NAME or a Secrets Manager ARN
	SigV4  *SigV4 `json:"sigv4,omitempty"`  // sign with the sender's AWS credentials instead
}

// SigV4 signs every request with the AWS credentials of the process that
// sends it (the worker's role), for the given service and region.
type SigV4 struct {
	Service string `json:"service"` // the signing name: execute-api for API Gateway, lambda for a function URL
	Region  string `json:"region"`  // the region of the endpoint, e.g. us-east-1
}

// Workload says what each request asks. The generation parameters
// (Temperature to ExtraBody) are sent to every kind of target, each under
// the name its schema gives it; one a target cannot carry is refused by
// Validate, never dropped. Unset, they are not sent (but Temperature,
// which defaults to DefaultTemperature).
type Workload struct {
	Prompts string `json:"prompts,omitempty"` // PromptsSynthetic (the default) or PromptsDataset
	// Dataset is the prompt dataset of workload.prompts "dataset".
	Dataset *Dataset `json:"dataset,omitempty"`
	// InputTokens is a synthetic prompt's length, in words (about one
	// token each): fixed, or drawn per request from a distribution.
	InputTokens Length `json:"input_tokens,omitzero"`
	// OutputTokens is each request's max_tokens, fixed or drawn. With a
	// dataset it is unset unless the spec sets it: each record's answer
	// length applies (vLLM's convention), else DefaultOutputTokens.
	OutputTokens Length `json:"output_tokens,omitzero"`
	Stream       *bool  `json:"stream,omitempty"` // default true
	// Tokenizer is a Hugging Face tokenizer.json (a local file or
	// s3://bucket/key): with it, synthetic prompts have exactly
	// input_tokens tokens and rows record the client-side count.
	Tokenizer string `json:"tokenizer,omitempty"`
	// SharedPrefix makes every synthetic prompt begin with one of Count
	// common prefixes of Tokens tokens (a prefix-cache benchmark); the
	// request's own input_tokens follow it.
	SharedPrefix *SharedPrefix `json:"shared_prefix,omitempty"`
	// Session makes every virtual user play multi-turn conversations:
	// each turn resends the history with the server's actual answers.
	Session *Session `json:"session,omitempty"`

	Temperature *float64 `json:"temperature,omitempty"` // >= 0; default 0, greedy decoding
	TopP        *float64 `json:"top_p,omitempty"`       // in (0, 1]; only with a temperature > 0
	MinTokens   *int     `json:"min_tokens,omitempty"`  // at least this many output tokens (vLLM)
	// IgnoreEOS asks the server to generate exactly output_tokens (vLLM's
	// ignore_eos), so that every request has the same output length.
	IgnoreEOS bool     `json:"ignore_eos,omitempty"`
	Stop      []string `json:"stop,omitempty"` // at most 4 stop sequences
	// ExtraBody is a JSON object whose members are added to every request
	// body: at its top level in the OpenAI schema (kinds openai and sim,
	// sagemaker format chat), in "parameters" for sagemaker formats lmi and
	// tgi. It must not set what llmbench sets itself.
	ExtraBody json.RawMessage `json:"extra_body,omitempty"`
}

// SharedPrefix is workload.shared_prefix.
type SharedPrefix struct {
	Count  int `json:"count"`  // distinct prefixes, drawn uniformly per request
	Tokens int `json:"tokens"` // each prefix's length
}

// Dataset names a prompt dataset and how to read it.
type Dataset struct {
	Format string `json:"format"`           // DatasetShareGPT or DatasetJSONL
	Path   string `json:"path"`             // a local file (the CLI) or s3://bucket/key
	Sample string `json:"sample,omitempty"` // DatasetShuffle (the default) or DatasetSequential
}

// The values of workload.prompts and workload.dataset.
const (
	PromptsSynthetic  = "synthetic"
	PromptsDataset    = "dataset"
	DatasetShareGPT   = "sharegpt"
	DatasetJSONL      = "jsonl"
	DatasetShuffle    = "shuffle"
	DatasetSequential = "sequential"
)

// Streaming reports whether requests stream (the default).
func (w Workload) Streaming() bool { return w.Stream == nil || *w.Stream }

// Load says how hard and how long to drive the target.
type Load struct {
	// Mode is ModeConcurrency (closed loop: Levels virtual users, the
	// default) or ModeRate (open loop: Rates requests per second).
	Mode             string    `json:"mode,omitempty"`
	Levels           []int     `json:"levels,omitempty"`            // concurrency of each level, run one after the other
	Rates            []float64 `json:"rates,omitempty"`             // mode rate: requests per second of each level
	Arrival          string    `json:"arrival,omitempty"`           // mode rate: poisson (default), gamma or constant
	Burstiness       float64   `json:"burstiness,omitempty"`        // arrival gamma: the gamma shape (1 poisson, < 1 burstier)
	MaxConcurrency   int       `json:"max_concurrency,omitempty"`   // mode rate: at most this many in flight; arrivals wait for a slot
	SliceRate        float64   `json:"slice_rate,omitempty"`        // mode rate: at most this many requests per second per worker
	Ramp             *Ramp     `json:"ramp,omitempty"`              // one level whose rate (or virtual users) grows along the ramp
	Profile          string    `json:"profile,omitempty"`           // ProfileFixed (the levels given) or ProfileSweep
	SweepLevels      int       `json:"sweep_levels,omitempty"`      // profile sweep: rate levels between the two measured rates
	SweepConcurrency int       `json:"sweep_concurrency,omitempty"` // profile sweep: the throughput level's concurrency
	Duration         Duration  `json:"duration,omitempty"`          // measured time per level, after the warm-up
	Requests         int       `json:"requests,omitempty"`          // or: a measured request count per level
	Warmup           Duration  `json:"warmup,omitempty"`            // per level, before the measured time; rows flagged
	RequestTimeout   Duration  `json:"request_timeout,omitempty"`   // per request
	SliceConcurrency int       `json:"slice_concurrency,omitempty"` // at most this many streams per worker
	Cooldown         Duration  `json:"cooldown,omitempty"`          // pause before each level but the first
	// Round is the length of one round of a level longer than one worker
	// invocation (the level runs as consecutive rounds of the same
	// slices); empty: the longest the worker's configured timeout allows
	// (plan.MaxLevelIn). See rounds.go.
	Round Duration `json:"round,omitempty"`
	// MaxWorkers bounds the workers (Lambda invocations at once) any level
	// may have: the account's Lambda concurrency quota. 0: the quota the
	// planner is configured with (Terraform's lambda_concurrency_quota),
	// else DefaultMaxWorkers. See WorkerLimit.
	MaxWorkers int `json:"max_workers,omitempty"`
	// ToleratedFailurePercent is the share of a level's slices (0-100)
	// that may fail before the level is marked failed: the Distributed
	// Map's ToleratedFailurePercentage. 0 tolerates none. Past it the
	// level's Map Run stops its slices, and the run still aggregates what
	// was measured.
	ToleratedFailurePercent float64 `json:"tolerated_failure_percent,omitempty"`
	// OnError says what a virtual user does after an error: OnErrorBackoff
	// (wait Retry-After, or an exponential back-off with jitter) or
	// OnErrorImmediate (issue the next request at once).
	OnError string `json:"on_error,omitempty"`
	// Repeats runs the whole list of levels this many times in turn
	// (rounds: 6, 12, 24, then 6, 12, 24 again), each run its own level;
	// nil is 1. See RepeatCount.
	Repeats *int `json:"repeats,omitempty"`
}

// WorkerLimit is load.max_workers, DefaultMaxWorkers when unset.
func (l Load) WorkerLimit() int {
	if l.MaxWorkers == 0 {
		return DefaultMaxWorkers
	}
	return l.MaxWorkers
}

// RepeatCount is load.repeats, 1 when unset.
func (l Load) RepeatCount() int {
	if l.Repeats == nil {
		return 1
	}
	return *l.Repeats
}

// Ramp takes a level's rate (mode rate) or its virtual users (mode
// concurrency) from From to To over Over, then holds To.
type Ramp struct {
	From     float64  `json:"from"`
	To       float64  `json:"to"`
	Over     Duration `json:"over"`
	Strategy string   `json:"strategy,omitempty"` // linear (default) or exponential
}

// Arrival is the ramp as package arrival draws it; call it only on a
// validated spec.
func (r *Ramp) Arrival() arrival.Ramp {
	return arrival.Ramp{From: r.From, To: r.To, Over: r.Over.D(), Strategy: r.Strategy}
}

// The values of load.mode, load.profile and load.ramp.strategy. The
// values of load.arrival are those of package arrival.
const (
	ModeConcurrency = "concurrency"
	ModeRate        = "rate"
	ProfileFixed    = "fixed"
	ProfileSweep    = "sweep"
	RampLinear      = "linear"
	RampExponential = "exponential"
	ArrivalPoisson  = "poisson"
	ArrivalGamma    = "gamma"
	ArrivalConstant = "constant"
)

// The values of load.on_error.
const (
	OnErrorBackoff   = "backoff"
	OnErrorImmediate = "immediate"
)

// Pricing is what the endpoint costs while it runs.
type Pricing struct {
	USDPerHour float64 `json:"usd_per_hour,omitempty"`
	Instances  int     `json:"instances,omitempty"`
	// Benchmark overrides the prices of the benchmark's own AWS usage
	// (its bill, benchmark_cost_usd); nil keeps package cost's table.
	Benchmark *BenchmarkPrices `json:"benchmark,omitempty"`
}

// SLO gives the limits a request must meet to count toward goodput. Zero
// means no limit.
type SLO struct {
	TTFTMs float64 `json:"ttft_ms,omitempty"`
	TPOTMs float64 `json:"tpot_ms,omitempty"`
	E2EMs  float64 `json:"e2e_ms,omitempty"`
}

// Duration is a Go duration string in JSON ("60s", "1m30s").
type Duration string

// D returns the parsed duration; call it only on a validated spec.
func (d Duration) D() time.Duration {
	v, _ := time.ParseDuration(string(d))
	return v
}

// Defaults applied by Load.
const (
	DefaultAPI            = "chat"
	DefaultInputTokens    = 256
	DefaultOutputTokens   = 64
	DefaultTemperature    = 0.0 // greedy, what llmbench has always sent
	DefaultRequestTimeout = "120s"
	// DefaultSliceConcurrency is the streams one 1-vCPU worker was measured
	// to drive against the instant simulated server with delivery lag p99
	// under 1 ms (make worker-streams; README, One worker's streams).
	DefaultSliceConcurrency = 16
	// DefaultMaxWorkers is AWS Lambda's default concurrency quota per
	// account and region (1,000 concurrent executions): the most workers a
	// level may have when neither the spec nor the planner states another.
	DefaultMaxWorkers = 1000
	// MaxMaxWorkers bounds load.max_workers: a Distributed Map runs at
	// most 10,000 child executions at once.
	MaxMaxWorkers     = 10_000
	DefaultSimProfile = "g5-llama31-8b-awq"
	// DefaultSliceRate and MaxSliceRate bound the requests per second one
	// worker sends in mode rate (load.slice_rate): see the README's
	// "Open-loop load" for the measured send lag they rest on.
	DefaultSliceRate = 100.0
	MaxSliceRate     = 1000.0
	DefaultOutput    = "./results"
)

// ErrInvalid is wrapped by every validation failure.
var ErrInvalid = errors.New("invalid run spec")

// Problems lists every problem found in a spec, each with its field path.
type Problems []string

func (p Problems) Error() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s: %d problem(s):", ErrInvalid, len(p))
	for _, s := range p {
		b.WriteString("\n  - ")
		b.WriteString(s)
	}
	return b.String()
}

// Unwrap lets callers test errors.Is(err, ErrInvalid).
func (p Problems) Unwrap() error { return ErrInvalid }

// Parse decodes a spec, fills its defaults and validates it. Unknown fields
// are errors: a misspelt option must not be silently ignored.
func Parse(r io.Reader) (*Spec, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Spec
	if err := dec.Decode(&s); err != nil {
		return nil, Problems{describeJSONError(err)}
	}
	if dec.More() {
		return nil, Problems{"trailing data after the JSON object"}
	}
	s.ApplyDefaults()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// compactObject is extra_body as it is sent: compact, and nil when JSON
// null or absent. A value that does not compact is kept for Validate to
// report.
func compactObject(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("%s: must be %s, not %s", te.Field, te.Type, te.Value)
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON: the document ends inside the object (a missing } or \"?)"
	case errors.Is(err, io.EOF):
		return "empty document: expected a JSON object"
	default:
		return err.Error()
	}
}

// ApplyDefaults fills every field left empty with its documented default.
func (s *Spec) ApplyDefaults() {
	t := &s.Target
	if t.API == "" && t.Kind != KindSageMaker {
		t.API = DefaultAPI
	}
	if t.Kind == KindSageMaker && t.Format == "" {
		t.Format = SageMakerChat
	}
	if t.Kind == KindSim {
		if t.Profile == "" {
			t.Profile = DefaultSimProfile
		}
		if t.Model == "" {
			t.Model = "sim-" + t.Profile
		}
	}
	if t.Metrics != nil && t.Metrics.Interval == "" {
		t.Metrics.Interval = DefaultMetricsInterval
	}
	if s.Platform == "" && t.Kind == KindSim {
		s.Platform = "sim"
	}
	w := &s.Workload
	if w.Prompts == "" {
		w.Prompts = PromptsSynthetic
	}
	if d := w.Dataset; d != nil && d.Sample == "" {
		d.Sample = DatasetShuffle
	}
	if w.InputTokens.IsZero() && w.Prompts != PromptsDataset {
		w.InputTokens = FixedLength(DefaultInputTokens)
	}
	if w.OutputTokens.IsZero() && w.Prompts != PromptsDataset {
		w.OutputTokens = FixedLength(DefaultOutputTokens)
	}
	if w.Temperature == nil {
		v := DefaultTemperature
		w.Temperature = &v
	}
	if t.IgnoreEOS {
		w.IgnoreEOS, t.IgnoreEOS = true, false // the deprecated alias
	}
	w.ExtraBody = compactObject(w.ExtraBody)
	l := &s.Load
	if l.Profile == "" {
		l.Profile = ProfileFixed
	}
	if se := s.Search; se != nil {
		if l.Mode == "" && se.Over == SearchRate {
			l.Mode = ModeRate
		}
		if se.Precision == nil {
			v := DefaultSearchPrecision
			se.Precision = &v
		}
		if se.MaxLevels == 0 {
			se.MaxLevels = DefaultSearchMaxLevels
		}
	}
	if l.Mode == "" {
		l.Mode = ModeConcurrency
		if l.Profile == ProfileSweep || len(l.Rates) > 0 && len(l.Levels) == 0 {
			l.Mode = ModeRate
		}
	}
	if l.Mode == ModeRate || l.Profile == ProfileSweep {
		if l.Arrival == "" {
			l.Arrival = ArrivalPoisson
		}
		if l.SliceRate == 0 {
			l.SliceRate = DefaultSliceRate
		}
	}
	if r := l.Ramp; r != nil && r.Strategy == "" {
		r.Strategy = RampLinear
	}
	if l.RequestTimeout == "" {
		l.RequestTimeout = DefaultRequestTimeout
	}
	if l.SliceConcurrency == 0 {
		l.SliceConcurrency = DefaultSliceConcurrency
	}
	if l.OnError == "" {
		l.OnError = OnErrorBackoff
	}
	if s.Pricing.Instances == 0 {
		s.Pricing.Instances = 1
	}
	if s.Output == "" {
		s.Output = DefaultOutput
	}
}
