package workflow

import (
	"context"
	"sort"
	"time"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/summary"
)

// addStart takes in a slice record's level start instant: a level's
// slices share one, and the earliest is kept should they not.
func (n *notes) addStart(level int, start *time.Time) {
	if start == nil {
		return
	}
	if n.starts == nil {
		n.starts = map[int]time.Time{}
	}
	if t, ok := n.starts[level]; !ok || start.Before(t) {
		n.starts[level] = *start
	}
}

// runTimeline computes the run's timeline (summary.Timeline): t = 0 at
// the earliest level's start, each level placed at its start instant.
// It is nil when a level with rows has no recorded start (slice records
// written before the figure): its rows could not be placed.
func runTimeline(ctx context.Context, eng query.Engine, runID string, levels []summary.Level, starts map[int]time.Time) (*summary.Timeline, error) {
	if len(levels) == 0 {
		return nil, nil
	}
	var t0 time.Time
	for i, l := range levels {
		s, ok := starts[l.Index]
		if !ok {
			return nil, nil
		}
		if i == 0 || s.Before(t0) {
			t0 = s
		}
	}
	tl := &summary.Timeline{Start: t0}
	offsets := map[int]float64{}
	for _, l := range levels {
		ms := float64(starts[l.Index].Sub(t0)) / float64(time.Millisecond)
		offsets[l.Index] = ms
		tl.Levels = append(tl.Levels, summary.TimelineLevel{Index: l.Index, StartS: ms / 1000})
	}
	sort.Slice(tl.Levels, func(i, j int) bool { return tl.Levels[i].Index < tl.Levels[j].Index })
	ticks, err := query.Timeline(ctx, eng, runID, offsets)
	if err != nil {
		return nil, err
	}
	tl.Seconds = ticks
	return tl, nil
}
