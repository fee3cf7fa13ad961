package sfnlocal

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// execution is one run of a Machine, or a child execution of one of its
// Distributed Maps.
type execution struct {
	m       *Machine
	input   any
	execObj map[string]any
	smObj   map[string]any
	arn     string // a child's ARN (Event.Execution); "" for the top execution
	events  atomic.Int64
	full    atomic.Bool             // the history reached its limit
	stop    context.CancelCauseFunc // set by run
}

// errHistoryFull stops an execution whose history reached MaxHistoryEvents.
var errHistoryFull = errors.New("sfnlocal: history full")

// run runs md as the execution's states, failing it with States.Runtime
// when its history reaches MaxHistoryEvents, as Step Functions does.
func (ex *execution) run(ctx context.Context, md *machineDef, in any) (any, *stateError) {
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	ex.stop = stop
	out, serr := ex.runStates(ctx, md, in, frame{mapIndex: -1})
	if serr != nil && serr.name == errExecutionCancelled && errors.Is(context.Cause(ctx), errHistoryFull) {
		serr = &stateError{name: ErrRuntime, cause: fmt.Sprintf("The execution reached the maximum number of history events (%d).", MaxHistoryEvents),
			state: serr.state, path: serr.path}
	}
	return out, serr
}

// frame locates a scope: Path prefix and innermost Map index.
type frame struct {
	path     string
	mapIndex int
}

// evalEnv is what paths, templates and intrinsics evaluate against.
type evalEnv struct {
	input   any
	context map[string]any
	rand    func() float64
}

func (ev *evalEnv) ctxObj() any { return ev.context }

// contextObject builds $$ for a state visit.
func (ex *execution) contextObject(st *stateDef, entered time.Time, retries int) map[string]any {
	return map[string]any{
		"Execution":    ex.execObj,
		"StateMachine": ex.smObj,
		"State": map[string]any{
			"EnteredTime": isoTime(entered),
			"Name":        st.name,
			"RetryCount":  int64(retries),
		},
	}
}

// emit hands e to the Observer and counts it in the execution's history:
// an event that would take it past MaxHistoryEvents - 1 (the failure is
// the last) is not written, and the execution stops.
func (ex *execution) emit(e Event) {
	if e.Time.IsZero() {
		e.Time = ex.m.clock.Now()
	}
	e.Execution = ex.arn
	n := int64(historyEvents(e))
	if end := e.Type == ExecutionSucceeded || e.Type == ExecutionFailed; !end && ex.stop != nil {
		if ex.full.Load() {
			return // the execution is stopping: nothing more is written
		}
		if ex.events.Add(n) > MaxHistoryEvents-1 {
			ex.events.Add(-n)
			ex.full.Store(true)
			ex.stop(errHistoryFull)
			return
		}
	} else {
		ex.events.Add(n)
	}
	ex.m.emit(e)
}

// cancelled is the error of a state stopped by its context.
func cancelled(ctx context.Context) *stateError {
	return newError(errExecutionCancelled, fmt.Sprint(context.Cause(ctx)))
}

// runStates runs one scope from StartAt to an end.
func (ex *execution) runStates(ctx context.Context, md *machineDef, input any, fr frame) (any, *stateError) {
	cur := md.startAt
	for {
		if ctx.Err() != nil {
			err := cancelled(ctx)
			err.state, err.path = cur, fr.path+cur
			return nil, err
		}
		st := md.states[cur]
		out, next, err := ex.runState(ctx, st, input, fr)
		if err != nil {
			if err.state == "" {
				err.state, err.path = st.name, fr.path+st.name
			}
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		cur, input = next, out
	}
}

// checkSize enforces the 256 KiB limit on a state's input or output.
func checkSize(v any, what string) *stateError {
	_, err := payloadSize(v, what)
	return err
}

// payloadSize is v's size as Step Functions counts it (UTF-8 JSON), and
// the error of one past the 256 KiB limit.
func payloadSize(v any, what string) (int, *stateError) {
	n := len(encodeJSON(v))
	if n > MaxPayloadBytes {
		return n, newError(ErrDataLimitExceeded, fmt.Sprintf(
			"The state/task returned a result with a size exceeding the maximum number of bytes service limit: the %s has %d bytes, more than %d", what, n, MaxPayloadBytes))
	}
	return n, nil
}

// runState runs one visit of a state, with its retries and catchers, and
// returns its output and the next state ("" at an end).
func (ex *execution) runState(ctx context.Context, st *stateDef, raw any, fr frame) (any, string, *stateError) {
	entered := ex.m.clock.Now()
	ev := Event{State: st.name, Path: fr.path + st.name, MapIndex: fr.mapIndex, StateType: st.typ}
	inBytes, inErr := payloadSize(raw, "state input")
	ev.Type, ev.Time, ev.Bytes = StateEntered, entered, inBytes
	ex.emit(ev)
	ev.Time, ev.Bytes = time.Time{}, 0
	fail := func(err *stateError) (any, string, *stateError) {
		ev.Type, ev.Error, ev.Cause = StateFailed, err.name, err.cause
		if err.name != errExecutionCancelled {
			ex.emit(ev)
		}
		return nil, "", err
	}
	if inErr != nil {
		return fail(inErr)
	}
	counts := make([]int64, len(st.retry))
	retries := 0
	for {
		out, next, err := ex.attempt(ctx, st, raw, fr, entered, retries)
		if err == nil {
			var n int
			if n, err = payloadSize(out, "state output"); err == nil {
				ev.Type, ev.Next, ev.Bytes = StateExited, next, n
				ex.emit(ev)
				return out, next, nil
			}
		}
		if err.name == errExecutionCancelled || ctx.Err() != nil {
			return nil, "", cancelled(ctx)
		}
		if i := firstMatch(st.retry, err); i >= 0 && counts[i] < st.retry[i].maxAttempts {
			r := st.retry[i]
			delay := r.delay(counts[i], ex.m.rand)
			counts[i]++
			retries++
			e := ev
			e.Type, e.Error, e.Cause, e.RetryCount, e.Delay = StateRetry, err.name, err.cause, retries, delay
			ex.emit(e)
			if ex.m.clock.Sleep(ctx, delay) != nil {
				return nil, "", cancelled(ctx)
			}
			continue
		}
		for _, k := range st.catch {
			if !err.matches(k.errors) {
				continue
			}
			out := raw
			if !k.nullResult {
				rp := k.resultPath
				if rp == nil {
					rp = rootPath
				}
				var perr error
				if out, perr = rp.set(raw, err.output()); perr != nil {
					return fail(newError(ErrResultPathMatchFailure, perr.Error()))
				}
			}
			if serr := checkSize(out, "state output"); serr != nil {
				return fail(serr)
			}
			ev.Type, ev.Error, ev.Cause, ev.Caught, ev.Next = StateFailed, err.name, err.cause, true, k.next
			ex.emit(ev)
			return out, k.next, nil
		}
		return fail(err)
	}
}

var rootPath, _ = compilePath("$", true)

func firstMatch(rs []*retrier, err *stateError) int {
	for i, r := range rs {
		if err.matches(r.errors) {
			return i
		}
	}
	return -1
}

// delay is the wait before retry n+1 (n retries done): IntervalSeconds ×
// BackoffRate^n, capped by MaxDelaySeconds, then FULL jitter picks a
// uniform delay in [0, that].
func (r *retrier) delay(n int64, rnd func() float64) time.Duration {
	d := r.interval * math.Pow(r.backoff, float64(n))
	if r.maxDelay > 0 && d > r.maxDelay {
		d = r.maxDelay
	}
	if r.fullJitter {
		d *= rnd()
	}
	return time.Duration(d * float64(time.Second))
}

// attempt runs a state once: InputPath, Parameters, the work, ResultSelector,
// ResultPath and OutputPath.
func (ex *execution) attempt(ctx context.Context, st *stateDef, raw any, fr frame, entered time.Time, retries int) (any, string, *stateError) {
	ev := &evalEnv{context: ex.contextObject(st, entered, retries), rand: ex.m.rand}
	next := st.next
	if st.typ == "Fail" {
		return nil, "", ex.failError(st, raw, ev)
	}
	in, err := applyPath(st.inputPath, st.nullIn, raw, "InputPath")
	if err != nil {
		return nil, "", err
	}
	effective := in
	if st.parameters != nil {
		ev.input = in
		if effective, err = st.parameters.eval(ev); err != nil {
			return nil, "", err
		}
	}
	var result any
	switch st.typ {
	case "Succeed":
		next = ""
		result = effective
	case "Choice":
		ev.input = in
		if next, err = chooseNext(st, ev); err != nil {
			return nil, "", err
		}
	case "Wait":
		if err = ex.wait(ctx, st, in); err != nil {
			return nil, "", err
		}
	case "Pass":
		result = effective
		if st.hasResult {
			result = st.result
		}
	case "Task":
		result, err = ex.runTask(ctx, st, in, effective)
	case "Map":
		result, err = ex.runMap(ctx, st, in, ev, fr)
	case "Parallel":
		result, err = ex.runParallel(ctx, st, effective, fr)
	}
	if err != nil {
		return nil, "", err
	}
	out := in
	switch st.typ {
	case "Pass", "Task", "Map", "Parallel":
		if st.resultSelector != nil {
			ev.input = result
			if result, err = st.resultSelector.eval(ev); err != nil {
				return nil, "", err
			}
		}
		out = raw
		if !st.nullResult {
			rp := st.resultPath
			if rp == nil {
				rp = rootPath
			}
			var perr error
			if out, perr = rp.set(raw, result); perr != nil {
				return nil, "", newError(ErrResultPathMatchFailure, perr.Error())
			}
		}
	}
	if out, err = applyPath(st.outputPath, st.nullOut, out, "OutputPath"); err != nil {
		return nil, "", err
	}
	if st.end {
		next = ""
	}
	return out, next, nil
}

// applyPath applies InputPath or OutputPath: absent keeps v, null gives {},
// a path matching nothing is States.Runtime.
func applyPath(p *path, null bool, v any, field string) (any, *stateError) {
	switch {
	case null:
		return map[string]any{}, nil
	case p == nil:
		return v, nil
	}
	got, ok := p.get(v, nil)
	if !ok {
		return nil, newError(ErrRuntime, fmt.Sprintf(
			"Invalid path '%s' : No results for path: %s (%s applied to %s)", p.text, p.expr.BracketString(), field, truncate(encodeJSON(v))))
	}
	return got, nil
}

func chooseNext(st *stateDef, ev *evalEnv) (string, *stateError) {
	for _, r := range st.choices {
		ok, err := r.eval(ev)
		if err != nil {
			return "", err
		}
		if ok {
			return r.next, nil
		}
	}
	if st.deflt != "" {
		return st.deflt, nil
	}
	return "", newError(ErrNoChoiceMatched, fmt.Sprintf("No Choice Rule matched and there is no Default (input %s)", truncate(encodeJSON(ev.input))))
}

// wait runs a Wait state through the Clock.
func (ex *execution) wait(ctx context.Context, st *stateDef, in any) *stateError {
	var d time.Duration
	switch {
	case st.hasSeconds:
		d = time.Duration(st.seconds) * time.Second
	case st.secondsPath != nil:
		v, ok := st.secondsPath.get(in, nil)
		n, isInt := asInt(v)
		if !ok || !isInt || n < 0 {
			return newError(ErrRuntime, fmt.Sprintf("SecondsPath '%s' must point to a non-negative integer, got %s", st.secondsPath.text, encodeJSON(v)))
		}
		d = time.Duration(n) * time.Second
	default:
		t := st.timestamp
		if st.timestampPath != nil {
			v, ok := st.timestampPath.get(in, nil)
			ts, good := parseTimestamp(v)
			if !ok || !good {
				return newError(ErrRuntime, fmt.Sprintf("TimestampPath '%s' must point to an RFC 3339 timestamp, got %s", st.timestampPath.text, encodeJSON(v)))
			}
			t = ts
		}
		d = t.Sub(ex.m.clock.Now())
	}
	if d <= 0 {
		return nil
	}
	if ex.m.clock.Sleep(ctx, d) != nil {
		return cancelled(ctx)
	}
	return nil
}

// failError builds a Fail state's error from Error/Cause or their Paths.
func (ex *execution) failError(st *stateDef, raw any, ev *evalEnv) *stateError {
	ev.input = raw
	name, cause := st.errorName, st.cause
	for _, f := range []struct {
		tp  *template
		dst *string
	}{{st.errorPath, &name}, {st.causePath, &cause}} {
		if f.tp == nil {
			continue
		}
		v, err := f.tp.eval(ev)
		if err != nil {
			return err
		}
		field := f.tp.fields[0]
		s, ok := v.(map[string]any)[field.key].(string)
		if !ok {
			return newError(ErrRuntime, fmt.Sprintf("%s '%s' must give a string", field.key, field.expr.text))
		}
		*f.dst = s
	}
	return newError(name, cause)
}
