// Package arrival computes the open-loop arrival schedule of a rate level
// (load.mode "rate"): the intended send time of every request, as an
// offset from the level's start, a pure function of the level's Spec.
//
// # Model
//
// A level's arrivals are a renewal process with unit rate in "operational
// time" u, mapped to real time through the inverse of the cumulative
// intensity Λ(t) = ∫₀ᵗ rate(s) ds: arrival i is at t_i = Λ⁻¹(u_i).
// Without a ramp rate(t) is the constant Rate and Λ⁻¹(u) = u/Rate. The
// processes differ only in their operational gaps:
//
//   - poisson: gaps ~ Exp(1). The arrivals are a Poisson process of rate
//     rate(t), homogeneous or not; under a ramp this is the time-rescaling
//     theorem, so the non-homogeneous process is drawn exactly, not by
//     sleeping in rate steps.
//   - gamma: gaps ~ Gamma(shape b, scale 1/b), b = Burstiness: mean 1,
//     squared coefficient of variation 1/b. At a constant rate these are
//     vLLM's gaps (bench serve: shape = burstiness, scale =
//     1/(rate·burstiness)): b = 1 is Poisson (and draws exactly the poisson
//     schedule), b < 1 is burstier, b > 1 smoother. Under a ramp the same
//     rescaling gives a process whose local rate is rate(t) and whose local
//     burstiness is b.
//   - constant: u_i = i exactly; without a ramp arrival i is at i/Rate, the
//     first at 0, with no accumulated rounding.
//
// The random processes start in equilibrium: a poisson schedule's first
// gap is an ordinary Exp(1) (memoryless), a gamma schedule's first gap is
// the stationary residual U·Gamma(b+1, 1/b) rather than an ordinary gap. So
// the mean number of arrivals in [0, t) is Λ(t) exactly, from the first
// second, for both (Spec.Expected); vLLM's schedule, which starts with an
// ordinary gap, overshoots by about (1/b − 1)/2 arrivals. Unlike vLLM, the
// schedule is not rescaled afterwards to make N arrivals end at exactly
// N/rate: that rescaling conditions on the total and would break the
// Poisson counts the statistics rely on.
//
// A ramp (load.ramp) takes the rate from From to To over Over, linearly or
// geometrically, then holds To; Λ⁻¹ is closed-form for both (a quadratic
// root, a log1p), so a ramped arrival costs no more than a flat one. vLLM's
// ramp instead steps the rate per request index.
//
// # Determinism
//
// The generator is a PCG seeded from (Seed, Level) alone; each arrival
// consumes its draws in order, and Duration and Requests only truncate the
// sequence (a longer level extends the same prefix). Every worker of a
// level therefore computes the same global sequence and keeps its own
// share, arrival i going to worker i mod W (Share): nothing but the Spec
// travels through the state machine, and the union of the shares is
// exactly the global schedule. The draws are built from the PCG's raw bits
// and the math package (not from math/rand/v2's ziggurat methods), so the
// sequence depends on no unspecified algorithm. Offsets are computed in
// float64 and rounded to the nanosecond: they never decrease, and two may
// be equal. Builds for different architectures could differ in the last
// bit of a math function or by a fused multiply-add, and so, very rarely,
// by a nanosecond; the workers of one level run one build.
//
// A Share walks the global sequence and keeps its worker's arrivals, so a
// worker pays for the whole level whatever W is: 20 ns per arrival for
// poisson, 45–70 ns for gamma, 6 ns for constant (BenchmarkNext), that is
// 1–4 ms for a 60,000-arrival level (1,000 req/s for 60 s), spent lazily
// as the level runs, under 0.01% of one core. Skipping by anything
// cleverer than a walk would have to change the sequence.
package arrival
