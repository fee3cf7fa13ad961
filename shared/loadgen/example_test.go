package loadgen_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/sample"
)

// ExampleClosedLoop keeps 4 requests in flight until 20 measured requests
// have been issued. The do func stands in for a target: it answers at once
// with 8 output tokens, and fails every tenth request with HTTP 503.
func ExampleClosedLoop() {
	do := func(ctx context.Context, vu int, seq int64) *sample.Result {
		r := &sample.Result{Start: time.Now(), Status: sample.StatusOK, HTTPStatus: 200, OutputTokens: 8}
		if seq%10 == 9 {
			r.Status, r.HTTPStatus, r.OutputTokens, r.Err = sample.StatusHTTPError, 503, 0, "overloaded"
		}
		r.End = time.Now()
		return r
	}

	// Emit is called from every virtual user's goroutine at once.
	var mu sync.Mutex
	byStatus := map[sample.Status]int{}
	emit := func(is loadgen.Issued) {
		mu.Lock()
		defer mu.Unlock()
		byStatus[is.Result.Status]++
	}

	var counters loadgen.Counters
	ex := &loadgen.ClosedLoop{
		Config:      loadgen.Config{Requests: 20, RequestTimeout: time.Second, Counters: &counters},
		Concurrency: 4,
	}
	if err := ex.Execute(context.Background(), do, emit); err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Printf("emitted: %d ok, %d http_error\n", byStatus[sample.StatusOK], byStatus[sample.StatusHTTPError])
	fmt.Printf("counters: %d issued, %d done, %d errors, %d in flight, %d output tokens\n",
		counters.Issued.Load(), counters.Done.Load(), counters.Errors.Load(),
		counters.InFlight.Load(), counters.OutputTokens.Load())
	// Output:
	// emitted: 18 ok, 2 http_error
	// counters: 20 issued, 20 done, 2 errors, 0 in flight, 144 output tokens
}
