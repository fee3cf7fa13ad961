// Package lengths is the token-length distributions of a run's requests
// (workload.input_tokens and workload.output_tokens): a fixed count, or a
// count drawn per request from a uniform, normal or lognormal
// distribution. It is pure computation: the run spec validates with it and
// package workload draws with it, so both agree on what a length means.
//
// # Model
//
// Every length is a whole number of tokens in [Min, Max], at least 1 and at
// most MaxTokens:
//
//   - uniform: every count from Min to Max equally likely; Min and Max are
//     required, Mean and Stddev must be absent (a range is what is known
//     when lengths are "between 128 and 1024", and a second way of saying
//     the same uniform would only be a second way to contradict oneself).
//   - normal: Mean and Stddev of the token count itself, rounded to the
//     nearest count.
//   - lognormal: a lognormal whose token counts have the given Mean and
//     Stddev (μ = ln(m²/√(s²+m²)), σ² = ln(1+s²/m²)), rounded likewise:
//     skewed to the right, as prompt and answer lengths usually are.
//
// Normal and lognormal counts are truncated to [Min, Max] by drawing again
// (Min defaults to 1, Max to MaxTokens), that is, conditioned on the
// continuous value lying in [Min−½, Max+½). Validate refuses bounds that
// keep less than MinKept of the distribution: so few draws would be kept
// that the lengths would no longer resemble the Mean asked for, and the
// redrawing would be slow. Past MaxTries draws (never reached by a valid
// Dist: at MinKept the chance is 10⁻⁴⁴) the last one is clamped instead.
// Expected gives the mean after truncation, for planning and cost
// estimates.
//
// # Determinism
//
// Draw consumes only r.Uint64: the uniform integer, the uniform float and
// the normal deviate are built from raw bits here, not by math/rand/v2's
// methods (IntN takes a different path on 32-bit platforms, NormFloat64's
// ziggurat is not a specified algorithm). So a seed gives the same lengths
// on every platform and Go release, up to the last bit of math.Log and
// math.Exp.
package lengths
