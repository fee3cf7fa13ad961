package athena

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/store"
)

// API is the part of the Athena client an Engine uses. *athena.Client
// satisfies it.
type API interface {
	StartQueryExecution(ctx context.Context, in *athena.StartQueryExecutionInput, optFns ...func(*athena.Options)) (*athena.StartQueryExecutionOutput, error)
	GetQueryExecution(ctx context.Context, in *athena.GetQueryExecutionInput, optFns ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error)
	GetQueryResults(ctx context.Context, in *athena.GetQueryResultsInput, optFns ...func(*athena.Options)) (*athena.GetQueryResultsOutput, error)
}

// Stopper is what an API may also do: stop a query. When the API passed to
// New is a Stopper (*athena.Client is), a Query whose context ends while
// Athena still runs it stops it, so that it costs no more.
type Stopper interface {
	StopQueryExecution(ctx context.Context, in *athena.StopQueryExecutionInput, optFns ...func(*athena.Options)) (*athena.StopQueryExecutionOutput, error)
}

// Config says where queries run. Only Database is needed in practice:
// WorkGroup defaults to Athena's own default (primary), and OutputLocation
// may come from the workgroup.
type Config struct {
	WorkGroup      string // the workgroup; "" for Athena's default
	Database       string // the Glue database that holds the samples table
	OutputLocation string // s3:// folder for result files; "" to use the workgroup's
	Catalog        string // the data catalog; "" means AwsDataCatalog

	// The wait between two polls of a running query starts at PollMin and
	// doubles up to PollMax. Zero values mean 200ms and 5s.
	PollMin, PollMax time.Duration
}

// Defaults of Config.
const (
	DefaultCatalog = "AwsDataCatalog"
	DefaultPollMin = 200 * time.Millisecond
	DefaultPollMax = 5 * time.Second
)

// pageSize is the rows asked per GetQueryResults call: Athena's maximum.
const pageSize = 1000

// stopTimeout bounds the StopQueryExecution call made after the query's
// context ended.
const stopTimeout = 5 * time.Second

// Engine runs SQL on Athena.
type Engine struct {
	api API
	cfg Config
}

var _ query.Engine = (*Engine)(nil)

// New returns an Engine that runs queries through api as cfg says, with
// cfg's zero fields set to their defaults.
func New(api API, cfg Config) *Engine {
	if cfg.Catalog == "" {
		cfg.Catalog = DefaultCatalog
	}
	if cfg.PollMin <= 0 {
		cfg.PollMin = DefaultPollMin
	}
	if cfg.PollMax <= 0 {
		cfg.PollMax = DefaultPollMax
	}
	if cfg.PollMax < cfg.PollMin {
		cfg.PollMax = cfg.PollMin
	}
	return &Engine{api: api, cfg: cfg}
}

// Name returns "athena", the engine name summary.json records.
func (e *Engine) Name() string { return "athena" }

// Config returns the configuration in use, defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// Query runs sql on Athena, waits for it to finish and returns its rows,
// with values parsed into the query.Engine contract's Go types. A query
// that Athena fails or cancels gives a *QueryError. When ctx ends first,
// the query is stopped (if the API can) and the error wraps ctx.Err().
func (e *Engine) Query(ctx context.Context, sql string) ([]map[string]any, error) {
	rows, _, err := e.QueryScanned(ctx, sql)
	return rows, err
}

// QueryScanned is Query that also returns the bytes Athena scanned
// (QueryExecution.Statistics.DataScannedInBytes of its final state),
// before Athena's billing rounds them: what the query is billed for. A
// query Athena failed is billed nothing (0); one cancelled, what it
// scanned until then.
func (e *Engine) QueryScanned(ctx context.Context, sql string) ([]map[string]any, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("athena: start: %w", err)
	}
	id, err := e.start(ctx, sql)
	if err != nil {
		return nil, 0, err
	}
	scanned, err := e.wait(ctx, id)
	if err != nil {
		return nil, scanned, err
	}
	rows, err := e.results(ctx, id)
	return rows, scanned, err
}

func (e *Engine) start(ctx context.Context, sql string) (string, error) {
	in := &athena.StartQueryExecutionInput{
		QueryString: aws.String(sql),
		QueryExecutionContext: &types.QueryExecutionContext{
			Catalog: aws.String(e.cfg.Catalog),
		},
	}
	if e.cfg.Database != "" {
		in.QueryExecutionContext.Database = aws.String(e.cfg.Database)
	}
	if e.cfg.WorkGroup != "" {
		in.WorkGroup = aws.String(e.cfg.WorkGroup)
	}
	if e.cfg.OutputLocation != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(e.cfg.OutputLocation)}
	}
	out, err := e.api.StartQueryExecution(ctx, in)
	if err != nil {
		return "", fmt.Errorf("athena: start: %w", err)
	}
	id := aws.ToString(out.QueryExecutionId)
	if id == "" {
		return "", errors.New("athena: start: no query execution ID in the answer")
	}
	return id, nil
}

// wait polls the query until it ends, and returns nil if it succeeded,
// with the bytes scanned as its final state reports them.
func (e *Engine) wait(ctx context.Context, id string) (int64, error) {
	delay := e.cfg.PollMin
	timer := time.NewTimer(0) // the first poll at once
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			e.stop(ctx, id)
			return 0, fmt.Errorf("athena: wait for %s: %w", id, ctx.Err())
		case <-timer.C:
		}
		out, err := e.api.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			if ctx.Err() != nil {
				e.stop(ctx, id)
			}
			return 0, fmt.Errorf("athena: wait for %s: %w", id, err)
		}
		var status *types.QueryExecutionStatus
		if out.QueryExecution != nil {
			status = out.QueryExecution.Status
		}
		if status == nil {
			return 0, fmt.Errorf("athena: wait for %s: no status in the answer", id)
		}
		var scanned int64
		if st := out.QueryExecution.Statistics; st != nil {
			scanned = aws.ToInt64(st.DataScannedInBytes)
		}
		switch status.State {
		case types.QueryExecutionStateSucceeded:
			return scanned, nil
		case types.QueryExecutionStateCancelled:
			return scanned, fmt.Errorf("athena: query: %w", newQueryError(id, status))
		case types.QueryExecutionStateFailed:
			return 0, fmt.Errorf("athena: query: %w", newQueryError(id, status))
		}
		// QUEUED, RUNNING, or a state this client does not know yet.
		timer.Reset(delay)
		delay = min(2*delay, e.cfg.PollMax)
	}
}

// stop asks Athena, best-effort, to stop a query whose context ended.
func (e *Engine) stop(ctx context.Context, id string) {
	s, ok := e.api.(Stopper)
	if !ok {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
	defer cancel()
	_, _ = s.StopQueryExecution(sctx, &athena.StopQueryExecutionInput{QueryExecutionId: aws.String(id)})
}

// results reads every page of the results of a succeeded query.
func (e *Engine) results(ctx context.Context, id string) ([]map[string]any, error) {
	in := &athena.GetQueryResultsInput{
		QueryExecutionId: aws.String(id),
		MaxResults:       aws.Int32(pageSize),
	}
	rows := []map[string]any{}
	var cols []column
	seen := map[string]bool{} // tokens already sent
	for page := 0; ; page++ {
		out, err := e.api.GetQueryResults(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("athena: results of %s: %w", id, err)
		}
		rs := out.ResultSet
		if rs == nil {
			return nil, fmt.Errorf("athena: results of %s: page %d has no result set", id, page)
		}
		data := rs.Rows
		if page == 0 {
			if rs.ResultSetMetadata == nil {
				return nil, fmt.Errorf("athena: results of %s: no column metadata", id)
			}
			cols = columns(rs.ResultSetMetadata.ColumnInfo)
			if len(data) > 0 && isHeader(data[0], cols) {
				data = data[1:]
			}
		}
		for i, r := range data {
			m, err := parseRow(r, cols)
			if err != nil {
				return nil, fmt.Errorf("athena: results of %s: row %d: %w", id, len(rows)+i, err)
			}
			rows = append(rows, m)
		}
		next := aws.ToString(out.NextToken)
		if next == "" {
			return rows, nil
		}
		if seen[next] {
			return nil, fmt.Errorf("athena: results of %s: page token repeats: paging loops", id)
		}
		seen[next] = true
		in.NextToken = aws.String(next)
	}
}

// column is what parsing needs of a ColumnInfo.
type column struct {
	name, label, typ string
}

func columns(info []types.ColumnInfo) []column {
	cols := make([]column, len(info))
	for i, c := range info {
		cols[i] = column{
			name:  aws.ToString(c.Name),
			label: aws.ToString(c.Label),
			typ:   strings.ToLower(strings.TrimSpace(aws.ToString(c.Type))),
		}
		if cols[i].name == "" {
			cols[i].name = cols[i].label
		}
	}
	return cols
}

// isHeader reports whether r is the row of column labels that Athena puts
// first in the first page of a SELECT's results (DDL and utility statements
// have none).
func isHeader(r types.Row, cols []column) bool {
	if len(r.Data) != len(cols) {
		return false
	}
	for i, d := range r.Data {
		if d.VarCharValue == nil {
			return false
		}
		v := *d.VarCharValue
		if !strings.EqualFold(v, cols[i].label) && !strings.EqualFold(v, cols[i].name) {
			return false
		}
	}
	return true
}

func parseRow(r types.Row, cols []column) (map[string]any, error) {
	if len(r.Data) != len(cols) {
		return nil, fmt.Errorf("%d values for %d columns", len(r.Data), len(cols))
	}
	m := make(map[string]any, len(cols))
	for i, d := range r.Data {
		if d.VarCharValue == nil {
			m[cols[i].name] = nil
			continue
		}
		v, err := parseValue(cols[i].typ, *d.VarCharValue)
		if err != nil {
			return nil, fmt.Errorf("column %q (%s): %w", cols[i].name, cols[i].typ, err)
		}
		m[cols[i].name] = v
	}
	return m, nil
}

// Over returns an engine opener that gives e for every run (the Athena
// engine queries the Glue table, whatever the store).
func Over(e *Engine) func(context.Context, store.Store, *plan.Plan) (query.Engine, func(), error) {
	return func(context.Context, store.Store, *plan.Plan) (query.Engine, func(), error) {
		return e, func() {}, nil
	}
}
