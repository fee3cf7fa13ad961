//go:build race

package localrun_test

// raceEnabled: the race detector slows the simulated server's timers and
// the client alike; tests that judge latencies against an SLO skip then
// (the unit run has them; the race run looks for data races).
const raceEnabled = true
