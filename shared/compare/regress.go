package compare

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/llmbench/llmbench/shared/summary"
)

// Metric names a figure compared between a baseline and a candidate.
type Metric string

// The metrics compared at each common level.
const (
	TTFTP95   Metric = "TTFT p95"                  // ms; higher is worse
	E2EP95    Metric = "E2E p95"                   // ms; higher is worse
	OutputTPS Metric = "output tok/s"              // lower is worse
	ErrorRate Metric = "error rate"                // %; higher is worse, compared in percentage points
	CostPer1M Metric = "cost per 1M output tokens" // USD; higher is worse
)

// The metrics of rate levels shown beside them, for context only (Info):
// they say how well the load generator delivered the rate asked as much
// as how the endpoint did, and the arrivals not sent already count in the
// error rate.
const (
	AchievedRate Metric = "achieved req/s" // requests sent per second of the window
	NotSent      Metric = "not sent"       // % of arrivals, compared in percentage points
	SendLagP99   Metric = "send lag p99"   // ms
)

// DefaultMaxErrorRatePP is the error-rate increase, in percentage points,
// that Regressions tolerates.
const DefaultMaxErrorRatePP = 1.0

// Thresholds say how much worse a candidate may get.
type Thresholds struct {
	// MaxPct is the relative worsening allowed, in percent of the
	// baseline's figure, for TTFT p95, E2E p95, output tok/s and cost.
	MaxPct float64
	// MaxErrorRatePP is the absolute error-rate increase allowed, in
	// percentage points. Error rates are compared absolutely because a
	// relative change of a rate near zero means nothing: 0.1% → 0.2% is
	// "+100%" yet one request in a thousand.
	MaxErrorRatePP float64
}

// Regression is one metric at one level, compared.
type Regression struct {
	Level Key
	// Concurrency is Level.Concurrency: the level's concurrency, 0 for a
	// rate level (whose key is its asked rate).
	Concurrency         int
	Metric              Metric
	Unit                string // of Baseline and Candidate: ms, tok/s, %, USD
	Baseline, Candidate float64
	// Change is the candidate's change from the baseline: in percent of
	// the baseline, or in percentage points for the error rate (ChangeUnit
	// says which). +Inf when the baseline is zero and the candidate not.
	Change     float64
	ChangeUnit string // "%" or "pp"
	// Limit is the worsening allowed, in ChangeUnit: the change may reach
	// +Limit (or -Limit for throughput, where lower is worse).
	Limit float64
	// Worse: the metric got worse by more than Limit.
	Worse bool
	// Info: a figure shown for context, with no limit, never Worse.
	Info bool
	// Noise, when both runs repeated the level (load.repeats), holds
	// their estimates of the metric and Welch's test of the means;
	// Baseline and Candidate are then the means. WithinNoise: the change
	// passed the limit but the test cannot tell it from noise (p >=
	// NoiseAlpha), so it is not Worse. See noise.go.
	Noise       *Noise
	WithinNoise bool
}

// String says what changed: "32 streams: TTFT p95 +15.0% (200 → 230 ms;
// limit +10%)", "4 req/s: …", and with repeats how it stands against
// the noise (see noiseText).
func (r Regression) String() string {
	return fmt.Sprintf("%s: %s %s (%s → %s %s; limit %s%s)", r.Level.streams(), r.Metric, r.changeText(),
		r.format(r.Baseline), r.format(r.Candidate), r.Unit, r.limitText(), r.noiseText())
}

func (r Regression) changeText() string {
	switch {
	case math.IsInf(r.Change, 1):
		return "+∞" + r.ChangeUnit
	case r.ChangeUnit == "pp":
		return fmt.Sprintf("%+.2f pp", r.Change)
	default:
		return fmt.Sprintf("%+.1f%%", r.Change)
	}
}

func (r Regression) limitText() string {
	if r.Info {
		return "-"
	}
	sign := "+"
	if r.Metric == OutputTPS {
		sign = "-"
	}
	if r.ChangeUnit == "pp" {
		return fmt.Sprintf("%s%g pp", sign, r.Limit)
	}
	return fmt.Sprintf("%s%g%%", sign, r.Limit)
}

func (r Regression) format(v float64) string {
	switch r.Metric {
	case ErrorRate, NotSent, AchievedRate:
		return fmt.Sprintf("%.2f", v)
	case CostPer1M:
		return fmt.Sprintf("%.4f", v)
	case OutputTPS:
		return fmt.Sprintf("%.1f", v)
	default:
		return msFmt(v)
	}
}

// Regressions compares the candidate with the baseline at every level
// both have (matched by Key: concurrency, or asked rate), and returns the metrics that got worse by
// more than maxPct percent of the baseline (TTFT p95, E2E p95 and cost
// per 1M output tokens up, output tok/s down), or whose error rate rose by
// more than DefaultMaxErrorRatePP percentage points. Levels only one run
// has are not compared (see Levels). A latency is compared only where both
// levels have an ok request, a cost only where both are priced.
func Regressions(baseline, candidate *summary.Summary, maxPct float64) []Regression {
	var out []Regression
	for _, r := range Diff(baseline, candidate, Thresholds{MaxPct: maxPct, MaxErrorRatePP: DefaultMaxErrorRatePP}) {
		if r.Worse {
			out = append(out, r)
		}
	}
	return out
}

// Diff compares every metric at every common level, better or worse, in
// order of level (see Key) then metric; at a rate level, the figures
// AchievedRate, NotSent and SendLagP99 follow, for context (Info). A
// level a run repeated (load.repeats) is compared by the means of its
// runs, and where both runs repeated it, a change beyond the limit is
// Worse only if Welch's test separates the means (see withNoise).
func Diff(baseline, candidate *summary.Summary, th Thresholds) []Regression {
	common, _, _ := Levels(baseline, candidate)
	var out []Regression
	for _, c := range common {
		b, k := level(baseline, c), level(candidate, c)
		add := func(m Metric, unit string, bv, kv float64, lowerIsWorse bool) {
			r := Regression{Level: c, Concurrency: c.Concurrency, Metric: m, Unit: unit, Baseline: bv, Candidate: kv, ChangeUnit: "%", Limit: th.MaxPct}
			switch {
			case bv == kv:
				r.Change = 0
			case bv == 0:
				r.Change = math.Inf(1)
			default:
				r.Change = (kv - bv) / math.Abs(bv) * 100
			}
			// A hair of tolerance so that exactly +10% is not "more than 10%"
			// because of floating point.
			if lowerIsWorse {
				r.Worse = r.Change < -th.MaxPct-1e-9
			} else {
				r.Worse = r.Change > th.MaxPct+1e-9
			}
			out = append(out, r)
		}
		if b.TTFTMs.N > 0 && k.TTFTMs.N > 0 {
			add(TTFTP95, "ms", b.TTFTMs.P95, k.TTFTMs.P95, false)
		}
		if b.E2EMs.N > 0 && k.E2EMs.N > 0 {
			add(E2EP95, "ms", b.E2EMs.P95, k.E2EMs.P95, false)
		}
		add(OutputTPS, "tok/s", b.OutputTokenThroughput, k.OutputTokenThroughput, true)
		er := Regression{Level: c, Concurrency: c.Concurrency, Metric: ErrorRate, Unit: "%", Baseline: 100 * b.ErrorRate, Candidate: 100 * k.ErrorRate, ChangeUnit: "pp", Limit: th.MaxErrorRatePP}
		er.Change = er.Candidate - er.Baseline
		er.Worse = er.Change > th.MaxErrorRatePP+1e-9
		out = append(out, er)
		if b.CostPer1MOutputTokensUSD != nil && k.CostPer1MOutputTokensUSD != nil {
			add(CostPer1M, "USD", *b.CostPer1MOutputTokensUSD, *k.CostPer1MOutputTokensUSD, false)
		}
		if c.Rate {
			out = append(out, rateInfo(c, b, k)...)
		}
	}
	return withNoise(out, baseline, candidate)
}

// rateInfo compares the open-loop figures of a rate level: never Worse.
func rateInfo(c Key, b, k *summary.Level) []Regression {
	info := func(m Metric, unit string, bv, kv float64, pp bool) Regression {
		r := Regression{Level: c, Metric: m, Unit: unit, Baseline: bv, Candidate: kv, ChangeUnit: "%", Info: true}
		switch {
		case pp:
			r.ChangeUnit, r.Change = "pp", kv-bv
		case bv == kv:
		case bv == 0:
			r.Change = math.Inf(1)
		default:
			r.Change = (kv - bv) / math.Abs(bv) * 100
		}
		return r
	}
	out := []Regression{info(AchievedRate, "req/s", b.AchievedRequestRate, k.AchievedRequestRate, false)}
	if bn, ok := notSentPct(b); ok {
		if kn, ok := notSentPct(k); ok {
			out = append(out, info(NotSent, "%", bn, kn, true))
		}
	}
	if b.SendLagMs.N > 0 && k.SendLagMs.N > 0 {
		out = append(out, info(SendLagP99, "ms", b.SendLagMs.P99, k.SendLagMs.P99, false))
	}
	return out
}

// Levels splits the levels of two runs, by Key, into those both have and
// those only one has, each sorted (concurrency levels first). A Key
// prints as the tables name it: "32", "4 req/s".
func Levels(baseline, candidate *summary.Summary) (common, onlyBaseline, onlyCandidate []Key) {
	for _, c := range levelsOf([]*summary.Summary{baseline, candidate}) {
		inB, inC := level(baseline, c) != nil, level(candidate, c) != nil
		switch {
		case inB && inC:
			common = append(common, c)
		case inB:
			onlyBaseline = append(onlyBaseline, c)
		default:
			onlyCandidate = append(onlyCandidate, c)
		}
	}
	return common, onlyBaseline, onlyCandidate
}

// DiffTable renders a comparison as a Markdown table, one row per metric
// and level, regressions marked, figures for context marked "info". With
// nothing compared (no level in common) it says so instead.
func DiffTable(ds []Regression) []byte {
	var b bytes.Buffer
	if len(ds) == 0 {
		b.WriteString("No level in common: nothing compared (" + matchRule + ").\n")
		return b.Bytes()
	}
	first := "concurrency"
	for _, d := range ds {
		if !d.Level.steadyConcurrency() {
			first = "level"
		}
	}
	noisy := false
	for _, d := range ds {
		noisy = noisy || d.Noise != nil
	}
	if noisy {
		b.WriteString("| " + first + " | metric | baseline | candidate | change | limit | Welch p | |\n|---:|---|---:|---:|---:|---:|---:|---|\n")
	} else {
		b.WriteString("| " + first + " | metric | baseline | candidate | change | limit | |\n|---:|---|---:|---:|---:|---:|---|\n")
	}
	for _, d := range ds {
		verdict := "ok"
		switch {
		case d.Info:
			verdict = "info"
		case d.Worse:
			verdict = "**WORSE**"
		case d.WithinNoise:
			verdict = "within noise"
		}
		if noisy {
			bc, kc, p := d.format(d.Baseline), d.format(d.Candidate), "-"
			if n := d.Noise; n != nil {
				bc, kc, p = fmt.Sprintf("%s (n %d)", d.pm(&n.Baseline), n.Baseline.N), fmt.Sprintf("%s (n %d)", d.pm(&n.Candidate), n.Candidate.N), pValue(n.Welch.P)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", d.Level, d.name(), bc, kc, d.changeText(), d.limitText(), p, verdict)
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", d.Level, d.name(),
			d.format(d.Baseline), d.format(d.Candidate), d.changeText(), d.limitText(), verdict)
	}
	return b.Bytes()
}

// name is the metric with its unit, as the table heads a row.
func (r Regression) name() string {
	if strings.HasSuffix(string(r.Metric), r.Unit) {
		return string(r.Metric)
	}
	return fmt.Sprintf("%s (%s)", r.Metric, r.Unit)
}

// Names joins the regressions' descriptions (see Regression.String) with "; ".
func Names(rs []Regression) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, "; ")
}
