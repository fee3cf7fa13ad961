package plan_test

import (
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
)

// TestRounds plans levels against the worker's configured timeout. The
// figures are by hand: a 5-minute worker with a 10 s start margin runs
// 300 − 10 − 60 = 230 s of a level per invocation.
func TestRounds(t *testing.T) {
	limit := plan.MaxLevelIn(5*time.Minute, 10*time.Second)
	if limit != 230*time.Second {
		t.Fatalf("MaxLevelIn(5m, 10s) = %v, want 3m50s", limit)
	}
	if plan.MaxLevelIn(time.Minute, 10*time.Second) != 0 {
		t.Error("a one-minute worker leaves no level time")
	}
	const head = `{"name":"s","target":{"kind":"sim"},"load":{"levels":[4],`
	for _, c := range []struct {
		name, load string
		limit      time.Duration
		rounds     int
		roundMs    int64
		last       time.Duration // the last round's length
		err        string        // a refusal's text, with its numbers
	}{
		// 1,800 s / 230 s = 7.8: 8 rounds, 7 of 230 s and one of 190 s.
		{"30 minutes, 5-minute worker", `"duration":"30m"`, limit, 8, 230_000, 190 * time.Second, ""},
		// The warm-up counts: 10 s + 450 s = 460 s, exactly 2 rounds.
		{"warm-up in round 0", `"warmup":"10s","duration":"450s"`, limit, 2, 230_000, 230 * time.Second, ""},
		// One second more: a third round of 1 s.
		{"a second over", `"warmup":"10s","duration":"451s"`, limit, 3, 230_000, time.Second, ""},
		// A level that fits runs in one round.
		{"fits", `"duration":"3m"`, limit, 1, 0, 3 * time.Minute, ""},
		// No limit (local runs): one round whatever the length.
		{"no limit", `"duration":"30m"`, 0, 1, 0, 30 * time.Minute, ""},
		// load.round chooses shorter rounds: 600 s / 100 s.
		{"load.round", `"duration":"10m","round":"100s"`, limit, 6, 100_000, 100 * time.Second, ""},
		// The cool-down is waited in round 0: rounds of 230 − 30 = 200 s.
		{"cool-down", `"duration":"10m","cooldown":"30s"`, limit, 3, 200_000, 200 * time.Second, ""},
		// A round longer than an invocation is refused with the numbers.
		{"load.round too long", `"duration":"30m","round":"5m"`, limit, 0, 0, 0, "load.round: 5m0s (plus load.cooldown 0s) is longer than the 3m50s one worker invocation can run"},
		// What does not carry over between rounds is refused.
		{"requests", `"duration":"30m","requests":100`, limit, 0, 0, 0, "needs 8 rounds of 3m50s (one worker invocation runs at most 3m50s): is refused with load.requests"},
		{"warm-up past round 0", `"warmup":"4m","duration":"30m"`, limit, 0, 0, 0, "the warm-up (load.warmup 4m0s) must end inside the first round of 3m50s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := parseSpec(t, head+c.load+`}}`)
			p, err := plan.MakeIn(s, "r-20261204T000000Z-0000", time.Now(), c.limit)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want one saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			lv := p.Levels[0]
			if lv.RoundCount() != c.rounds || lv.RoundMs != c.roundMs {
				t.Fatalf("%d rounds of %d ms, want %d of %d", lv.RoundCount(), lv.RoundMs, c.rounds, c.roundMs)
			}
			level := s.Load.Warmup.D() + s.Load.Duration.D()
			var total time.Duration
			for r := range lv.RoundCount() {
				off, length := lv.RoundWindow(r, level)
				if off != total || length <= 0 {
					t.Fatalf("round %d at %v for %v, want at %v", r, off, length, total)
				}
				total += length
				if r == lv.RoundCount()-1 && length != c.last {
					t.Errorf("last round %v, want %v", length, c.last)
				}
			}
			if total != level {
				t.Errorf("rounds cover %v of a %v level", total, level)
			}
		})
	}
}

// TestRoundsHistory refuses rounds whose worst course writes more history
// than Step Functions keeps: 240 hours of 40 slices in rounds of 230 s
// (the slices being child executions, a round writes 10 events whatever
// its slices).
func TestRoundsHistory(t *testing.T) {
	s := parseSpec(t, `{"name":"s","target":{"kind":"sim"},"load":{"levels":[40],"duration":"240h","slice_concurrency":1}}`)
	_, err := plan.MakeIn(s, "r-20261204T000000Z-0000", time.Now(), plan.MaxLevelIn(5*time.Minute, 10*time.Second))
	if err == nil || !strings.Contains(err.Error(), "more than Step Functions' 25000") {
		t.Fatalf("err = %v", err)
	}
	// The count: 3,757 rounds (864,000 s / 230 s) of 40 slices.
	want := plan.HistoryEventsOf([][]plan.Shape{{{Slices: 40, Rounds: 3757}}}, 0, true)
	if !strings.Contains(err.Error(), "write "+itoa(want)+" execution") {
		t.Errorf("err = %v, want the count %d", err, want)
	}
}

func itoa(n int) string { return fmtInt(n) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
