package sfnlocal

import (
	"context"
	"fmt"
	"sync"
)

// runMap runs a Map state's iterations over the items at ItemsPath of in
// (the input after InputPath) and returns their results in item order.
func (ex *execution) runMap(ctx context.Context, st *stateDef, in any, ev *evalEnv, fr frame) (any, *stateError) {
	items := in
	if st.itemReader != nil {
		v, err := ex.readItems(ctx, st.itemReader, in, ev)
		if err != nil {
			return nil, err
		}
		items = v
	} else if st.itemsPath != nil {
		v, ok := st.itemsPath.get(in, nil)
		if !ok {
			return nil, newError(ErrRuntime, fmt.Sprintf(
				"Invalid path '%s': the Map state's ItemsPath matches nothing in its input %s", st.itemsPath.text, truncate(encodeJSON(in))))
		}
		items = v
	}
	list, ok := items.([]any)
	if !ok {
		where := "$"
		if st.itemsPath != nil {
			where = st.itemsPath.text
		}
		return nil, newError(ErrRuntime, fmt.Sprintf(
			"the Map state's ItemsPath '%s' must point to a JSON array, got %s", where, typeName(items)))
	}
	limit := st.maxConc
	if st.maxConcPath != nil {
		v, ok := st.maxConcPath.get(in, nil)
		n, isInt := asInt(v)
		if !ok || !isInt || n < 0 {
			return nil, newError(ErrRuntime, fmt.Sprintf(
				"MaxConcurrencyPath '%s' must point to a non-negative integer, got %s", st.maxConcPath.text, encodeJSON(v)))
		}
		limit = n
	}
	ceiling := int64(ex.m.opts.MaxInlineConcurrency)
	if st.distributed {
		ceiling = defaultMaxDistributed
	}
	if limit == 0 || limit > ceiling {
		limit = ceiling
	}
	if st.distributed {
		return ex.runDistributed(ctx, st, list, int(limit), in, ev, fr)
	}
	results := make([]any, len(list))
	_, err := ex.fanOut(ctx, len(list), int(limit), func(ctx context.Context, i int) *stateError {
		out, err := ex.iteration(ctx, st, i, list[i], in, ev, fr)
		results[i] = out
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// iteration runs one Map item: ItemSelector, then the ItemProcessor.
func (ex *execution) iteration(ctx context.Context, st *stateDef, i int, item, in any, ev *evalEnv, fr frame) (any, *stateError) {
	input := item
	if st.itemSelector != nil {
		ctxObj := make(map[string]any, len(ev.context)+1)
		for k, v := range ev.context {
			ctxObj[k] = v
		}
		ctxObj["Map"] = map[string]any{"Item": map[string]any{"Index": int64(i), "Value": item}}
		v, err := st.itemSelector.eval(&evalEnv{input: in, context: ctxObj, rand: ev.rand})
		if err != nil {
			return nil, err
		}
		input = v
	}
	e := Event{State: st.name, Path: fr.path + st.name, MapIndex: i, StateType: st.typ}
	e.Type = MapIterationStarted
	ex.emit(e)
	out, err := ex.runStates(ctx, st.processor, input, frame{path: fmt.Sprintf("%s%s[%d]/", fr.path, st.name, i), mapIndex: i})
	switch {
	case err == nil:
		e.Type = MapIterationSucceeded
		ex.emit(e)
	case err.name != errExecutionCancelled:
		e.Type, e.Error, e.Cause = MapIterationFailed, err.name, err.cause
		ex.emit(e)
	}
	return out, err
}

// runParallel runs every branch on the effective input; the result is the
// array of branch outputs in branch order. A failed branch fails the state
// with the branch's own error and stops the others.
func (ex *execution) runParallel(ctx context.Context, st *stateDef, effective any, fr frame) (any, *stateError) {
	results := make([]any, len(st.branches))
	_, err := ex.fanOut(ctx, len(st.branches), len(st.branches), func(ctx context.Context, i int) *stateError {
		out, err := ex.runStates(ctx, st.branches[i], effective, frame{path: fmt.Sprintf("%s%s[branch %d]/", fr.path, st.name, i), mapIndex: fr.mapIndex})
		results[i] = out
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// fanOut runs do(0..n-1) on at most limit goroutines, taking indexes in
// order. The first failure cancels the rest and is returned with its index;
// a cancellation of ctx itself is returned as such.
func (ex *execution) fanOut(ctx context.Context, n, limit int, do func(context.Context, int) *stateError) (int, *stateError) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		next     int
		firstErr *stateError
		errIndex = -1
		wg       sync.WaitGroup
	)
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		if next >= n || firstErr != nil {
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
				if cctx.Err() != nil {
					return
				}
				if err := do(cctx, i); err != nil {
					mu.Lock()
					if firstErr == nil && err.name != errExecutionCancelled {
						firstErr, errIndex = err, i
						cancel()
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return errIndex, firstErr
	}
	if ctx.Err() != nil {
		return -1, cancelled(ctx)
	}
	return -1, nil
}

// readItems reads a Distributed Map's items through its ItemReader: the
// JSON array in the object its Parameters name, cut to MaxItems. A
// missing object, one that is not a JSON array, or a bad MaxItemsPath
// fails the state with States.ItemReaderFailed.
func (ex *execution) readItems(ctx context.Context, ir *itemReaderDef, in any, ev *evalEnv) ([]any, *stateError) {
	v, serr := ir.params.eval(&evalEnv{input: in, context: ev.context, rand: ev.rand})
	if serr != nil {
		return nil, serr
	}
	pm, _ := v.(map[string]any)
	bucket, _ := pm["Bucket"].(string)
	key, _ := pm["Key"].(string)
	if bucket == "" || key == "" {
		return nil, newError(ErrItemReaderFailed, fmt.Sprintf("ItemReader.Parameters Bucket and Key must be non-empty strings, got %s", truncate(encodeJSON(pm))))
	}
	limit := ir.maxItems
	if ir.maxItemsPath != nil {
		mv, ok := ir.maxItemsPath.get(in, nil)
		n, isInt := asInt(mv)
		if !ok || !isInt || n < 0 {
			return nil, newError(ErrItemReaderFailed, fmt.Sprintf("ItemReader.ReaderConfig.MaxItemsPath '%s' must point to a non-negative integer, got %s", ir.maxItemsPath.text, encodeJSON(mv)))
		}
		limit = n
	}
	body, err := ex.m.opts.ItemReader.GetObject(ctx, bucket, key)
	if err != nil {
		return nil, newError(ErrItemReaderFailed, fmt.Sprintf("reading s3://%s/%s: %v", bucket, key, err))
	}
	parsed, err := parseJSON(body)
	if err != nil {
		return nil, newError(ErrItemReaderFailed, fmt.Sprintf("s3://%s/%s is not JSON: %v", bucket, key, err))
	}
	list, ok := parsed.([]any)
	if !ok {
		return nil, newError(ErrItemReaderFailed, fmt.Sprintf("s3://%s/%s must hold a JSON array, got %s", bucket, key, typeName(parsed)))
	}
	if limit > 0 && int64(len(list)) > limit {
		list = list[:limit]
	}
	return list, nil
}
