// Package loadgen drives load against a target and reports every request it
// issued, exactly once, whatever happened to it.
//
// ClosedLoop runs N virtual users, each issuing its next request the moment
// the previous one ends, so exactly N requests are in flight for the whole
// measured time (no batch barrier that waits for the slowest, no overshoot
// past N). An open-loop executor (requests at a Poisson or gamma rate) fits
// the same Executor interface: it reports the intended issue time of each
// request in Issued.Intended, so queueing delay on the client side is
// recorded instead of hidden.
//
// Timing rules:
//   - Every executor starts at Config.Start, a wall-clock instant shared by
//     the workers of a level, so they begin together.
//   - Requests issued before Start+Warmup are warm-up: reported with
//     Warmup=true, stored, kept out of every figure.
//   - No request is issued after Start+Warmup+Duration, nor past the
//     Requests budget, nor once Drain is closed; requests in flight then
//     run to completion (bounded by RequestTimeout).
//   - Cancelling ctx cancels requests in flight: they are reported with
//     status canceled, keeping what was measured before.
package loadgen
