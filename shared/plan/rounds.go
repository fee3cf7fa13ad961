package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/spec"
)

// Rounds (issue 14). A worker's slice of a level runs in one invocation,
// which its configured timeout bounds (MaxLevelIn). A longer level runs as
// consecutive rounds of the same slices: the state machine loops over the
// level's slices Map Rounds times, each round with its own common start
// instant (the Map entered + the start margin). Round r covers the level's
// time [r·RoundMs, min((r+1)·RoundMs, warm-up + duration)): its rows'
// times are measured from the level's start plus that offset, so a
// level's rows read as one level. What carries from one round to the next
// (virtual users and their conversations, sequence numbers, the arrival
// schedule) is the worker's (package workflow).

// RoundCount is the number of rounds the level runs: at least 1.
func (l Level) RoundCount() int { return max(l.Rounds, 1) }

// RoundLength is one round's length, 0 for a level of one round.
func (l Level) RoundLength() time.Duration { return time.Duration(l.RoundMs) * time.Millisecond }

// RoundWindow is round r's share of the level's time (warm-up plus
// duration, levelTime): from its offset, for its length.
func (l Level) RoundWindow(r int, levelTime time.Duration) (offset, length time.Duration) {
	if l.RoundCount() == 1 {
		return 0, levelTime
	}
	offset = time.Duration(r) * l.RoundLength()
	return offset, min(l.RoundLength(), levelTime-offset)
}

// splitRounds gives a level of a validated spec its rounds: one unless its
// cool-down, warm-up and duration outlast what one worker invocation runs
// (p.RoundLimitMs), or load.round is shorter than the level. A round is
// load.round long, else as long as an invocation allows (less the
// cool-down, which the first round of every level but the first waits);
// rounds = ⌈(warm-up + duration) / round⌉, the last shorter. It refuses a
// load.round longer than an invocation, with the numbers, and a level
// needing rounds that rounds cannot carry (spec.RoundRefusals).
func (p *Plan) splitRounds(s *spec.Spec, lv *Level) error {
	l := s.Load
	level := l.Warmup.D() + l.Duration.D()
	limit := time.Duration(p.RoundLimitMs) * time.Millisecond
	cool := l.Cooldown.D() // waited in round 0 (of every level but the first; counted for all, as a repeat renumbers levels)
	round := l.RoundLength()
	what := fmt.Sprintf("level %s", lv.Label())
	if limit > 0 {
		if round > 0 && round+cool > limit {
			return fmt.Errorf("plan: load.round: %v (plus load.cooldown %v) is longer than the %v one worker invocation can run a level: its configured timeout less the start margin and %v to drain and flush; shorten load.round or raise the worker's timeout",
				round, cool, limit, LambdaTimeout-MaxLambdaLevel)
		}
		if round == 0 && level+cool > limit {
			if cool >= limit {
				return fmt.Errorf("plan: load.cooldown: %v leaves no time for a round of %s in the %v one worker invocation can run a level", cool, what, limit)
			}
			round = (limit - cool).Truncate(time.Millisecond)
		}
	}
	if l.Duration.D() <= 0 || round <= 0 || level <= round {
		return nil
	}
	n := int((level + round - 1) / round)
	if why := s.RoundRefusals(round); len(why) > 0 {
		return fmt.Errorf("plan: %s (load.warmup + load.duration %v) needs %d rounds of %v (one worker invocation runs at most %v): %s",
			what, level, n, round, limitText(limit), strings.Join(why, "; "))
	}
	lv.Rounds, lv.RoundMs = n, round.Milliseconds()
	return nil
}

func limitText(limit time.Duration) string {
	if limit <= 0 {
		return "load.round"
	}
	return limit.String()
}

// checkRoundHistory refuses a plan with rounds whose worst course (every
// retry and every slice failing, in every round) could write more
// execution history events than Step Functions keeps.
func (p *Plan) checkRoundHistory() error {
	var batch []Shape
	rounds := false
	for _, lv := range p.Levels {
		batch = append(batch, Shape{Slices: len(lv.Slices), Rounds: lv.RoundCount()})
		rounds = rounds || lv.RoundCount() > 1
	}
	if !rounds {
		return nil
	}
	if n := HistoryEventsOf([][]Shape{batch}, 0, true); n > MaxHistoryEvents {
		return fmt.Errorf("plan: the levels' rounds could write %d execution history events (every retry and slice failing), more than Step Functions' %d: run fewer or shorter levels, fewer slices (raise load.slice_concurrency or load.slice_rate), or longer rounds (a longer worker timeout)",
			n, MaxHistoryEvents)
	}
	return nil
}
