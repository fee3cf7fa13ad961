package localrun_test

import (
	"context"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/arrival"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// TestLevelInRounds runs one level of 5 s (200 ms warm-up + 4.8 s) with
// workers whose configured timeout leaves 2 s per invocation (the
// planner's limit, plan.MaxLevelIn of the timeout and the start margin,
// as functions/planner computes it from LLMBENCH_WORKER_TIMEOUT_S): the
// definition runs it as 3 rounds (2 s, 2 s, 1 s) of the same 2 slices.
// It checks continuity: every row once (each worker's seqs 0..n-1, no
// gap, no repeat), every prompt_id once, each row's intended time inside
// its round's window of the level, in the closed loop every virtual user
// in every round and never two of its requests at once (its first request
// of a round due no earlier than its last one of the round before
// ended), conversations going on across rounds (turns 1, 2, 3… of each
// session once), in the open loop exactly the level's arrival schedule;
// and the summary's round gaps (every slice, every boundary, at least
// the start margin).
func TestLevelInRounds(t *testing.T) {
	const margin = 50 * time.Millisecond
	for _, c := range []struct {
		name, load, workload string
		sessions             bool
	}{
		// Closed loop: 4 virtual users on 2 workers.
		{"closed", `"levels":[4],"slice_concurrency":2`, `"input_tokens":8,"output_tokens":4`, false},
		// Closed loop with conversations of 3 turns and a think time.
		{"sessions", `"levels":[4],"slice_concurrency":2`, `"input_tokens":8,"output_tokens":4,"session":{"turns":3,"think_time":"30ms"}`, true},
		// Open loop: Poisson arrivals at 60 req/s on 2 workers.
		{"open", `"mode":"rate","rates":[60],"slice_rate":30`, `"input_tokens":8,"output_tokens":4`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, _ := simllm.LookupProfile("fixed")
			p.TTFT, p.ITL = 5*time.Millisecond, 2*time.Millisecond
			sim := workflowtest.Sim(t, simllm.Options{Profile: p})
			env := workflowtest.New(t, `{"name":"rounds","target":{"kind":"sim","profile":"fixed"},"seed":5,
			  "workload":{`+c.workload+`},
			  "load":{`+c.load+`,"warmup":"200ms","duration":"4800ms"}}`, workflowtest.Options{BaseURL: sim.URL, StartMargin: margin})
			open := func(context.Context, string) (store.Store, error) { return env.Store, nil }
			timeout := 62*time.Second + margin // a worker timeout leaving 2 s per invocation
			env.Planner = workflow.NewPlanner(open, workflowtest.Files, plan.MaxLevelIn(timeout, margin))
			out, err := execution(env, nil).Run(context.Background(), "rounds", env.Input)
			if err != nil {
				t.Fatal(err)
			}
			_, pl, err := plan.Load(context.Background(), env.Store, out.RunID)
			if err != nil {
				t.Fatal(err)
			}
			lv := pl.Levels[0]
			if lv.RoundCount() != 3 || lv.RoundMs != 2000 || len(lv.Slices) != 2 {
				t.Fatalf("planned %d rounds of %d ms over %d slices, want 3 of 2000 over 2", lv.RoundCount(), lv.RoundMs, len(lv.Slices))
			}
			rows := workflowtest.ReadRows(t, env.Store, out.RunID)
			checkRoundRows(t, rows, lv, c.name == "open", c.sessions)
			if c.name == "open" {
				checkSchedule(t, env, lv, rows)
			}

			sum := workflowtest.ReadSummary(t, env.Store, out.RunID)
			l := sum.Levels[0]
			if l.Requests+l.WarmupRequests != len(rows) {
				t.Errorf("summary: %d requests + %d warm-up, %d rows", l.Requests, l.WarmupRequests, len(rows))
			}
			g := l.RoundGapMs
			if g == nil || g.Rounds != 3 || g.RoundMs != 2000 || g.Gaps != 2*2 || g.Missing != 0 {
				t.Fatalf("round_gap_ms %+v: want 3 rounds of 2000 ms, 4 gaps (2 slices × 2 boundaries), none missing", g)
			}
			// A round starts at its Slices state's entry plus the margin,
			// after the round before ended: no gap is shorter than that.
			if g.Mean < float64(margin.Milliseconds())-1 || g.Max < g.Mean {
				t.Errorf("round_gap_ms %+v: want mean >= the %v start margin, max >= mean", g, margin)
			}
			t.Logf("%d rows in %d rounds; round_gap_ms mean %.1f max %.1f over %d gaps", len(rows), g.Rounds, g.Mean, g.Max, g.Gaps)
			if len(sum.Unfinished) != 0 || len(sum.FailedSlices) != 0 {
				t.Errorf("unfinished %+v, failed %+v", sum.Unfinished, sum.FailedSlices)
			}
		})
	}
}

// checkRoundRows checks the continuity of a level's rows over its rounds.
func checkRoundRows(t *testing.T, rows []sample.Row, lv plan.Level, open, sessions bool) {
	t.Helper()
	level := time.Duration(lv.RoundCount()-1)*lv.RoundLength() + 1000*time.Millisecond // the last round is 1 s
	seqs := map[int32][]int64{}
	prompts := map[int64]bool{}
	type key struct{ worker, vu int32 }
	byVU := map[key][]sample.Row{}
	perRound := map[int32]int{}
	for _, r := range rows {
		seqs[r.Worker] = append(seqs[r.Worker], r.Seq)
		if prompts[r.PromptID] {
			t.Errorf("prompt_id %d sent twice", r.PromptID)
		}
		prompts[r.PromptID] = true
		perRound[r.Round]++
		off, length := lv.RoundWindow(int(r.Round), level)
		from, to := float64(off.Milliseconds()), float64((off + length).Milliseconds())
		if r.IntendedMs < from-0.01 || r.IntendedMs >= to+0.01 {
			t.Errorf("worker %d seq %d round %d: intended_ms %.3f outside its round's window [%g, %g)", r.Worker, r.Seq, r.Round, r.IntendedMs, from, to)
		}
		if !open {
			byVU[key{r.Worker, r.VU}] = append(byVU[key{r.Worker, r.VU}], r)
		}
	}
	for round := range int32(lv.RoundCount()) {
		if perRound[round] == 0 {
			t.Errorf("round %d: no rows", round)
		}
	}
	for w, ss := range seqs {
		sort.Slice(ss, func(i, j int) bool { return ss[i] < ss[j] })
		for i, s := range ss {
			if s != int64(i) {
				t.Fatalf("worker %d: seq %d at place %d: a row lost or doubled between rounds", w, s, i)
			}
		}
	}
	if open {
		return
	}
	if want := lv.Concurrency; len(byVU) != want {
		t.Errorf("%d virtual users wrote rows, want %d", len(byVU), want)
	}
	sessionTurns := map[int64][]int32{}
	for k, rs := range byVU {
		sort.Slice(rs, func(i, j int) bool { return rs[i].Seq < rs[j].Seq })
		rounds := map[int32]bool{}
		for i, r := range rs {
			rounds[r.Round] = true
			if i > 0 && r.IntendedMs < rs[i-1].EndMs-0.01 {
				t.Errorf("worker %d vu %d: seq %d (round %d) due at %.3f ms, before its seq %d (round %d) ended at %.3f ms",
					k.worker, k.vu, r.Seq, r.Round, r.IntendedMs, rs[i-1].Seq, rs[i-1].Round, rs[i-1].EndMs)
			}
			if r.SessionID != nil {
				sessionTurns[*r.SessionID] = append(sessionTurns[*r.SessionID], *r.Turn)
			}
		}
		if len(rounds) != lv.RoundCount() {
			t.Errorf("worker %d vu %d ran in %d of %d rounds", k.worker, k.vu, len(rounds), lv.RoundCount())
		}
	}
	if !sessions {
		return
	}
	across := 0
	for id, turns := range sessionTurns {
		for i, turn := range turns {
			if turn != int32(i+1) {
				t.Fatalf("session %d: turns %v, want 1, 2, 3… once each", id, turns)
			}
		}
	}
	// Some conversation went on from one round into the next.
	for _, rs := range byVU {
		for i := 1; i < len(rs); i++ {
			if rs[i].Round != rs[i-1].Round && rs[i].Turn != nil && *rs[i].Turn > 1 {
				across++
			}
		}
	}
	if across == 0 {
		t.Errorf("no conversation continued across a round boundary (%d sessions)", len(sessionTurns))
	}
}

// checkSchedule checks that an open-loop level in rounds sent exactly its
// arrival schedule: each worker's rows, by seq, are its share's arrivals
// at their intended offsets.
func checkSchedule(t *testing.T, env *workflowtest.Env, lv plan.Level, rows []sample.Row) {
	t.Helper()
	byWorker := map[int32][]sample.Row{}
	for _, r := range rows {
		byWorker[r.Worker] = append(byWorker[r.Worker], r)
	}
	for _, sl := range lv.Slices {
		share, err := arrival.NewShare(plan.ArrivalSpec(env.Spec, lv), sl.Worker, sl.Workers)
		if err != nil {
			t.Fatal(err)
		}
		rs := byWorker[int32(sl.Worker)]
		sort.Slice(rs, func(i, j int) bool { return rs[i].Seq < rs[j].Seq })
		n := 0
		for {
			_, at, ok := share.Next()
			if !ok {
				break
			}
			if n >= len(rs) {
				t.Fatalf("worker %d: %d rows, the schedule has more", sl.Worker, len(rs))
			}
			if got, want := rs[n].IntendedMs, float64(at)/float64(time.Millisecond); math.Abs(got-want) > 0.001 {
				t.Fatalf("worker %d seq %d: intended_ms %.4f, the schedule says %.4f", sl.Worker, rs[n].Seq, got, want)
			}
			n++
		}
		if n != len(rs) {
			t.Errorf("worker %d: %d rows for %d arrivals", sl.Worker, len(rs), n)
		}
	}
}
