package sfnlocal

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// A Distributed Map runs each item as a child execution with its own
// history and context object ($$.Execution is the child's), as a Map Run
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html):
// its MaxConcurrency 0 means 10,000 at once; a child whose execution fails
// (uncaught) counts against ToleratedFailureCount and
// ToleratedFailurePercentage (of all items; with neither, none is
// tolerated), and past either the Map Run stops the children still
// running and fails with States.ExceedToleratedFailureThreshold. The
// execution running the Map hears MapRunStarted (with the number of
// items) and MapRunSucceeded or MapRunFailed, not its children's events;
// a child's ExecutionStarted, ExecutionSucceeded and ExecutionFailed name
// its Map Run (Event.MapRunArn). A child stopped with the Map Run has no
// ending event, one whose ItemSelector failed none at all. With a
// ResultWriter the children's results go to <Prefix>/<map run id>/ as
// SUCCEEDED_0.json and FAILED_0.json (arrays of executions, their input
// and output as JSON strings, or their Error and Cause) under a
// manifest.json, written also when the Map Run fails, and the state's
// result is {MapRunArn, ResultWriterDetails{Bucket, Key}}, Key being the
// manifest's.

// childResult is one child execution as ResultWriter exports it.
type childResult struct {
	ExecutionArn    string         `json:"ExecutionArn"`
	Input           string         `json:"Input"`
	InputDetails    map[string]any `json:"InputDetails"`
	Name            string         `json:"Name"`
	Output          *string        `json:"Output,omitempty"`
	OutputDetails   map[string]any `json:"OutputDetails,omitempty"`
	Error           *string        `json:"Error,omitempty"`
	Cause           *string        `json:"Cause,omitempty"`
	RedriveCount    int            `json:"RedriveCount"`
	RedriveStatus   string         `json:"RedriveStatus"`
	StartDate       string         `json:"StartDate"`
	StateMachineArn string         `json:"StateMachineArn"`
	Status          string         `json:"Status"`
	StopDate        string         `json:"StopDate"`
}

// runDistributed runs a Distributed Map's items (after ItemsPath and the
// concurrency limit) as a Map Run.
func (ex *execution) runDistributed(ctx context.Context, st *stateDef, list []any, limit int, in any, ev *evalEnv, fr frame) (any, *stateError) {
	tolCount, tolPct, serr := tolerance(st, in)
	if serr != nil {
		return nil, serr
	}
	var bucket, prefix string
	if st.resultWriter != nil {
		v, err := st.resultWriter.eval(&evalEnv{input: in, context: ev.context, rand: ev.rand})
		if err != nil {
			return nil, err
		}
		pm, _ := v.(map[string]any)
		bucket, _ = pm["Bucket"].(string)
		prefix, _ = pm["Prefix"].(string)
		if bucket == "" {
			return nil, newError(ErrRuntime, fmt.Sprintf("ResultWriter.Parameters.Bucket must be a non-empty string, got %s", encodeJSON(pm["Bucket"])))
		}
	}
	runID := newUUID()
	acct := strings.TrimPrefix(ex.m.arn, "arn:")
	region := strings.SplitN(acct, ":", 4) // partition, service, region, account:…
	base := ex.m.arn
	if len(region) == 4 {
		base = "arn:" + region[0] + ":states:" + region[2] + ":" + strings.SplitN(region[3], ":", 2)[0]
	}
	childSM := ex.m.smName + "/" + st.label
	mapRunArn := base + ":mapRun:" + childSM + ":" + runID
	smArn := base + ":stateMachine:" + childSM
	e := Event{State: st.name, Path: fr.path + st.name, MapIndex: fr.mapIndex, StateType: st.typ, MapRunArn: mapRunArn}
	e.Type, e.MapRunItems = MapRunStarted, len(list)
	ex.emit(e)
	e.MapRunItems = 0

	rctx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	var (
		mu       sync.Mutex
		results  = make([]any, len(list))
		records  = make([]*childResult, len(list))
		failed   int
		exceeded *stateError
	)
	ex.fanOutAll(rctx, len(list), limit, func(cctx context.Context, i int) {
		input, err := ex.childInput(st, i, list[i], in, ev)
		childName := newUUID()
		child := &execution{m: ex.m, input: input, arn: base + ":execution:" + childSM + ":" + childName}
		start := ex.m.clock.Now()
		child.execObj = map[string]any{"Id": child.arn, "Input": input, "Name": childName,
			"RoleArn": "arn:aws:iam::000000000000:role/sfnlocal", "StartTime": isoTime(start), "RedriveCount": int64(0)}
		child.smObj = map[string]any{"Id": smArn, "Name": childSM}
		var out any
		if err == nil {
			child.emit(Event{Type: ExecutionStarted, Time: start, MapIndex: -1, MapRunArn: mapRunArn})
			out, err = child.run(cctx, st.processor, input)
			if err == nil {
				err = checkSize(out, "child execution output")
			}
			switch {
			case err == nil:
				child.emit(Event{Type: ExecutionSucceeded, MapIndex: -1, MapRunArn: mapRunArn})
			case err.name != errExecutionCancelled:
				child.emit(Event{Type: ExecutionFailed, MapIndex: -1, MapRunArn: mapRunArn, State: err.state, Path: err.path, Error: err.name, Cause: err.cause})
			}
		}
		rec := &childResult{ExecutionArn: child.arn, Input: string(encodeJSON(input)), InputDetails: map[string]any{"Included": true},
			Name: childName, RedriveStatus: "NOT_REDRIVABLE", StartDate: isoTime(start), StateMachineArn: smArn, StopDate: isoTime(ex.m.clock.Now())}
		mu.Lock()
		defer mu.Unlock()
		records[i] = rec
		switch {
		case err == nil:
			o := string(encodeJSON(out))
			rec.Status, rec.Output, rec.OutputDetails = "SUCCEEDED", &o, map[string]any{"Included": true}
			results[i] = out
		case err.name == errExecutionCancelled:
			rec.Status = "ABORTED"
		default:
			name, cause := err.name, err.cause
			rec.Status, rec.Error, rec.Cause = "FAILED", &name, &cause
			failed++
			if exceeded == nil && exceeds(failed, len(list), tolCount, tolPct) {
				exceeded = &stateError{name: ErrExceedToleratedFailure, cause: fmt.Sprintf(
					"The specified tolerated failure threshold was exceeded: %d of %d child executions failed (item %d: %s: %s)", failed, len(list), i, name, cause)}
				stopRun() // the Map Run stops its running children
			}
		}
	})
	if ctx.Err() != nil {
		return nil, cancelled(ctx)
	}
	var result any = results
	if st.resultWriter != nil {
		res, werr := ex.writeResults(ctx, bucket, prefix, runID, mapRunArn, records)
		if werr != nil && exceeded == nil {
			exceeded = werr
		}
		result = res
	}
	if exceeded != nil {
		e.Type, e.Error, e.Cause = MapRunFailed, exceeded.name, exceeded.cause
		ex.emit(e)
		return nil, exceeded
	}
	e.Type = MapRunSucceeded
	ex.emit(e)
	return result, nil
}

// childInput is an item's input: the ItemSelector evaluated in the
// context of the Map state (so $$.State.EnteredTime is the Map's), with
// $$.Map.Item.
func (ex *execution) childInput(st *stateDef, i int, item, in any, ev *evalEnv) (any, *stateError) {
	if st.itemSelector == nil {
		return item, nil
	}
	ctxObj := make(map[string]any, len(ev.context)+1)
	for k, v := range ev.context {
		ctxObj[k] = v
	}
	ctxObj["Map"] = map[string]any{"Item": map[string]any{"Index": int64(i), "Value": item}}
	return st.itemSelector.eval(&evalEnv{input: in, context: ctxObj, rand: ev.rand})
}

// tolerance reads a Distributed Map's ToleratedFailureCount and
// ToleratedFailurePercentage (or their Paths on the state's input); nil
// for one not given.
func tolerance(st *stateDef, in any) (*int64, *float64, *stateError) {
	count, pct := st.toleratedCount, st.toleratedPct
	if p := st.toleratedCountPath; p != nil {
		v, ok := p.get(in, nil)
		n, isInt := asInt(v)
		if !ok || !isInt || n < 0 {
			return nil, nil, newError(ErrRuntime, fmt.Sprintf("ToleratedFailureCountPath '%s' must point to a non-negative integer, got %s", p.text, encodeJSON(v)))
		}
		count = &n
	}
	if p := st.toleratedPctPath; p != nil {
		v, ok := p.get(in, nil)
		f, isNum := asNumber(v)
		if !ok || !isNum || f < 0 || f > 100 {
			return nil, nil, newError(ErrRuntime, fmt.Sprintf("ToleratedFailurePercentagePath '%s' must point to a number from 0 to 100, got %s", p.text, encodeJSON(v)))
		}
		pct = &f
	}
	return count, pct, nil
}

// exceeds says whether failed of total items is past the tolerance:
// above the count or above the percentage, whichever are given; with
// neither, any failure.
func exceeds(failed, total int, count *int64, pct *float64) bool {
	if count == nil && pct == nil {
		return failed > 0
	}
	if count != nil && int64(failed) > *count {
		return true
	}
	return pct != nil && float64(failed)*100 > *pct*float64(total)
}

// writeResults exports a Map Run's child executions through the
// ResultWriter and returns the state's result.
func (ex *execution) writeResults(ctx context.Context, bucket, prefix, runID, mapRunArn string, records []*childResult) (any, *stateError) {
	dir := runID
	if p := strings.TrimSuffix(prefix, "/"); p != "" {
		dir = p + "/" + runID
	}
	files := map[string][]any{"SUCCEEDED": {}, "FAILED": {}, "PENDING": {}}
	byStatus := map[string][]*childResult{}
	for _, r := range records {
		if r == nil {
			continue // never started: the Map Run stopped first
		}
		s := r.Status
		if s == "ABORTED" {
			s = "FAILED"
		}
		byStatus[s] = append(byStatus[s], r)
	}
	for _, s := range []string{"SUCCEEDED", "FAILED"} {
		if len(byStatus[s]) == 0 {
			continue
		}
		key := dir + "/" + s + "_0.json"
		body := encodeJSON(byStatus[s])
		if err := ex.m.opts.ResultWriter.PutObject(ctx, bucket, key, body); err != nil {
			return nil, newError(ErrResultWriterFailed, fmt.Sprintf("writing s3://%s/%s: %v", bucket, key, err))
		}
		files[s] = append(files[s], map[string]any{"Key": key, "Size": int64(len(body))})
	}
	manifest := map[string]any{"DestinationBucket": bucket, "MapRunArn": mapRunArn, "ResultFiles": files}
	key := dir + "/manifest.json"
	if err := ex.m.opts.ResultWriter.PutObject(ctx, bucket, key, encodeJSON(manifest)); err != nil {
		return nil, newError(ErrResultWriterFailed, fmt.Sprintf("writing s3://%s/%s: %v", bucket, key, err))
	}
	return map[string]any{"MapRunArn": mapRunArn, "ResultWriterDetails": map[string]any{"Bucket": bucket, "Key": key}}, nil
}

// fanOutAll runs do(0..n-1) on at most limit goroutines, taking indexes in
// order, until all ran or ctx is done (then the rest never start).
func (ex *execution) fanOutAll(ctx context.Context, n, limit int, do func(context.Context, int)) {
	var (
		mu   sync.Mutex
		next int
		wg   sync.WaitGroup
	)
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		if next >= n || ctx.Err() != nil {
			return -1
		}
		next++
		return next - 1
	}
	for w := 0; w < min(limit, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := take(); i >= 0; i = take() {
				do(ctx, i)
			}
		}()
	}
	wg.Wait()
}
