package athenafake

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Querier runs SQL and returns rows as column → value maps, with the
// types of the query.Engine contract. The fake also runs "DESCRIBE <sql>"
// on it to learn the order and types of the columns, as DuckDB answers
// (rows of column_name and column_type). *duckdb.DB is one.
type Querier interface {
	Query(ctx context.Context, sql string) ([]map[string]any, error)
}

// Options tune the fake. Zero values give the defaults.
type Options struct {
	// PageSize caps the rows of a GetQueryResults page, the header row
	// included (Athena: 1000). Default 3, to exercise paging.
	PageSize int
	// Polls is how many GetQueryExecution calls a query answers QUEUED
	// (the first) or RUNNING before its final state. Default 3.
	Polls int
	// Hang, if set, picks queries that stay RUNNING until stopped.
	Hang func(sql string) bool
	// Region is the region the requests must be signed for. Default
	// us-east-1.
	Region string
	// Scanned, if set, gives the DataScannedInBytes a query's statistics
	// report (Athena's own figure cannot be known here); nil reports 0.
	Scanned func(sql string) int64
}

// Call is one request the fake answered.
type Call struct {
	Op               string // StartQueryExecution, GetQueryExecution, …
	QueryExecutionID string // the query it was about (for Start, the ID given)
	NextToken        string // GetQueryResults: the token sent
	MaxResults       int    // GetQueryResults: the page size asked, 0 if none
	State            string // GetQueryExecution: the state answered

	// StartQueryExecution's request.
	QueryString, WorkGroup, Database, Catalog, OutputLocation, ClientRequestToken string
}

// Fake is an Athena stand-in. Serve it with httptest.NewServer.
type Fake struct {
	q    Querier
	opts Options

	mu      sync.Mutex
	queries map[string]*execution
	tokens  map[string]string // ClientRequestToken → query ID
	calls   []Call
	nextID  int
}

// execution is one query's state.
type execution struct {
	id, sql              string
	workGroup, database  string
	catalog, output      string
	polls                int
	hang, stopped        bool
	submitted, completed time.Time
	cols                 []column
	rows                 [][]*string // rendered values; nil for NULL
	err                  error       // the engine's error: the query FAILED
}

// column is one result column, as Athena describes it.
type column struct {
	name, typ        string
	precision, scale int
}

// New returns a fake that runs queries on q.
func New(q Querier, opts Options) *Fake {
	if opts.PageSize <= 0 {
		opts.PageSize = 3
	}
	if opts.Polls <= 0 {
		opts.Polls = 3
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	return &Fake{q: q, opts: opts, queries: map[string]*execution{}, tokens: map[string]string{}}
}

// Calls returns the requests answered so far, in order.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// Ops returns the operation names of Calls, in order.
func (f *Fake) Ops() []string {
	var ops []string
	for _, c := range f.Calls() {
		ops = append(ops, c.Op)
	}
	return ops
}

// State returns a query's current state, "" for an unknown ID.
func (f *Fake) State(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if x := f.queries[id]; x != nil {
		return f.state(x)
	}
	return ""
}

const (
	target      = "AmazonAthena."
	contentType = "application/x-amz-json-1.1"
)

// ServeHTTP answers one Athena API request.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-Requestid", strconv.FormatInt(time.Now().UnixNano(), 36))
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		f.fail(w, http.StatusNotFound, "UnknownOperationException", "", fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != contentType {
		f.fail(w, http.StatusBadRequest, "SerializationException", "", fmt.Sprintf("Content-Type %q, want %q", ct, contentType))
		return
	}
	if msg := f.checkAuth(r.Header.Get("Authorization")); msg != "" {
		f.fail(w, http.StatusBadRequest, "UnrecognizedClientException", "", msg)
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), target)
	if !ok {
		f.fail(w, http.StatusBadRequest, "UnknownOperationException", "", fmt.Sprintf("X-Amz-Target %q is not an Athena operation", r.Header.Get("X-Amz-Target")))
		return
	}
	var out any
	var err error
	switch op {
	case "StartQueryExecution":
		var in startInput
		if err = decode(r, &in); err == nil {
			out, err = f.start(r.Context(), in)
		}
	case "GetQueryExecution":
		var in idInput
		if err = decode(r, &in); err == nil {
			out, err = f.getExecution(in)
		}
	case "GetQueryResults":
		var in resultsInput
		if err = decode(r, &in); err == nil {
			out, err = f.getResults(in)
		}
	case "StopQueryExecution":
		var in idInput
		if err = decode(r, &in); err == nil {
			out, err = f.stopQuery(in)
		}
	default:
		f.fail(w, http.StatusBadRequest, "UnknownOperationException", "", "the fake does not implement "+op)
		return
	}
	if err != nil {
		if ae, ok := err.(*apiError); ok {
			f.fail(w, http.StatusBadRequest, ae.typ, ae.code, ae.msg)
			return
		}
		f.fail(w, http.StatusBadRequest, "InvalidRequestException", "INVALID_INPUT", err.Error())
		return
	}
	w.Header().Set("Content-Type", contentType)
	json.NewEncoder(w).Encode(out)
}

// checkAuth checks the shape of a SigV4 Authorization header and its
// scope (the signature itself is not checked): "" when it is right.
func (f *Fake) checkAuth(h string) string {
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 Credential=")
	if !ok {
		return fmt.Sprintf("Authorization %q is not SigV4", h)
	}
	cred, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(cred, "/") // AKID/date/region/service/aws4_request
	if len(parts) != 5 || parts[2] != f.opts.Region || parts[3] != "athena" || parts[4] != "aws4_request" {
		return fmt.Sprintf("credential scope %q: want <key>/<date>/%s/athena/aws4_request", cred, f.opts.Region)
	}
	return ""
}

// apiError is an error response of a given type.
type apiError struct{ typ, code, msg string }

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

func invalid(format string, a ...any) error {
	return &apiError{typ: "InvalidRequestException", code: "INVALID_INPUT", msg: fmt.Sprintf(format, a...)}
}

// fail writes an AWS JSON error: the type in __type (and the header
// X-Amzn-ErrorType), the text in Message.
func (f *Fake) fail(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	body := map[string]string{"__type": typ, "Message": msg}
	if code != "" {
		body["AthenaErrorCode"] = code
	}
	json.NewEncoder(w).Encode(body)
}

func decode(r *http.Request, v any) error {
	d := json.NewDecoder(r.Body)
	if err := d.Decode(v); err != nil {
		return &apiError{typ: "SerializationException", msg: "bad JSON body: " + err.Error()}
	}
	return nil
}

// Request shapes.
type (
	startInput struct {
		QueryString           string
		ClientRequestToken    string
		WorkGroup             string
		QueryExecutionContext *struct{ Database, Catalog string }
		ResultConfiguration   *struct{ OutputLocation string }
	}
	idInput struct {
		QueryExecutionId string
	}
	resultsInput struct {
		QueryExecutionId string
		NextToken        string
		MaxResults       *int
	}
)

func (f *Fake) record(c Call) {
	f.calls = append(f.calls, c)
}

func (f *Fake) start(ctx context.Context, in startInput) (any, error) {
	c := Call{Op: "StartQueryExecution", QueryString: in.QueryString, WorkGroup: in.WorkGroup, ClientRequestToken: in.ClientRequestToken}
	if in.QueryExecutionContext != nil {
		c.Database, c.Catalog = in.QueryExecutionContext.Database, in.QueryExecutionContext.Catalog
	}
	if in.ResultConfiguration != nil {
		c.OutputLocation = in.ResultConfiguration.OutputLocation
	}
	f.mu.Lock()
	id, retried := f.tokens[in.ClientRequestToken]
	f.mu.Unlock()
	if retried && in.ClientRequestToken != "" {
		// A retry with the same token is the same query.
		c.QueryExecutionID = id
		f.mu.Lock()
		f.record(c)
		f.mu.Unlock()
		return map[string]string{"QueryExecutionId": id}, nil
	}
	if strings.TrimSpace(in.QueryString) == "" {
		f.mu.Lock()
		f.record(c)
		f.mu.Unlock()
		return nil, invalid("QueryString must not be empty")
	}
	x := &execution{
		sql: in.QueryString, workGroup: in.WorkGroup, database: c.Database, catalog: c.Catalog,
		submitted: time.Now(),
	}
	if x.workGroup == "" {
		x.workGroup = "primary"
	}
	if f.opts.Hang != nil && f.opts.Hang(in.QueryString) {
		x.hang = true
	} else {
		x.cols, x.rows, x.err = f.run(ctx, in.QueryString)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	x.id = fmt.Sprintf("%08x-fake-4000-8000-%012x", f.nextID, time.Now().UnixNano()&0xffffffffffff)
	x.output = strings.TrimSuffix(c.OutputLocation, "/") + "/" + x.id + ".csv"
	f.queries[x.id] = x
	if in.ClientRequestToken != "" {
		f.tokens[in.ClientRequestToken] = x.id
	}
	c.QueryExecutionID = x.id
	f.record(c)
	return map[string]string{"QueryExecutionId": x.id}, nil
}

// state is a query's state after its polls so far: QUEUED at the first,
// RUNNING until Options.Polls, then final (SUCCEEDED or FAILED; RUNNING
// for ever for a hanging query); CANCELLED once stopped.
func (f *Fake) state(x *execution) string {
	switch {
	case x.stopped:
		return "CANCELLED"
	case x.polls <= 1:
		return "QUEUED"
	case x.polls <= f.opts.Polls || x.hang:
		return "RUNNING"
	case x.err != nil:
		return "FAILED"
	default:
		return "SUCCEEDED"
	}
}

func (f *Fake) lookup(id string) (*execution, error) {
	x := f.queries[id]
	if x == nil {
		return nil, invalid("QueryExecution %s was not found", id)
	}
	return x, nil
}

func (f *Fake) getExecution(in idInput) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := Call{Op: "GetQueryExecution", QueryExecutionID: in.QueryExecutionId}
	x, err := f.lookup(in.QueryExecutionId)
	if err != nil {
		f.record(c)
		return nil, err
	}
	x.polls++
	state := f.state(x)
	c.State = state
	f.record(c)

	status := map[string]any{
		"State":              state,
		"SubmissionDateTime": epoch(x.submitted),
	}
	final := state == "SUCCEEDED" || state == "FAILED" || state == "CANCELLED"
	if final {
		if x.completed.IsZero() {
			x.completed = time.Now()
		}
		status["CompletionDateTime"] = epoch(x.completed)
	}
	switch state {
	case "FAILED":
		status["StateChangeReason"] = x.err.Error()
		status["AthenaError"] = map[string]any{
			"ErrorCategory": 2,    // USER
			"ErrorType":     1000, // user error
			"Retryable":     false,
			"ErrorMessage":  x.err.Error(),
		}
	case "CANCELLED":
		status["StateChangeReason"] = "Query cancelled by user"
	}
	return map[string]any{"QueryExecution": map[string]any{
		"QueryExecutionId": x.id,
		"Query":            x.sql,
		"StatementType":    "DML",
		"SubstatementType": "SELECT",
		"WorkGroup":        x.workGroup,
		"QueryExecutionContext": map[string]string{
			"Database": x.database,
			"Catalog":  x.catalog,
		},
		"ResultConfiguration": map[string]string{"OutputLocation": x.output},
		"EngineVersion": map[string]string{
			"SelectedEngineVersion":  "AUTO",
			"EffectiveEngineVersion": "Athena engine version 3",
		},
		"Status": status,
		"Statistics": map[string]any{
			"EngineExecutionTimeInMillis": 42,
			"DataScannedInBytes":          f.scanned(x.sql),
			"TotalExecutionTimeInMillis":  84,
		},
	}}, nil
}

// epoch is a time as AWS JSON writes timestamps: seconds since the epoch,
// with a fraction.
func epoch(t time.Time) float64 {
	return math.Round(float64(t.UnixMilli())) / 1000
}

func (f *Fake) getResults(in resultsInput) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := Call{Op: "GetQueryResults", QueryExecutionID: in.QueryExecutionId, NextToken: in.NextToken}
	if in.MaxResults != nil {
		c.MaxResults = *in.MaxResults
	}
	f.record(c)
	x, err := f.lookup(in.QueryExecutionId)
	if err != nil {
		return nil, err
	}
	switch st := f.state(x); st {
	case "QUEUED", "RUNNING":
		return nil, invalid("Query has not yet finished. Current state: %s", st)
	case "FAILED", "CANCELLED":
		return nil, invalid("Query did not finish successfully. Final query state: %s", st)
	}
	n := f.opts.PageSize
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 1000 {
			return nil, invalid("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000", *in.MaxResults)
		}
		n = min(n, *in.MaxResults)
	}
	// Row 0 is the header, then the data.
	total := 1 + len(x.rows)
	off := 0
	if in.NextToken != "" {
		off, err = parseToken(in.NextToken, x.id)
		if err != nil || off > total {
			return nil, invalid("Invalid NextToken: %s", in.NextToken)
		}
	}
	end := min(off+n, total)
	rows := make([]map[string]any, 0, end-off)
	for i := off; i < end; i++ {
		var vals []*string
		if i == 0 {
			for _, c := range x.cols {
				vals = append(vals, &c.name)
			}
		} else {
			vals = x.rows[i-1]
		}
		data := make([]map[string]string, len(vals))
		for j, v := range vals {
			data[j] = map[string]string{}
			if v != nil {
				data[j]["VarCharValue"] = *v
			}
		}
		rows = append(rows, map[string]any{"Data": data})
	}
	info := make([]map[string]any, len(x.cols))
	for i, c := range x.cols {
		info[i] = map[string]any{
			"CatalogName":   "hive",
			"SchemaName":    "",
			"TableName":     "",
			"Name":          c.name,
			"Label":         c.name,
			"Type":          c.typ,
			"Precision":     c.precision,
			"Scale":         c.scale,
			"Nullable":      "UNKNOWN",
			"CaseSensitive": c.typ == "varchar" || c.typ == "char",
		}
	}
	out := map[string]any{
		"UpdateCount": 0,
		"ResultSet": map[string]any{
			"Rows":              rows,
			"ResultSetMetadata": map[string]any{"ColumnInfo": info},
		},
	}
	if end < total {
		out["NextToken"] = makeToken(x.id, end)
	}
	return out, nil
}

func makeToken(id string, off int) string {
	return base64.StdEncoding.EncodeToString([]byte(id + "/" + strconv.Itoa(off)))
}

func parseToken(tok, id string) (int, error) {
	b, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return 0, err
	}
	rest, ok := strings.CutPrefix(string(b), id+"/")
	if !ok {
		return 0, fmt.Errorf("token of another query")
	}
	return strconv.Atoi(rest)
}

func (f *Fake) stopQuery(in idInput) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(Call{Op: "StopQueryExecution", QueryExecutionID: in.QueryExecutionId})
	x, err := f.lookup(in.QueryExecutionId)
	if err != nil {
		return nil, err
	}
	switch f.state(x) {
	case "SUCCEEDED", "FAILED": // too late: Athena leaves it be
	default:
		x.stopped = true
		x.completed = time.Now()
	}
	return map[string]any{}, nil
}

// scanned is the bytes a query's statistics report.
func (f *Fake) scanned(sql string) int64 {
	if f.opts.Scanned == nil {
		return 0
	}
	return f.opts.Scanned(sql)
}
