package athena_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/athena"
	"github.com/llmbench/llmbench/shared/query/athena/athenafake"
	"github.com/llmbench/llmbench/shared/query/querytest"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/summary"
)

func TestContract(t *testing.T) {
	e := newEnv(t, nil, athenafake.Options{PageSize: 2, Polls: 3})
	if e.engine.Name() != "athena" {
		t.Errorf("Name() = %q, want athena", e.engine.Name())
	}
	querytest.Contract(t, e.engine)
}

// TestSummarizeMatchesDuckDB runs the summary through Athena (the fake,
// whose answers are text) and through DuckDB directly, over the same
// rows: the summaries must be identical, to the last bit of every double.
func TestSummarizeMatchesDuckDB(t *testing.T) {
	e := newEnv(t, sweepRows(), athenafake.Options{PageSize: 7, Polls: 2})

	tests := []struct {
		name string
		run  string
		slo  query.SLO
	}{
		{"no SLO", "run-1", query.SLO{}},                                             // goodput = throughput
		{"all SLOs", "run-1", query.SLO{TTFTMs: 1500, TPOTMs: 300, E2EMs: 9000}},     // some pass
		{"odd limits", "run-1", query.SLO{TTFTMs: 1234.5678901234567, E2EMs: 1e300}}, // long literals
		{"quoted run ID", "it's-another", query.SLO{TTFTMs: 100}},                    // quote in the SQL string
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			want, err := query.Summarize(ctx, e.duck, tt.run, tt.slo)
			if err != nil {
				t.Fatalf("DuckDB: %v", err)
			}
			got, err := query.Summarize(ctx, e.engine, tt.run, tt.slo)
			if err != nil {
				t.Fatalf("Athena: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				for i := range min(len(got), len(want)) {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Errorf("level %d:\n athena %+v\n duckdb %+v", i, got[i], want[i])
					}
				}
				t.Fatalf("summaries differ (%d vs %d levels)", len(got), len(want))
			}
			var ok, itl, notSent, queue int
			var tailNull, tailFinite int // failure-counting percentiles of levels with failures: infinite (null), finite
			for _, l := range want {
				ok, itl, notSent, queue = ok+l.OK, itl+l.ITLMs.N, notSent+l.NotSent, queue+l.QueueMs.N
				if l.Errors == 0 {
					continue
				}
				for _, d := range []summary.DistAll{l.TTFTAllMs, l.TPOTAllMs, l.ITLAllMs, l.E2EAllMs} {
					for _, p := range []*float64{d.P50, d.P90, d.P95, d.P99} {
						if p == nil {
							tailNull++
						} else {
							tailFinite++
						}
					}
				}
			}
			if ok == 0 || itl == 0 || (tt.run == "run-1" && (len(want) != 7 || notSent == 0 || queue == 0 || tailNull == 0 || tailFinite == 0)) {
				t.Errorf("weak data: %d levels, %d ok rows, %d ITL values, %d not sent, %d queue values, %d null and %d finite percentiles counting failures",
					len(want), ok, itl, notSent, queue, tailNull, tailFinite)
			}
		})
	}
	pages := 0
	for _, c := range e.fake.Calls() {
		if c.Op == "GetQueryResults" && c.NextToken != "" {
			pages++
		}
	}
	if pages == 0 {
		t.Error("no result page after the first: paging not exercised")
	}
}

// sweepRows are the rows of run-1, a sweep of concurrency levels then
// rate levels (two of them without a cap, both level 0), and of another
// run.
func sweepRows() []sample.Row {
	rng := rand.New(rand.NewPCG(7, 11))
	usage := func() string { return "usage" }
	mixed := func() string { return []string{"usage", "chunks"}[rng.IntN(2)] }
	var rows []sample.Row
	rows = append(rows, genRows(rng, "run-1", level{index: 0, concurrency: 1, mode: "concurrency"}, 1, 30, 0.05, usage)...)
	rows = append(rows, genRows(rng, "run-1", level{index: 1, concurrency: 8}, 2, 120, 0.2, mixed)...) // mode left empty
	rows = append(rows, withTurns(genRows(rng, "run-1", level{index: 2, concurrency: 32, mode: "concurrency"}, 3, 150, 0.5, usage), 4)...)
	rows = append(rows, withTurns(genRows(rng, "run-1", level{index: 3, concurrency: 4, mode: "concurrency"}, 1, 20, 1, usage), 3)...) // no ok row
	rows = append(rows, genRows(rng, "run-1", level{index: 4, mode: "rate", rate: 2.5, notSent: 0.2}, 2, 100, 0.1, mixed)...)          // no cap
	rows = append(rows, genRows(rng, "run-1", level{index: 5, mode: "rate", rate: 40, notSent: 0.4}, 3, 120, 0.2, usage)...)           // level 0 again
	rows = append(rows, genRows(rng, "run-1", level{index: 6, concurrency: 8, mode: "rate", rate: 1e3 / 3}, 1, 60, 0, usage)...)       // capped; an awkward rate
	rows = append(rows, genRows(rng, "it's-another", level{index: 0, concurrency: 8, mode: "concurrency"}, 1, 50, 0.1, usage)...)
	return rows
}

// withTurns makes rows conversations of turns turns, by seq, with a
// server that reports its prefix cache on two rows in three.
func withTurns(rows []sample.Row, turns int) []sample.Row {
	for i := range rows {
		r := &rows[i]
		id, turn := int64(r.Worker)<<32|r.Seq/int64(turns), int32(r.Seq%int64(turns)+1)
		r.SessionID, r.Turn, r.ThinkMs = &id, &turn, float64(turn-1)*1000.25
		if r.Seq%3 > 0 {
			c := r.InputTokens * (turn - 1) / turn
			r.CachedTokens = &c
		}
	}
	return rows
}

// TestTurnsMatchesDuckDB runs the figures by turn through Athena (the
// fake) and through DuckDB directly: identical, to the last bit.
func TestTurnsMatchesDuckDB(t *testing.T) {
	e := newEnv(t, sweepRows(), athenafake.Options{PageSize: 5, Polls: 1})
	ctx := context.Background()
	want, err := query.Turns(ctx, e.duck, "run-1")
	if err != nil {
		t.Fatalf("DuckDB: %v", err)
	}
	got, err := query.Turns(ctx, e.engine, "run-1")
	if err != nil {
		t.Fatalf("Athena: %v", err)
	}
	if len(want[2]) != 4 || len(want[3]) != 3 || len(want) != 2 {
		t.Fatalf("DuckDB: turns of levels %v, want 4 turns of level 2 and 3 of level 3", want)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("turns differ:\n athena %+v\n duckdb %+v", got, want)
	}
}

// TestSeriesMatchesDuckDB runs the series through Athena (the fake) and
// through DuckDB directly: the series must be identical, to the last bit.
func TestSeriesMatchesDuckDB(t *testing.T) {
	e := newEnv(t, sweepRows(), athenafake.Options{PageSize: 13, Polls: 1})
	for _, run := range []string{"run-1", "it's-another"} {
		ctx := context.Background()
		want, err := query.Series(ctx, e.duck, run)
		if err != nil {
			t.Fatalf("DuckDB: %v", err)
		}
		got, err := query.Series(ctx, e.engine, run)
		if err != nil {
			t.Fatalf("Athena: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			for index := range want {
				if !reflect.DeepEqual(got[index], want[index]) {
					t.Errorf("%s level %d:\n athena %+v\n duckdb %+v", run, index, got[index], want[index])
				}
			}
			t.Fatalf("%s: series differ (%d vs %d levels)", run, len(got), len(want))
		}
		seconds, unsent := 0, 0
		for _, ss := range want {
			for _, s := range ss {
				seconds++
				if s.Sent < s.Arrivals {
					unsent++
				}
			}
		}
		if seconds < 10 || run == "run-1" && (len(want) != 7 || unsent == 0) {
			t.Errorf("%s: weak data: %d levels, %d seconds, %d with arrivals not sent", run, len(want), seconds, unsent)
		}
	}
}

// TestSelectAllMatchesDuckDB reads every column of the samples through
// both engines: the types the Parquet schema gives (integers, doubles,
// nullable doubles, a list, a timestamp, booleans, strings) come back the
// same.
func TestSelectAllMatchesDuckDB(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	rows := genRows(rng, "r1", level{index: 2, concurrency: 4, mode: "rate", rate: 7.5, notSent: 0.2}, 2, 25, 0.3, func() string { return "usage" })
	e := newEnv(t, rows, athenafake.Options{PageSize: 11})
	const q = `SELECT * FROM samples ORDER BY worker, seq`
	ctx := context.Background()
	want, err := e.duck.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.engine.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(got) != len(rows) {
		t.Fatalf("athena %d rows, duckdb %d, written %d", len(got), len(want), len(rows))
	}
	for i := range want {
		// Athena reads the timestamp with millisecond precision.
		w := want[i]["start_time"].(time.Time).Truncate(time.Millisecond)
		if g, ok := got[i]["start_time"].(time.Time); !ok || !g.Equal(w) {
			t.Errorf("row %d start_time = %v, want %v", i, got[i]["start_time"], w)
		}
		delete(got[i], "start_time")
		delete(want[i], "start_time")
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("row %d:\n athena %v\n duckdb %v", i, got[i], want[i])
		}
	}
}

// TestCallSequence checks the calls a query makes: one start with the
// configuration, polls until SUCCEEDED, then result pages chained by their
// tokens.
func TestCallSequence(t *testing.T) {
	e := newEnv(t, nil, athenafake.Options{PageSize: 4, Polls: 4})
	const q = `SELECT x FROM range(10) AS t(x) ORDER BY x`
	rows, err := e.engine.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 10 || rows[0]["x"] != int64(0) || rows[9]["x"] != int64(9) {
		t.Fatalf("rows = %v, want x from 0 to 9", rows)
	}
	calls := e.fake.Calls()
	var ops []string
	for _, c := range calls {
		ops = append(ops, c.Op)
	}
	// 11 rows with the header, 4 a page: 3 pages.
	want := []string{"StartQueryExecution",
		"GetQueryExecution", "GetQueryExecution", "GetQueryExecution", "GetQueryExecution", "GetQueryExecution",
		"GetQueryResults", "GetQueryResults", "GetQueryResults"}
	if !reflect.DeepEqual(ops, want) {
		t.Fatalf("calls %q, want %q", ops, want)
	}
	start := calls[0]
	if start.QueryString != q || start.WorkGroup != "llmbench" || start.Database != "llmbench_db" ||
		start.Catalog != "AwsDataCatalog" || start.OutputLocation != "s3://results-bucket/athena/" || start.ClientRequestToken == "" {
		t.Errorf("start request %+v: want the query, the config and a client request token", start)
	}
	id := start.QueryExecutionID
	states := []string{"QUEUED", "RUNNING", "RUNNING", "RUNNING", "SUCCEEDED"}
	for i, c := range calls[1:6] {
		if c.QueryExecutionID != id || c.State != states[i] {
			t.Errorf("poll %d: %s %s, want %s %s", i, c.QueryExecutionID, c.State, id, states[i])
		}
	}
	prev := ""
	for i, c := range calls[6:] {
		if c.QueryExecutionID != id || c.MaxResults != 1000 {
			t.Errorf("page %d: query %s, MaxResults %d; want %s, 1000", i, c.QueryExecutionID, c.MaxResults, id)
		}
		if (i == 0) != (c.NextToken == "") || i > 0 && c.NextToken == prev {
			t.Errorf("page %d: token %q after %q", i, c.NextToken, prev)
		}
		prev = c.NextToken
	}
}

func TestFailedQuery(t *testing.T) {
	e := newEnv(t, nil, athenafake.Options{})
	_, err := e.engine.Query(context.Background(), `SELECT no_such_column FROM samples`)
	if err == nil {
		t.Fatal("no error")
	}
	var qe *athena.QueryError
	if !errors.As(err, &qe) {
		t.Fatalf("error %v (%T) is not a *QueryError", err, err)
	}
	if qe.State != "FAILED" || qe.ErrorCategory != 2 || qe.ErrorType != 1000 || !strings.Contains(qe.Reason, "no_such_column") {
		t.Errorf("QueryError %+v: want FAILED, category 2, type 1000, a reason naming the column", qe)
	}
	t.Logf("error: %v", err)
	for _, s := range []string{"athena: query: query ", " FAILED: ", "no_such_column", "(category 2 USER, type 1000)"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
	for _, op := range e.fake.Ops() {
		if op == "GetQueryResults" {
			t.Error("results read of a failed query")
		}
	}
}

// TestCancel ends the context of a query Athena never finishes, during
// its fifth poll: the engine stops polling, returns the context's error,
// and stops the query before it returns.
func TestCancel(t *testing.T) {
	const polls = 5
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int32
	e := newEnvHook(t, nil, athenafake.Options{Hang: func(sql string) bool { return strings.Contains(sql, "hang") }}, func(op string) {
		if op == "GetQueryExecution" && n.Add(1) == polls {
			cancel() // before this poll's answer leaves
		}
	})
	_, err := e.engine.Query(ctx, `SELECT 1 AS hang`)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	// Query stops the query before it returns, so every call it made has
	// been answered: no poll after the cancel, then the stop.
	ops := e.fake.Ops()
	want := []string{"StartQueryExecution"}
	for range polls {
		want = append(want, "GetQueryExecution")
	}
	want = append(want, "StopQueryExecution")
	if !slices.Equal(ops, want) {
		t.Errorf("calls %q, want %q", ops, want)
	}
	id := e.fake.Calls()[0].QueryExecutionID
	if st := e.fake.State(id); st != "CANCELLED" {
		t.Errorf("query state %s after the cancel, want CANCELLED", st)
	}
	// Closing the server waits for any request still in flight: there is
	// none.
	e.srv.Close()
	if n := len(e.fake.Ops()); n != len(ops) {
		t.Errorf("%d more calls after Query returned: polling went on", n-len(ops))
	}
}

// TestCancelledByOther: a query that someone else stops (here, once it has
// been polled twice) gives a CANCELLED error.
func TestCancelledByOther(t *testing.T) {
	polled := make(chan struct{})
	var n atomic.Int32
	e := newEnvHook(t, nil, athenafake.Options{Hang: func(string) bool { return true }}, func(op string) {
		if op == "GetQueryExecution" && n.Add(1) == 2 {
			close(polled)
		}
	})
	stopped := make(chan error, 1)
	go func() {
		<-polled
		_, err := e.client.StopQueryExecution(context.Background(), &sdk.StopQueryExecutionInput{QueryExecutionId: aws.String(e.fake.Calls()[0].QueryExecutionID)})
		stopped <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bug's bound, not a timing
	defer cancel()
	_, err := e.engine.Query(ctx, `SELECT 1 AS one`)
	var qe *athena.QueryError
	if !errors.As(err, &qe) || qe.State != "CANCELLED" {
		t.Fatalf("error %v, want a CANCELLED QueryError", err)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}

// TestSDKErrors checks that the fake's error answers reach the SDK as
// Athena's typed errors.
func TestSDKErrors(t *testing.T) {
	e := newEnv(t, nil, athenafake.Options{Polls: 2})
	ctx := context.Background()
	startQuery := func() *string {
		out, err := e.client.StartQueryExecution(ctx, &sdk.StartQueryExecutionInput{QueryString: aws.String("SELECT 1 AS one")})
		if err != nil {
			t.Fatal(err)
		}
		return out.QueryExecutionId
	}
	done, early := startQuery(), startQuery()
	for range 3 { // QUEUED, RUNNING, SUCCEEDED
		if _, err := e.client.GetQueryExecution(ctx, &sdk.GetQueryExecutionInput{QueryExecutionId: done}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"results before the end", func() error { // Athena's answer to an early GetQueryResults
			_, err := e.client.GetQueryResults(ctx, &sdk.GetQueryResultsInput{QueryExecutionId: early})
			return err
		}, "Query has not yet finished. Current state: QUEUED"},
		{"unknown query", func() error { // an ID Athena never gave
			_, err := e.client.GetQueryExecution(ctx, &sdk.GetQueryExecutionInput{QueryExecutionId: aws.String("nope")})
			return err
		}, "QueryExecution nope was not found"},
		{"bad token", func() error { // a token Athena never gave
			_, err := e.client.GetQueryResults(ctx, &sdk.GetQueryResultsInput{QueryExecutionId: done, NextToken: aws.String("garbage")})
			return err
		}, "Invalid NextToken"},
		{"page too large", func() error { // Athena's limit
			_, err := e.client.GetQueryResults(ctx, &sdk.GetQueryResultsInput{QueryExecutionId: done, MaxResults: aws.Int32(1001)})
			return err
		}, "less than or equal to 1000"},
		{"empty query", func() error { // Athena checks the text
			_, err := e.client.StartQueryExecution(ctx, &sdk.StartQueryExecutionInput{QueryString: aws.String(" ")})
			return err
		}, "QueryString must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ire *types.InvalidRequestException
			if !errors.As(err, &ire) {
				t.Fatalf("error %v (%T), want *types.InvalidRequestException", err, err)
			}
			if !strings.Contains(ire.ErrorMessage(), tt.want) || aws.ToString(ire.AthenaErrorCode) != "INVALID_INPUT" {
				t.Errorf("message %q, code %q; want %q, INVALID_INPUT", ire.ErrorMessage(), aws.ToString(ire.AthenaErrorCode), tt.want)
			}
		})
	}
}

// TestIdempotentStart: a retried start with the same client request token
// is the same query, as in Athena.
func TestIdempotentStart(t *testing.T) {
	e := newEnv(t, nil, athenafake.Options{})
	ctx := context.Background()
	in := &sdk.StartQueryExecutionInput{QueryString: aws.String("SELECT 1 AS one"), ClientRequestToken: aws.String("token-0123456789-0123456789-0123456789")}
	a, err := e.client.StartQueryExecution(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.client.StartQueryExecution(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(a.QueryExecutionId) != aws.ToString(b.QueryExecutionId) {
		t.Errorf("retried start gave %s, then %s", aws.ToString(a.QueryExecutionId), aws.ToString(b.QueryExecutionId))
	}
}

// TestStatusTimes checks that the timestamps of the fake's status parse.
func TestStatusTimes(t *testing.T) {
	e := newEnv(t, nil, athenafake.Options{Polls: 1})
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	start, err := e.client.StartQueryExecution(ctx, &sdk.StartQueryExecutionInput{QueryString: aws.String("SELECT 1 AS one")})
	if err != nil {
		t.Fatal(err)
	}
	var out *sdk.GetQueryExecutionOutput
	for range 2 {
		if out, err = e.client.GetQueryExecution(ctx, &sdk.GetQueryExecutionInput{QueryExecutionId: start.QueryExecutionId}); err != nil {
			t.Fatal(err)
		}
	}
	s := out.QueryExecution.Status
	if s.State != types.QueryExecutionStateSucceeded || s.SubmissionDateTime == nil || s.SubmissionDateTime.Before(before) ||
		s.CompletionDateTime == nil || s.CompletionDateTime.Before(*s.SubmissionDateTime) {
		t.Errorf("status %+v: want SUCCEEDED with submission and completion times", s)
	}
	if w := out.QueryExecution.WorkGroup; aws.ToString(w) != "primary" {
		t.Errorf("work group %q, want primary (Athena's default)", aws.ToString(w))
	}
}
