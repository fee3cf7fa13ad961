package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/session"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
)

// Rounds (issue 14): a level longer than one worker invocation runs as
// consecutive rounds of the same slices (plan's rounds.go), each round of
// a slice a Work step of its own. Round r runs the level's time
// [offset, offset+length): its rows' times are measured from the level's
// start shifted by the offset, so that the level's rows read as one
// level. What carries from round r to r+1, through round r's slice
// record (RoundCarry):
//   - closed loop: the virtual users. Their requests in flight at the
//     round's end finish there (a round stops issuing at its end and
//     drains, as a level does); each user's next request is due where its
//     answer, think time or back-off put it, after the round's end, and
//     in round r+1 it goes out that long after the round's start. Their
//     sequence numbers (and so their prompt draws) go on from round r's
//     last, and their conversations (workload.session) go on with their
//     history.
//   - open loop: the level's one arrival schedule. Round r sends the
//     arrivals whose intended offsets fall in its window; an arrival still
//     waiting for a slot at the window's end is a not_sent row, as at a
//     level's end. Sequence numbers are the arrivals' order within the
//     worker's share, whatever the round.

// RoundCarry is what a round leaves its slice's next round.
type RoundCarry struct {
	// SeqEnd is the seq of the slice's next request: round r issued
	// [SeqBase, SeqEnd).
	SeqEnd int64 `json:"seq_end"`
	// Users are the closed loop's virtual users at the round's end, by vu.
	Users []UserCarry `json:"users,omitempty"`
	// Sessions are their conversations (workload.session).
	Sessions *session.State `json:"sessions,omitempty"`
}

// UserCarry is a virtual user at a round's end (loadgen.Carried, in ms):
// its next request is due DueMs after the round's end.
type UserCarry struct {
	DueMs     float64 `json:"due_ms"`
	ThinkMs   float64 `json:"think_ms,omitempty"`
	BackoffMs float64 `json:"backoff_ms,omitempty"`
	Streak    int     `json:"streak,omitempty"`
}

// roundRun is one round of a slice as its worker runs it.
type roundRun struct {
	round, rounds  int
	offset, length time.Duration // of the level's time (warm-up plus duration)
	seqBase        int64
	from           *RoundCarry // the previous round's carry (closed loop), nil in round 0
	lost           string      // why the previous round's carry was not there, if it was not
}

// roundOf is round `round` of the slice: its window of the level, and
// (closed loop, round > 0) what the slice's previous round left. A
// previous round that did not finish (it failed, or is unreadable) leaves
// no users to continue: the round starts them afresh, says so in its
// record (carry_lost), and numbers its requests on past what that round
// had on disk, with a margin, so that no seq repeats.
func roundOf(ctx context.Context, st store.Store, r *run, lv plan.Level, sl plan.Slice, round int) (roundRun, error) {
	if round < 0 || round >= lv.RoundCount() {
		return roundRun{}, fmt.Errorf("workflow: work: round %d of level %d, which has %d round(s)", round, lv.Index, lv.RoundCount())
	}
	s := r.spec.Load
	rr := roundRun{round: round, rounds: lv.RoundCount()}
	rr.offset, rr.length = lv.RoundWindow(round, s.Warmup.D()+s.Duration.D())
	if round == 0 || lv.Mode == spec.ModeRate {
		return rr, nil
	}
	for back := round - 1; back >= 0; back-- {
		key := store.RoundRecordKey(sl.RunID, sl.LevelIndex, sl.Worker, back)
		b, err := st.Get(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			rr.lost = join(rr.lost, fmt.Sprintf("round %d left no record", back))
			continue
		}
		if err != nil {
			return rr, err
		}
		var prev SliceRecord
		if err := json.Unmarshal(b, &prev); err != nil {
			rr.lost = join(rr.lost, fmt.Sprintf("round %d's record is unreadable", back))
			rr.seqBase = lostSeqBase(back)
			return rr, nil
		}
		if prev.Done && prev.Carry != nil && back == round-1 {
			rr.from, rr.seqBase = prev.Carry, prev.Carry.SeqEnd
			return rr, nil
		}
		if prev.Done && prev.Carry != nil {
			rr.seqBase = prev.Carry.SeqEnd + lostSeqMargin
		} else {
			rr.lost = join(rr.lost, fmt.Sprintf("round %d did not finish", back))
			rr.seqBase = prev.SeqBase + int64(prev.Requests) + lostSeqMargin
		}
		return rr, nil
	}
	return rr, nil
}

// lostSeqMargin is how far past the rows a round that did not finish
// had on disk the next round numbers its requests: more than any round's
// requests in flight could be.
const lostSeqMargin = 1 << 20

func lostSeqBase(round int) int64 { return int64(round+1) * lostSeqMargin }

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// configure sets the loadgen window of the round: round 0 holds the
// warm-up (the planner keeps it inside it), later rounds are all measured.
func (rr roundRun) configure(cfg *loadgen.Config) {
	if rr.rounds <= 1 {
		return
	}
	warm := max(min(cfg.Warmup-rr.offset, rr.length), 0)
	cfg.Warmup, cfg.Duration = warm, rr.length-warm
}

// resume is ClosedLoop.Resume from the previous round's carry; nil in a
// first round or when it was lost.
func (rr roundRun) resume() func(vu int) loadgen.Carried {
	if rr.from == nil || len(rr.from.Users) == 0 {
		return nil
	}
	users := rr.from.Users
	return func(vu int) loadgen.Carried {
		if vu >= len(users) {
			return loadgen.Carried{}
		}
		u := users[vu]
		return loadgen.Carried{Due: msDur(u.DueMs), Think: msDur(u.ThinkMs), Backoff: msDur(u.BackoffMs), Streak: u.Streak}
	}
}

func msDur(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

func durMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// carrier collects the closed loop's users at a round's end
// (ClosedLoop.Carry), for a level with more rounds to come.
type carrier struct {
	mu    sync.Mutex
	users []UserCarry
}

func newCarrier(rr roundRun, users int) *carrier {
	if rr.rounds <= 1 || rr.round == rr.rounds-1 {
		return nil
	}
	return &carrier{users: make([]UserCarry, users)}
}

// carry is ClosedLoop.Carry; nil without a next round.
func (c *carrier) carry() func(vu int, cd loadgen.Carried) {
	if c == nil {
		return nil
	}
	return func(vu int, cd loadgen.Carried) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if vu < len(c.users) {
			c.users[vu] = UserCarry{DueMs: durMs(cd.Due), ThinkMs: durMs(cd.Think), BackoffMs: durMs(cd.Backoff), Streak: cd.Streak}
		}
	}
}

// window is the arrivals of a rate level's schedule whose intended
// offsets fall in a round's window [from, to), as offsets from the
// round's start.
type window struct {
	src      loadgen.Arrivals
	from, to time.Duration
	head     struct {
		i  int64
		at time.Duration
		ok bool
	}
	done bool
}

// newWindow skips the arrivals before from and returns the window and how
// many it skipped: the round's first seq.
func newWindow(src loadgen.Arrivals, from, to time.Duration) (*window, int64) {
	w := &window{src: src, from: from, to: to}
	var skipped int64
	for {
		i, at, ok := src.Next()
		if !ok {
			w.done = true
			return w, skipped
		}
		if at >= from {
			w.head.i, w.head.at, w.head.ok = i, at, true
			return w, skipped
		}
		skipped++
	}
}

// Next is loadgen.Arrivals.
func (w *window) Next() (int64, time.Duration, bool) {
	if w.done {
		return 0, 0, false
	}
	var i int64
	var at time.Duration
	if w.head.ok {
		i, at, w.head.ok = w.head.i, w.head.at, false
	} else {
		var ok bool
		if i, at, ok = w.src.Next(); !ok {
			w.done = true
			return 0, 0, false
		}
	}
	if at >= w.to {
		w.done = true
		return 0, 0, false
	}
	return i, at - w.from, true
}

// roundNotes reads the records of the later rounds (round 0's are the
// slice records sliceNotes reads) of every level in rounds: the gaps
// between consecutive rounds of each slice (summary.RoundGap), and the
// rounds that did not record their end.
func roundNotes(ctx context.Context, r *run) (map[int]*summary.RoundGap, []summary.UnfinishedSlice, error) {
	gaps := map[int]*summary.RoundGap{}
	var unfinished []summary.UnfinishedSlice
	for _, lv := range r.plan.Levels {
		n := lv.RoundCount()
		if n <= 1 {
			continue
		}
		g := &summary.RoundGap{Rounds: n, RoundMs: lv.RoundMs}
		var sum float64
		for _, sl := range lv.Slices {
			var prevEnd *time.Time
			for round := 0; round < n; round++ {
				key := store.RoundRecordKey(r.plan.RunID, sl.LevelIndex, sl.Worker, round)
				b, err := r.st.Get(ctx, key)
				var rec SliceRecord
				switch {
				case errors.Is(err, store.ErrNotFound):
					if round > 0 {
						unfinished = append(unfinished, summary.UnfinishedSlice{Level: sl.LevelIndex, Worker: sl.Worker, Round: round})
					}
				case err != nil:
					return nil, nil, fmt.Errorf("workflow: aggregate: slice record %s: %w", key, err)
				default:
					if json.Unmarshal(b, &rec) != nil || !rec.Done {
						if round > 0 {
							unfinished = append(unfinished, summary.UnfinishedSlice{Level: sl.LevelIndex, Worker: sl.Worker, Round: round, Started: true, Rows: rec.Requests})
						}
					}
				}
				if round > 0 {
					if prevEnd != nil && rec.FirstSendAt != nil {
						ms := durMs(rec.FirstSendAt.Sub(*prevEnd))
						g.Gaps++
						sum += ms
						if g.Gaps == 1 || ms > g.Max {
							g.Max = ms
						}
					} else {
						g.Missing++
					}
				}
				prevEnd = rec.LastEndAt
			}
		}
		if g.Gaps > 0 {
			g.Mean = sum / float64(g.Gaps)
		}
		gaps[lv.Index] = g
	}
	return gaps, unfinished, nil
}
