package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/store"
)

// A level's slices run as a Distributed Map (statemachine/benchmark.asl.json):
// its ItemReader reads the level's slice list (store.MapRunItemsKey, the
// workers' numbers, written when the level is planned), each slice is a
// child execution, at most load.tolerated_failure_percent of them may
// fail, and their results are written by the Map's ResultWriter to the
// store under store.MapRunPrefix (one map run per round), so that what
// travels through the state machine stays small whatever the number of
// slices: per level, a LevelOutcome.

// ResultsLocation is where a level's slices Map writes its ResultWriter
// files: the definition passes it as the ResultWriter's Parameters. For
// an s3:// output it is the output's bucket and the level's MapRunPrefix
// under its prefix; for a local folder, Bucket is LocalBucket and Prefix
// the folder joined with the MapRunPrefix (ResultWriter writes it).
type ResultsLocation struct {
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix"`
}

// ItemsLocation is where a level's slice list is: the definition passes
// it as the slices Map's ItemReader Parameters. Bucket is a
// ResultsLocation's; Key its Prefix joined with store.MapRunItemsFile.
type ItemsLocation struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

// LocalBucket is the Bucket of a ResultsLocation in a local folder.
const LocalBucket = "local-folder"

// resultsLocation is the ResultsLocation of a level of a run.
func resultsLocation(output, runID string, level int) ResultsLocation {
	rel := strings.TrimSuffix(store.MapRunPrefix(runID, level), "/")
	if rest, ok := strings.CutPrefix(output, "s3://"); ok {
		bucket, prefix, _ := strings.Cut(rest, "/")
		if prefix = strings.Trim(prefix, "/"); prefix != "" {
			rel = prefix + "/" + rel
		}
		return ResultsLocation{Bucket: bucket, Prefix: rel}
	}
	return ResultsLocation{Bucket: LocalBucket, Prefix: strings.TrimSuffix(output, "/") + "/" + rel}
}

// MapRunFiles reads and writes a Distributed Map's S3 objects (its
// ItemReader's slice list, its ResultWriter's files) in the store of the
// run they belong to: what the local runner (and the Step Functions fake)
// give sfnlocal as Options.ItemReader and Options.ResultWriter, where AWS
// reads and writes S3 itself. Only keys under a run's maprun/ folder are
// served.
type MapRunFiles struct {
	open OpenStore
}

// NewMapRunFiles returns MapRunFiles over the stores open opens.
func NewMapRunFiles(open OpenStore) *MapRunFiles { return &MapRunFiles{open: open} }

// PutObject writes body at key of bucket: key is a ResultsLocation's
// Prefix and a file under it, which names the run's output and the key in
// its store.
func (w *MapRunFiles) PutObject(ctx context.Context, bucket, key string, body []byte) error {
	st, k, err := w.store(ctx, "result writer", bucket, key)
	if err != nil {
		return err
	}
	if err := st.Put(ctx, k, body); err != nil {
		return fmt.Errorf("workflow: result writer: put %s: %w", k, err)
	}
	return nil
}

// GetObject reads the object at key of bucket (an ItemsLocation).
func (w *MapRunFiles) GetObject(ctx context.Context, bucket, key string) ([]byte, error) {
	st, k, err := w.store(ctx, "item reader", bucket, key)
	if err != nil {
		return nil, err
	}
	b, err := st.Get(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("workflow: item reader: get %s: %w", k, err)
	}
	return b, nil
}

// store opens the store a map run's object belongs to and returns the
// object's key in it.
func (w *MapRunFiles) store(ctx context.Context, what, bucket, key string) (store.Store, string, error) {
	i := strings.Index(key, "/maprun/level=")
	j := strings.LastIndex(key[:max(i, 0)], "runs/")
	if i < 0 || j < 0 || (j > 0 && key[j-1] != '/') {
		return nil, "", fmt.Errorf("workflow: %s: key %q is not under a run's maprun/ folder", what, key)
	}
	output := strings.TrimSuffix(key[:j], "/")
	if bucket != LocalBucket {
		output = "s3://" + bucket + "/" + output
	}
	st, err := w.open(ctx, output)
	if err != nil {
		return nil, "", fmt.Errorf("workflow: %s: open %s: %w", what, output, err)
	}
	return st, key[j:], nil
}

// writeItems writes each level's slice list where its ItemReader reads
// it: the workers' numbers 0..slices-1. A retried step writes the same.
func writeItems(ctx context.Context, st store.Store, runID string, levels []plan.Level) error {
	for _, l := range levels {
		if len(l.Slices) == 0 {
			continue
		}
		workers := make([]int, len(l.Slices))
		for i, sl := range l.Slices {
			workers[i] = sl.Worker
		}
		b, _ := json.Marshal(workers)
		if err := st.Put(ctx, store.MapRunItemsKey(runID, l.Index), b); err != nil {
			return fmt.Errorf("workflow: slice list of level %d: %w", l.Index, err)
		}
	}
	return nil
}

// LevelOutcome is one level as the definition's Levels Map returns it:
// by round ("r0", "r1", …), RoundOK for a round whose slices Map
// succeeded, or the Map's error when more slices failed than
// load.tolerated_failure_percent allows. The slices that failed are in
// the map runs' FAILED files (failedSlices).
type LevelOutcome struct {
	LevelIndex int                     `json:"level_index"`
	Rounds     map[string]RoundOutcome `json:"rounds"`
}

// RoundOutcome is one round of a level's slices Map: OK, or Error and
// Cause (States.ExceedToleratedFailureThreshold).
type RoundOutcome struct {
	OK    bool   `json:"ok,omitempty"`
	Error string `json:"Error,omitempty"`
	Cause string `json:"Cause,omitempty"`
}

// ThresholdExceeded is the first round (by number) of the level whose
// slices Map failed past its tolerance, or nil.
func (o LevelOutcome) ThresholdExceeded() (round int, f *StepFailure) {
	keys := make([]string, 0, len(o.Rounds))
	for k := range o.Rounds {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool { return roundNumber(keys[a]) < roundNumber(keys[b]) })
	for _, k := range keys {
		if r := o.Rounds[k]; !r.OK {
			return roundNumber(k), &StepFailure{Error: r.Error, Cause: r.Cause}
		}
	}
	return -1, nil
}

func roundNumber(key string) int {
	var n int
	fmt.Sscanf(key, "r%d", &n)
	return n
}

// mapRunChild is one child execution of a ResultWriter's FAILED file:
// what the aggregator reads of it.
type mapRunChild struct {
	Input  string `json:"Input"`
	Status string `json:"Status"`
	Error  string `json:"Error"`
	Cause  string `json:"Cause"`
}

// failedSlices reads the slices a level's map runs (every round's) record
// as failed or aborted, from their FAILED files under store.MapRunPrefix:
// each child's input is the slice's WorkEvent.
func failedSlices(ctx context.Context, st store.Store, runID string, level int) ([]SliceFailure, error) {
	keys, err := st.List(ctx, store.MapRunPrefix(runID, level))
	if err != nil {
		return nil, fmt.Errorf("workflow: aggregate: map runs of level %d: %w", level, err)
	}
	var out []SliceFailure
	for _, k := range keys {
		if !strings.HasPrefix(k[strings.LastIndexByte(k, '/')+1:], "FAILED_") {
			continue
		}
		b, err := st.Get(ctx, k)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("workflow: aggregate: %s: %w", k, err)
		}
		var children []mapRunChild
		if err := json.Unmarshal(b, &children); err != nil {
			return nil, fmt.Errorf("workflow: aggregate: %s: %w", k, err)
		}
		for _, c := range children {
			var in WorkEvent
			if err := json.Unmarshal([]byte(c.Input), &in); err != nil {
				return nil, fmt.Errorf("workflow: aggregate: %s: a child's input %q: %w", k, c.Input, err)
			}
			f := SliceFailure{LevelIndex: in.LevelIndex, Worker: in.Worker, Round: in.Round, Error: c.Error, Cause: c.Cause}
			if c.Status == "ABORTED" {
				f.Error, f.Cause = "Aborted", "stopped when the level's failures passed load.tolerated_failure_percent"
			}
			out = append(out, f)
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Round != out[b].Round {
			return out[a].Round < out[b].Round
		}
		return out[a].Worker < out[b].Worker
	})
	return out, nil
}
