package athena_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/llmbench/llmbench/shared/query/athena"
)

// scripted is an API whose answers a test writes: states are the states
// GetQueryExecution answers in turn (the last repeats), pages the
// GetQueryResults answers in turn.
type scripted struct {
	startOut *sdk.StartQueryExecutionOutput
	startErr error
	states   []types.QueryExecutionState
	status   *types.QueryExecutionStatus // answered with the last state, if set
	getErr   error
	pages    []*sdk.GetQueryResultsOutput

	// onPoll, if set, is called after each GetQueryExecution is recorded,
	// with the number of polls so far: tests act at an exact poll.
	onPoll func(n int)

	mu    sync.Mutex
	polls []time.Time
	pageN int
	ins   []*sdk.GetQueryResultsInput
}

func (s *scripted) StartQueryExecution(context.Context, *sdk.StartQueryExecutionInput, ...func(*sdk.Options)) (*sdk.StartQueryExecutionOutput, error) {
	if s.startOut == nil && s.startErr == nil {
		return &sdk.StartQueryExecutionOutput{QueryExecutionId: aws.String("q-1")}, nil
	}
	return s.startOut, s.startErr
}

func (s *scripted) GetQueryExecution(ctx context.Context, _ *sdk.GetQueryExecutionInput, _ ...func(*sdk.Options)) (*sdk.GetQueryExecutionOutput, error) {
	out, n, err := s.poll()
	if s.onPoll != nil {
		s.onPoll(n)
	}
	return out, err
}

// poll records a poll and answers it, with the number of polls so far.
func (s *scripted) poll() (*sdk.GetQueryExecutionOutput, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.polls = append(s.polls, time.Now())
	n := len(s.polls)
	if s.getErr != nil {
		return nil, n, s.getErr
	}
	if len(s.states) == 0 {
		return &sdk.GetQueryExecutionOutput{QueryExecution: &types.QueryExecution{}}, n, nil
	}
	st := s.states[min(len(s.polls), len(s.states))-1]
	status := &types.QueryExecutionStatus{State: st}
	if s.status != nil && len(s.polls) >= len(s.states) {
		status = s.status
	}
	return &sdk.GetQueryExecutionOutput{QueryExecution: &types.QueryExecution{Status: status}}, n, nil
}

func (s *scripted) GetQueryResults(_ context.Context, in *sdk.GetQueryResultsInput, _ ...func(*sdk.Options)) (*sdk.GetQueryResultsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *in
	s.ins = append(s.ins, &c)
	if s.pageN >= len(s.pages) {
		return nil, errors.New("no more pages scripted")
	}
	s.pageN++
	return s.pages[s.pageN-1], nil
}

// stopping is a scripted API that can also stop queries.
type stopping struct {
	*scripted
	stopped chan string
}

func (s stopping) StopQueryExecution(ctx context.Context, in *sdk.StopQueryExecutionInput, _ ...func(*sdk.Options)) (*sdk.StopQueryExecutionOutput, error) {
	if ctx.Err() != nil {
		return nil, ctx.Err() // the stop must not use the ended context
	}
	s.stopped <- aws.ToString(in.QueryExecutionId)
	return &sdk.StopQueryExecutionOutput{}, nil
}

func states(n int, final types.QueryExecutionState) []types.QueryExecutionState {
	var s []types.QueryExecutionState
	for range n {
		s = append(s, types.QueryExecutionStateRunning)
	}
	return append(s, final)
}

func col(name, typ string) types.ColumnInfo {
	return types.ColumnInfo{Name: aws.String(name), Label: aws.String(name), Type: aws.String(typ)}
}

func row(vals ...*string) types.Row {
	r := types.Row{}
	for _, v := range vals {
		r.Data = append(r.Data, types.Datum{VarCharValue: v})
	}
	return r
}

func page(token string, cols []types.ColumnInfo, rows ...types.Row) *sdk.GetQueryResultsOutput {
	p := &sdk.GetQueryResultsOutput{ResultSet: &types.ResultSet{
		Rows:              rows,
		ResultSetMetadata: &types.ResultSetMetadata{ColumnInfo: cols},
	}}
	if token != "" {
		p.NextToken = aws.String(token)
	}
	return p
}

var str = aws.String

func TestDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   athena.Config
		want athena.Config
	}{
		{"zero", athena.Config{}, athena.Config{Catalog: "AwsDataCatalog", PollMin: 200 * time.Millisecond, PollMax: 5 * time.Second}},                              // every default
		{"kept", athena.Config{Catalog: "c", PollMin: time.Second, PollMax: time.Minute}, athena.Config{Catalog: "c", PollMin: time.Second, PollMax: time.Minute}},  // set values stay
		{"max below min", athena.Config{PollMin: 10 * time.Second}, athena.Config{Catalog: "AwsDataCatalog", PollMin: 10 * time.Second, PollMax: 10 * time.Second}}, // max raised to min
	}
	for _, tt := range tests {
		if got := athena.New(nil, tt.in).Config(); got != tt.want {
			t.Errorf("%s: Config() = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// TestBackoff checks the waits between polls: PollMin, doubling, capped
// at PollMax. It runs in a synctest bubble, whose clock is virtual and
// whose timers fire exactly at their deadlines: the waits are exact.
func TestBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &scripted{
			states: states(6, types.QueryExecutionStateSucceeded),
			pages:  []*sdk.GetQueryResultsOutput{page("", []types.ColumnInfo{col("x", "integer")}, row(str("x")))},
		}
		e := athena.New(api, athena.Config{PollMin: 10 * time.Millisecond, PollMax: 40 * time.Millisecond})
		if _, err := e.Query(context.Background(), "SELECT 1"); err != nil {
			t.Fatal(err)
		}
		want := []time.Duration{10, 20, 40, 40, 40, 40} // ms, between polls 1–2, 2–3, …
		if len(api.polls) != len(want)+1 {
			t.Fatalf("%d polls, want %d", len(api.polls), len(want)+1)
		}
		for i, w := range want {
			if gap := api.polls[i+1].Sub(api.polls[i]); gap != w*time.Millisecond {
				t.Errorf("wait %d: %v, want %v", i, gap, w*time.Millisecond)
			}
		}
	})
}

// TestMalformedAnswers: answers Athena should not give fail clearly
// instead of looping or panicking.
func TestMalformedAnswers(t *testing.T) {
	cols := []types.ColumnInfo{col("x", "bigint")}
	succeeded := states(0, types.QueryExecutionStateSucceeded)
	tests := []struct {
		name string
		api  *scripted
		want string
	}{
		{"start fails", &scripted{startErr: errors.New("throttled")}, "athena: start: throttled"},                                                                                             // SDK error passed on
		{"no ID", &scripted{startOut: &sdk.StartQueryExecutionOutput{}}, "no query execution ID"},                                                                                             // empty answer
		{"poll fails", &scripted{getErr: errors.New("net down")}, "athena: wait for q-1: net down"},                                                                                           // SDK error passed on
		{"no status", &scripted{}, "no status"},                                                                                                                                               // empty execution
		{"results fail", &scripted{states: succeeded}, "athena: results of q-1: no more pages"},                                                                                               // SDK error passed on
		{"no result set", &scripted{states: succeeded, pages: []*sdk.GetQueryResultsOutput{{}}}, "page 0 has no result set"},                                                                  // empty page
		{"no metadata", &scripted{states: succeeded, pages: []*sdk.GetQueryResultsOutput{{ResultSet: &types.ResultSet{}}}}, "no column metadata"},                                             // no columns
		{"token loops", &scripted{states: succeeded, pages: []*sdk.GetQueryResultsOutput{page("t", cols), page("t", cols), page("t", cols)}}, "token repeats"},                                // paging loop
		{"short row", &scripted{states: succeeded, pages: []*sdk.GetQueryResultsOutput{page("", cols, row(str("x")), row())}}, "row 0: 0 values for 1 columns"},                               // ragged
		{"bad value", &scripted{states: succeeded, pages: []*sdk.GetQueryResultsOutput{page("", cols, row(str("x")), row(str("1.5")))}}, `row 0: column "x" (bigint): not an integer: "1.5"`}, // type mismatch
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := athena.New(tt.api, athena.Config{PollMin: time.Millisecond}).Query(context.Background(), "SELECT 1")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestPages checks paging by hand: header skipped on the first page only,
// tokens passed on, NULLs, and the first page's metadata used.
func TestPages(t *testing.T) {
	cols := []types.ColumnInfo{col("n", "bigint"), col("s", "varchar")}
	api := &scripted{
		states: states(1, types.QueryExecutionStateSucceeded),
		pages: []*sdk.GetQueryResultsOutput{
			page("t1", cols, row(str("n"), str("s")), row(str("1"), str("n"))), // header, then a row whose s is "n"
			page("t2", cols, row(str("n"), str("s"))),                          // a data row equal to the header
			page("", cols, row(nil, str(""))),                                  // NULL and the empty string
		},
	}
	rows, err := athena.New(api, athena.Config{PollMin: time.Millisecond}).Query(context.Background(), "SELECT …")
	if err == nil || !strings.Contains(err.Error(), `row 1: column "n" (bigint): not an integer: "n"`) {
		t.Fatalf("rows %v, error %v: want the header-like row of page 2 read as data", rows, err)
	}
	if got := []string{aws.ToString(api.ins[0].NextToken), aws.ToString(api.ins[1].NextToken)}; got[0] != "" || got[1] != "t1" {
		t.Errorf("tokens sent %q, want \"\" then t1", got)
	}

	cols = []types.ColumnInfo{col("n", "bigint"), col("s", "varchar")}
	api = &scripted{
		states: states(1, types.QueryExecutionStateSucceeded),
		pages: []*sdk.GetQueryResultsOutput{
			page("t1", cols, row(str("n"), str("s")), row(str("1"), str("a"))),
			page("t2", cols, row(str("2"), str("b"))),
			page("", cols, row(nil, str(""))),
		},
	}
	rows, err = athena.New(api, athena.Config{PollMin: time.Millisecond}).Query(context.Background(), "SELECT …")
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{"n": int64(1), "s": "a"}, {"n": int64(2), "s": "b"}, {"n": nil, "s": ""}}
	if len(rows) != 3 || rows[0]["n"] != want[0]["n"] || rows[1]["s"] != "b" || rows[2]["n"] != nil || rows[2]["s"] != "" {
		t.Errorf("rows %v, want %v", rows, want)
	}
	for i, in := range api.ins {
		if aws.ToInt32(in.MaxResults) != 1000 || aws.ToString(in.QueryExecutionId) != "q-1" {
			t.Errorf("page %d asked %d rows of %s, want 1000 of q-1", i, aws.ToInt32(in.MaxResults), aws.ToString(in.QueryExecutionId))
		}
	}

	// A statement with no header row (DDL) keeps its first row.
	api = &scripted{
		states: states(0, types.QueryExecutionStateSucceeded),
		pages:  []*sdk.GetQueryResultsOutput{page("", []types.ColumnInfo{col("tab_name", "string")}, row(str("samples")))},
	}
	rows, err = athena.New(api, athena.Config{}).Query(context.Background(), "SHOW TABLES")
	if err != nil || len(rows) != 1 || rows[0]["tab_name"] != "samples" {
		t.Errorf("SHOW TABLES = %v, %v; want one row, samples", rows, err)
	}
}

func TestQueryError(t *testing.T) {
	tests := []struct {
		name   string
		status *types.QueryExecutionStatus
		want   string
	}{
		{"failed with everything", &types.QueryExecutionStatus{ // Athena's usual failure
			State: types.QueryExecutionStateFailed, StateChangeReason: str("line 1:8: Column 'x' cannot be resolved"),
			AthenaError: &types.AthenaError{ErrorCategory: aws.Int32(2), ErrorType: aws.Int32(1006), ErrorMessage: str("line 1:8: Column 'x' cannot be resolved")},
		}, "athena: query: query q-1 FAILED: line 1:8: Column 'x' cannot be resolved (category 2 USER, type 1006)"},
		{"system error, retryable", &types.QueryExecutionStatus{ // message differs from the reason: both shown
			State: types.QueryExecutionStateFailed, StateChangeReason: str("Query exhausted resources"),
			AthenaError: &types.AthenaError{ErrorCategory: aws.Int32(1), ErrorType: aws.Int32(0), ErrorMessage: str("at this scale factor"), Retryable: true},
		}, "athena: query: query q-1 FAILED: Query exhausted resources (category 1 SYSTEM, type 0: at this scale factor, retryable)"},
		{"cancelled, no detail", &types.QueryExecutionStatus{State: types.QueryExecutionStateCancelled}, // bare
			"athena: query: query q-1 CANCELLED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &scripted{states: []types.QueryExecutionState{tt.status.State}, status: tt.status}
			_, err := athena.New(api, athena.Config{}).Query(context.Background(), "SELECT 1")
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n %v\nwant\n %s", err, tt.want)
			}
			var qe *athena.QueryError
			if !errors.As(err, &qe) || qe.QueryExecutionID != "q-1" || qe.State != string(tt.status.State) {
				t.Errorf("QueryError %+v", qe)
			}
		})
	}
}

// TestStopOnCancel: the engine stops the query with a context of its own,
// and without a Stopper it just returns.
func TestStopOnCancel(t *testing.T) {
	for _, withStop := range []bool{true, false} {
		api := &scripted{states: states(1, types.QueryExecutionStateRunning)}
		var a athena.API = api
		stopped := make(chan string, 1)
		if withStop {
			a = stopping{api, stopped}
		}
		ctx, cancel := context.WithCancel(context.Background())
		api.onPoll = func(n int) {
			if n == 3 {
				cancel() // during the third poll
			}
		}
		_, err := athena.New(a, athena.Config{PollMin: time.Millisecond, PollMax: time.Millisecond}).Query(ctx, "SELECT 1")
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stopper %v: error %v, want context.Canceled", withStop, err)
		}
		if withStop {
			select {
			case id := <-stopped:
				if id != "q-1" {
					t.Errorf("stopped %q, want q-1", id)
				}
			default:
				t.Error("query not stopped")
			}
		}
	}
}
