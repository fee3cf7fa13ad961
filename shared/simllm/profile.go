package simllm

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Profile kinds.
const (
	KindBatching = "batching" // continuous batching: one engine, shared decode steps
	KindFixed    = "fixed"    // independent per-request TTFT then one token every ITL
	KindInstant  = "instant"  // no sleeps at all
)

// Profile says how the simulated server times its tokens. Fields that do
// not apply to Kind are ignored.
type Profile struct {
	Name        string
	Kind        string // KindBatching, KindFixed or KindInstant
	Description string // one line for --help

	// Batching: a decode step lasts
	// StepBase + StepPerSeq*active + PrefillPerToken*(prompt tokens admitted this step),
	// not counting prompt tokens found in the prefix cache. Fixed: the
	// first token comes PrefillPerToken later per uncached prompt token.
	PrefillPerToken time.Duration
	StepBase        time.Duration
	StepPerSeq      time.Duration
	MaxBatch        int // most sequences decoded together; the rest queue FIFO

	// Fixed: first token TTFT after the request is received, then one every ITL.
	TTFT time.Duration
	ITL  time.Duration

	// PrefixCacheTokens sizes the prefix cache (prefixcache.go), in prompt
	// tokens; 0 disables it, and then usage has no prompt_tokens_details.
	// The presets use DefaultPrefixCacheTokens. Any kind.
	PrefixCacheTokens int
	// KVCacheTokens is the KV cache's size in tokens, for /metrics'
	// vllm:kv_cache_usage_perc: the 16-token blocks of the running
	// sequences (prompt and generated tokens) over it. Batching kinds
	// only; 0: no KV-cache figure.
	KVCacheTokens int
	// ReasoningShare is the fraction, in [0, 1], of a chat answer's output
	// tokens streamed first as delta.reasoning_content and counted in
	// usage.completion_tokens_details.reasoning_tokens; 0: no reasoning.
	// Any kind; chat answers only.
	ReasoningShare float64
}

// profiles is the package's only global state: the named, read-only presets.
var profiles = map[string]Profile{
	// Calibrated against the seeds' SageMaker ml.g5.2xlarge figures for
	// Llama 3.1 8B AWQ on vLLM: ~950 output tok/s aggregate with 32
	// concurrent streams of 256 prompt / 64 output tokens, E2E ~2.1 s.
	// Measured by TestCalibratedThroughput (closed loop, this package).
	"g5-llama31-8b-awq": {
		Name:            "g5-llama31-8b-awq",
		Kind:            KindBatching,
		Description:     "vLLM-like continuous batching, Llama 3.1 8B AWQ on ml.g5.2xlarge (~950 tok/s at 32 streams)",
		PrefillPerToken: 20 * time.Microsecond,
		StepBase:        9800 * time.Microsecond,
		StepPerSeq:      650 * time.Microsecond,
		MaxBatch:        48,
		// An A10G's 24 GB at vLLM's 0.9 utilization, less ~5.5 GB of AWQ
		// weights, at 128 KiB of KV per Llama 3.1 8B token.
		KVCacheTokens: 120_000,

		PrefixCacheTokens: DefaultPrefixCacheTokens,
	},
	// Loosely modelled on the seeds' llama.cpp on a MacBook M4: a few
	// parallel slots, slow prefill (TTFT ~400 ms for 256 prompt words at low
	// load), ~42 tok/s aggregate once the slots are full.
	"local-llamacpp-m4": {
		Name:            "local-llamacpp-m4",
		Kind:            KindBatching,
		Description:     "llama.cpp-like, 8B Q4 on a MacBook M4, 4 slots (~42 tok/s aggregate)",
		PrefillPerToken: 1350 * time.Microsecond,
		StepBase:        47 * time.Millisecond,
		StepPerSeq:      7 * time.Millisecond,
		MaxBatch:        4,
		KVCacheTokens:   16_384, // 4 slots of llama.cpp's 4,096-token context

		PrefixCacheTokens: DefaultPrefixCacheTokens,
	},
	"fixed": {
		Name:        "fixed",
		Kind:        KindFixed,
		Description: "no batching: first token after TTFT (default 100ms), then one every ITL (default 20ms)",
		TTFT:        100 * time.Millisecond,
		ITL:         20 * time.Millisecond,

		PrefixCacheTokens: DefaultPrefixCacheTokens,
	},
	"instant": {
		Name:        "instant",
		Kind:        KindInstant,
		Description: "no sleeps: every token as fast as possible (measures client overhead)",

		PrefixCacheTokens: DefaultPrefixCacheTokens,
	},
}

// Profiles returns the names of the preset profiles, sorted.
func Profiles() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// LookupProfile returns the preset profile called name. The error lists
// the valid names.
func LookupProfile(name string) (Profile, error) {
	p, ok := profiles[name]
	if !ok {
		return Profile{}, fmt.Errorf("simllm: lookup profile: unknown profile %q (valid: %s)", name, strings.Join(Profiles(), ", "))
	}
	return p, nil
}

// validate reports why p cannot drive a server, or nil.
func (p Profile) validate() error {
	var errs []error
	switch p.Kind {
	case KindBatching:
		if p.MaxBatch < 1 {
			errs = append(errs, fmt.Errorf("MaxBatch %d must be >= 1", p.MaxBatch))
		}
		if p.StepBase < 0 || p.StepPerSeq < 0 || p.PrefillPerToken < 0 {
			errs = append(errs, errors.New("step durations must be >= 0"))
		}
		// A zero-length step would make the engine spin a core flat out;
		// use the instant profile for "as fast as possible".
		if p.StepBase+p.StepPerSeq <= 0 {
			errs = append(errs, errors.New("StepBase+StepPerSeq must be > 0"))
		}
	case KindFixed:
		if p.TTFT < 0 || p.ITL < 0 || p.PrefillPerToken < 0 {
			errs = append(errs, errors.New("TTFT, ITL and PrefillPerToken must be >= 0"))
		}
	case KindInstant:
	default:
		errs = append(errs, fmt.Errorf("unknown kind %q (valid: %s, %s, %s)", p.Kind, KindBatching, KindFixed, KindInstant))
	}
	if p.KVCacheTokens < 0 {
		errs = append(errs, fmt.Errorf("KVCacheTokens %d must be >= 0", p.KVCacheTokens))
	}
	if p.PrefixCacheTokens < 0 || (p.PrefixCacheTokens > 0 && p.PrefixCacheTokens < cacheBlock) {
		errs = append(errs, fmt.Errorf("PrefixCacheTokens %d must be 0 (off) or at least one block (%d)", p.PrefixCacheTokens, cacheBlock))
	}
	if !(p.ReasoningShare >= 0 && p.ReasoningShare <= 1) { // also rejects NaN
		errs = append(errs, fmt.Errorf("ReasoningShare %v must be in [0, 1]", p.ReasoningShare))
	}
	return errors.Join(errs...)
}
