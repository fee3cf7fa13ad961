package sfnfake

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/llmbench/llmbench/shared/sfnlocal"
)

// DefaultPageSize is the most history events a page holds by default.
const DefaultPageSize = 25

// maxInputBytes is Step Functions' limit on an execution's input.
const maxInputBytes = 256 * 1024

// StateMachine is a state machine the fake serves.
type StateMachine struct {
	// Definition is the Amazon States Language document, with ${name}
	// placeholders filled from Vars as sfnlocal.Load does.
	Definition []byte
	Vars       map[string]string
	// Functions are the Lambda functions by name (sfnlocal.Options).
	Functions map[string]lambda.Handler
	// Clock, if set, replaces real time for Retry and Wait (tests).
	Clock sfnlocal.Clock
	// MapRunFiles serves a Distributed Map's ItemReader and stores what
	// its ResultWriter exports (sfnlocal.Options), e.g. in the S3 fake.
	MapRunFiles sfnlocal.Objects
}

// Options configure a Server.
type Options struct {
	// StateMachines by ARN: arn:aws:states:REGION:ACCOUNT:stateMachine:NAME.
	StateMachines map[string]StateMachine
	// PageSize bounds the events of one GetExecutionHistory page (default
	// DefaultPageSize); a smaller maxResults in the request wins.
	PageSize int
}

// Server is the fake Step Functions endpoint, an http.Handler. Serve it on
// loopback (httptest.NewServer) and point the SDK's BaseEndpoint at it.
type Server struct {
	pageSize int
	machines map[string]*machine

	ctx    context.Context // parent of every execution; Close cancels it
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	executions map[string]*execution // by ARN
}

// machine is a state machine with what the history needs of its definition.
type machine struct {
	arn, name, region, account string
	sm                         StateMachine
	states                     map[string]stateInfo // by state key (see stateKey)
}

// New loads every state machine with sfnlocal (a definition it refuses is
// an error here, not at StartExecution) and returns the Server.
func New(opts Options) (*Server, error) {
	s := &Server{pageSize: opts.PageSize, machines: map[string]*machine{}, executions: map[string]*execution{}}
	if s.pageSize <= 0 {
		s.pageSize = DefaultPageSize
	}
	for arn, sm := range opts.StateMachines {
		a, ok := parseArn(arn, "stateMachine")
		if !ok {
			return nil, fmt.Errorf("sfnfake: %q is not a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)", arn)
		}
		if _, err := sfnlocal.Load(sm.Definition, sfnlocal.Options{Vars: sm.Vars, Functions: sm.Functions, StateMachineArn: arn, ResultWriter: sm.MapRunFiles, ItemReader: sm.MapRunFiles}); err != nil {
			return nil, fmt.Errorf("sfnfake: state machine %s: %w", arn, err)
		}
		states, err := stateTypes(sm.Definition, sm.Vars)
		if err != nil {
			return nil, fmt.Errorf("sfnfake: state machine %s: %w", arn, err)
		}
		s.machines[arn] = &machine{arn: arn, name: a.name, region: a.region, account: a.account, sm: sm, states: states}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Close aborts the executions still running and waits for them to end.
func (s *Server) Close() {
	s.mu.Lock() // no StartExecution between the cancel and the Wait
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
}

// Wait blocks until the execution ends or ctx is done and returns its status.
func (s *Server) Wait(ctx context.Context, executionArn string) (string, error) {
	s.mu.Lock()
	ex := s.executions[executionArn]
	s.mu.Unlock()
	if ex == nil {
		return "", fmt.Errorf("sfnfake: no execution %s", executionArn)
	}
	select {
	case <-ex.done:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return ex.status, nil
}

// apiError is a Step Functions error response.
type apiError struct {
	code         string
	message      string
	resourceName string // ResourceNotFound's
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errorf(code, format string, args ...any) *apiError {
	return &apiError{code: code, message: fmt.Sprintf(format, args...)}
}

// ServeHTTP dispatches on X-Amz-Target.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		writeError(w, http.StatusNotFound, errorf("UnknownOperationException", "%s %s: the AWS JSON 1.0 protocol takes POST /", r.Method, r.URL.Path))
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		writeError(w, http.StatusBadRequest, errorf("MissingAuthenticationTokenException", "Missing Authentication Token: sign the request with SigV4"))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.0" {
		writeError(w, http.StatusBadRequest, errorf("UnknownOperationException", "Content-Type %q, want application/x-amz-json-1.0", ct))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 2*maxInputBytes))
	if err != nil {
		writeError(w, http.StatusBadRequest, errorf("SerializationException", "read body: %v", err))
		return
	}
	target := r.Header.Get("X-Amz-Target")
	var out any
	var aerr *apiError
	switch target {
	case "AWSStepFunctions.StartExecution":
		var in startExecutionInput
		if aerr = decode(body, &in); aerr == nil {
			out, aerr = s.startExecution(&in)
		}
	case "AWSStepFunctions.DescribeExecution":
		var in executionArnInput
		if aerr = decode(body, &in); aerr == nil {
			out, aerr = s.describeExecution(&in)
		}
	case "AWSStepFunctions.GetExecutionHistory":
		var in getExecutionHistoryInput
		if aerr = decode(body, &in); aerr == nil {
			out, aerr = s.getExecutionHistory(&in)
		}
	case "AWSStepFunctions.DescribeMapRun":
		var in mapRunArnInput
		if aerr = decode(body, &in); aerr == nil {
			out, aerr = s.describeMapRun(&in)
		}
	case "AWSStepFunctions.StopExecution":
		var in stopExecutionInput
		if aerr = decode(body, &in); aerr == nil {
			out, aerr = s.stopExecution(&in)
		}
	default:
		aerr = errorf("UnknownOperationException", "sfnfake does not serve %q", target)
	}
	if aerr != nil {
		writeError(w, http.StatusBadRequest, aerr)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		writeError(w, http.StatusInternalServerError, errorf("InternalFailure", "encode response: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-RequestId", newUUID())
	w.Write(b)
}

func decode(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		return errorf("SerializationException", "request body: %v", err)
	}
	return nil
}

func writeError(w http.ResponseWriter, status int, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-RequestId", newUUID())
	w.WriteHeader(status)
	b, _ := json.Marshal(errorBody{Type: "com.amazonaws.swf.service.v2.model#" + e.code, Message: e.message, ResourceName: e.resourceName})
	w.Write(b)
}

func (s *Server) startExecution(in *startExecutionInput) (*startExecutionOutput, *apiError) {
	if in.StateMachineArn == "" {
		return nil, errorf("ValidationException", "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null")
	}
	if _, ok := parseArn(in.StateMachineArn, "stateMachine"); !ok {
		return nil, errorf("InvalidArn", "Invalid Arn: '%s'", in.StateMachineArn)
	}
	m := s.machines[in.StateMachineArn]
	if m == nil {
		return nil, errorf("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", in.StateMachineArn)
	}
	name := in.Name
	if name == "" {
		name = newUUID()
	} else if err := checkName(name); err != nil {
		return nil, errorf("InvalidName", "Invalid Name: '%s' (%v)", name, err)
	}
	input := "{}"
	if in.Input != nil {
		input = *in.Input
	}
	if len(input) > maxInputBytes {
		return nil, errorf("InvalidExecutionInput", "the input has %d bytes, more than %d", len(input), maxInputBytes)
	}
	if !json.Valid([]byte(input)) {
		return nil, errorf("InvalidExecutionInput", "Invalid State Machine Execution Input: 'the input is not JSON'")
	}
	arn := fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", m.region, m.account, m.name, name)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return nil, errorf("ServiceUnavailable", "sfnfake is closed")
	}
	if ex := s.executions[arn]; ex != nil {
		ex.mu.Lock()
		same := ex.status == statusRunning && ex.input == input
		ex.mu.Unlock()
		if same {
			return &startExecutionOutput{ExecutionArn: arn, StartDate: epochTime(ex.start)}, nil
		}
		return nil, errorf("ExecutionAlreadyExists", "Execution Already Exists: '%s'", arn)
	}
	ex := newExecution(s.ctx, m, arn, name, input)
	s.executions[arn] = ex
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ex.run()
	}()
	return &startExecutionOutput{ExecutionArn: arn, StartDate: epochTime(ex.start)}, nil
}

func (s *Server) lookup(arn string) (*execution, *apiError) {
	if arn == "" {
		return nil, errorf("ValidationException", "1 validation error detected: Value null at 'executionArn' failed to satisfy constraint: Member must not be null")
	}
	if _, ok := parseArn(arn, "execution"); !ok {
		return nil, errorf("InvalidArn", "Invalid Arn: '%s'", arn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ex := s.executions[arn]
	if ex == nil {
		return nil, errorf("ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", arn)
	}
	return ex, nil
}

func (s *Server) describeExecution(in *executionArnInput) (*describeExecutionOutput, *apiError) {
	ex, aerr := s.lookup(in.ExecutionArn)
	if aerr != nil {
		return nil, aerr
	}
	ex.mu.Lock()
	defer ex.mu.Unlock()
	yes := true
	out := &describeExecutionOutput{
		ExecutionArn: ex.arn, StateMachineArn: ex.m.arn, Name: ex.name, Status: ex.status,
		StartDate: epochTime(ex.start), Input: ex.input, InputDetails: &dataDetails{Included: &yes},
	}
	if ex.status != statusRunning {
		stop := epochTime(ex.stop)
		out.StopDate = &stop
	}
	switch ex.status {
	case statusSucceeded:
		o := ex.output
		out.Output, out.OutputDetails = &o, &dataDetails{Included: &yes}
	case statusFailed, statusTimedOut, statusAborted:
		e, c := ex.errName, ex.cause
		if e != "" {
			out.Error = &e
		}
		if c != "" {
			out.Cause = &c
		}
	}
	return out, nil
}

func (s *Server) getExecutionHistory(in *getExecutionHistoryInput) (*getExecutionHistoryOutput, *apiError) {
	ex, aerr := s.lookup(in.ExecutionArn)
	if aerr != nil {
		return nil, aerr
	}
	if in.MaxResults < 0 || in.MaxResults > 1000 {
		return nil, errorf("ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 0 and 1000", in.MaxResults)
	}
	size := in.MaxResults
	if size == 0 {
		size = 100
	}
	size = min(size, s.pageSize)
	next := int64(0) // the id of the first event of the page; 0: from the start
	if in.NextToken != "" {
		var ok bool
		if next, ok = parseToken(in.NextToken, ex.arn, in.ReverseOrder); !ok {
			return nil, errorf("InvalidToken", "Invalid Token: '%s'", in.NextToken)
		}
	}
	ex.mu.Lock()
	events := make([]historyEvent, len(ex.events))
	copy(events, ex.events)
	ex.mu.Unlock()
	n := int64(len(events))
	if next > n {
		return nil, errorf("InvalidToken", "Invalid Token: '%s'", in.NextToken)
	}
	// Ids run 1..n in order: the page is a slice of the history, or of
	// the history reversed. A reverse token names an id, not a position,
	// so events added meanwhile do not shift the pages still to read.
	off := int64(0)
	if in.ReverseOrder {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
		if next > 0 {
			off = n - next
		}
	} else if next > 0 {
		off = next - 1
	}
	end := min(off+int64(size), n)
	out := &getExecutionHistoryOutput{Events: events[off:end]}
	if end < n {
		out.NextToken = makeToken(ex.arn, in.ReverseOrder, out.Events[len(out.Events)-1].ID)
	}
	if in.IncludeExecutionData != nil && !*in.IncludeExecutionData {
		for i := range out.Events {
			out.Events[i] = withoutData(out.Events[i])
		}
	}
	return out, nil
}

func (s *Server) stopExecution(in *stopExecutionInput) (*stopExecutionOutput, *apiError) {
	ex, aerr := s.lookup(in.ExecutionArn)
	if aerr != nil {
		return nil, aerr
	}
	ex.abort(in.Error, in.Cause)
	<-ex.done
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return &stopExecutionOutput{StopDate: epochTime(ex.stop)}, nil
}

// A token names the first event of the next page, for the execution and
// the direction: "sfnfake:" + base64(arn + "|" + f or r + "|" + id).
func makeToken(arn string, reverse bool, lastID int64) string {
	dir, next := "f", lastID+1
	if reverse {
		dir, next = "r", lastID-1
	}
	return "sfnfake:" + base64.RawURLEncoding.EncodeToString([]byte(arn+"|"+dir+"|"+strconv.FormatInt(next, 10)))
}

func parseToken(tok, arn string, reverse bool) (int64, bool) {
	rest, ok := strings.CutPrefix(tok, "sfnfake:")
	if !ok {
		return 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return 0, false
	}
	p := strings.Split(string(b), "|")
	if len(p) != 3 || p[0] != arn || (p[1] == "r") != reverse {
		return 0, false
	}
	id, err := strconv.ParseInt(p[2], 10, 64)
	return id, err == nil && id >= 1
}

// arn is the parts of arn:aws:states:REGION:ACCOUNT:KIND:NAME[:ID], ID
// being an execution's name or a Map Run's id.
type arn struct{ region, account, name string }

func parseArn(s, kind string) (arn, bool) {
	p := strings.Split(s, ":")
	want := 7
	if kind == "execution" || kind == "mapRun" {
		want = 8
	}
	if len(p) != want || p[0] != "arn" || p[1] == "" || p[2] != "states" || p[3] == "" || p[4] == "" || p[5] != kind || p[6] == "" {
		return arn{}, false
	}
	return arn{region: p[3], account: p[4], name: p[6]}, true
}

// checkName applies Step Functions' rules for execution names.
func checkName(name string) error {
	if len(name) > 80 {
		return errors.New("longer than 80 characters")
	}
	for _, r := range name {
		if r <= 0x20 || (r >= 0x7f && r <= 0x9f) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) {
			return fmt.Errorf("character %q not allowed", r)
		}
	}
	return nil
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// now is the server's clock for what sfnlocal does not time.
func now() time.Time { return time.Now() }
