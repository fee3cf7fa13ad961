// Package timingtest is what the wall-clock accuracy checks share: the
// figures that compare a client's timestamps with the simulated server's
// ground truth (simllm.Truth), defined once so that every client's check
// and the benchmark measure the same thing, and the one retry policy for
// checks that a loaded machine can upset.
//
// Only tests import it. Checks that compare durations with a tolerance run
// under `make accuracy` (build tag accuracy), never in the unit suite;
// Score's causality check cannot flake and runs in both.
package timingtest
