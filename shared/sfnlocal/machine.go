package sfnlocal

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// DefaultMaxInlineConcurrency is AWS's ceiling on concurrent inline Map
// iterations.
const DefaultMaxInlineConcurrency = 40

// DefaultStateMachineArn names the local state machine in $$.StateMachine.
const DefaultStateMachineArn = "arn:aws:states:us-east-1:000000000000:stateMachine:sfnlocal"

// Clock is the time source: Now for the context object and Wait
// timestamps, Sleep for Wait states and Retry intervals.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done, returning ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
}

// TimeoutClock is optionally implemented by a Clock to decide deadlines
// (Task TimeoutSeconds, the machine's TimeoutSeconds). Without it they are
// real-time context deadlines.
type TimeoutClock interface {
	WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Options configure Load.
type Options struct {
	// Vars fill Terraform templatefile placeholders "${name}" in the
	// definition text before parsing ("$${" stays a literal "${"). A
	// placeholder left unfilled anywhere is a load error.
	Vars map[string]string
	// Functions are the Lambda functions by NAME, the name in
	// arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] or in the
	// FunctionName (a name or an ARN) of arn:aws:states:::lambda:invoke.
	// Build them with Func(fn) to run one function concurrently (Map);
	// a handler from lambda.NewHandler is safe too but runs one
	// invocation at a time (its output buffer is pooled and reused).
	Functions map[string]lambda.Handler
	// Clock defaults to real time. Tests inject a fake.
	Clock Clock
	// Rand gives numbers in [0, 1) for JitterStrategy FULL and
	// States.MathRandom without a seed; default math/rand/v2. It must be
	// safe for concurrent use (Map iterations retry concurrently).
	Rand func() float64
	// Observer, if set, hears state and Map progress. Calls are serialized.
	Observer func(Event)
	// MaxInlineConcurrency caps concurrent inline Map iterations
	// (MaxConcurrency 0 or above it); default 40, AWS's ceiling.
	MaxInlineConcurrency int
	// StateMachineArn fills $$.StateMachine and $$.Execution.Id; default
	// DefaultStateMachineArn.
	StateMachineArn string
	// ResultWriter stores what a Distributed Map's ResultWriter exports
	// (arn:aws:states:::s3:putObject); Load refuses a definition with a
	// ResultWriter without it.
	ResultWriter ObjectWriter
	// ItemReader reads the object a Distributed Map's ItemReader names
	// (arn:aws:states:::s3:getObject); Load refuses a definition with an
	// ItemReader without it.
	ItemReader ObjectReader
}

// ObjectWriter puts an object into a bucket, as S3 PutObject does: what a
// Distributed Map's ResultWriter writes its manifest and result files
// through. It must be safe for concurrent use.
type ObjectWriter interface {
	PutObject(ctx context.Context, bucket, key string, body []byte) error
}

// ObjectReader gets an object from a bucket, as S3 GetObject does: what a
// Distributed Map's ItemReader reads its items through. It must be safe
// for concurrent use.
type ObjectReader interface {
	GetObject(ctx context.Context, bucket, key string) ([]byte, error)
}

// Objects is an ObjectWriter and ObjectReader: one bucket store for a
// Distributed Map's ItemReader and ResultWriter.
type Objects interface {
	ObjectWriter
	ObjectReader
}

// Machine is a loaded state machine. Execute may be called concurrently.
type Machine struct {
	def          *machineDef
	opts         Options
	clock        Clock
	rand         func() float64
	locks        map[string]*sync.Mutex // functions whose handler must run one at a time
	obsMu        sync.Mutex
	arn          string
	smName       string
	lambdaPrefix string // arn:aws:lambda:REGION:ACCOUNT
}

// Load parses a definition, validates it, refuses what sfnlocal does not
// run and resolves every statically named Lambda function. The error is a
// *LoadError listing every problem with its state.
func Load(definition []byte, opts Options) (*Machine, error) {
	def, problems := compileDefinition(definition, opts.Vars, opts.Functions, true)
	if opts.ResultWriter == nil {
		for _, name := range def.statesWhere(func(st *stateDef) bool { return st.resultWriter != nil }) {
			problems = append(problems, Problem{State: name, Message: "ResultWriter needs Options.ResultWriter (where its files go)"})
		}
	}
	if opts.ItemReader == nil {
		for _, name := range def.statesWhere(func(st *stateDef) bool { return st.itemReader != nil }) {
			problems = append(problems, Problem{State: name, Message: "ItemReader needs Options.ItemReader (where its items are read from)"})
		}
	}
	if len(problems) > 0 {
		return nil, &LoadError{Problems: problems}
	}
	m := &Machine{def: def, opts: opts, clock: opts.Clock, rand: opts.Rand, arn: opts.StateMachineArn}
	if m.clock == nil {
		m.clock = realClock{}
	}
	if m.rand == nil {
		m.rand = rand.Float64
	}
	if m.opts.MaxInlineConcurrency <= 0 {
		m.opts.MaxInlineConcurrency = DefaultMaxInlineConcurrency
	}
	if m.arn == "" {
		m.arn = DefaultStateMachineArn
	}
	m.smName = m.arn[strings.LastIndexByte(m.arn, ':')+1:]
	m.lambdaPrefix = "arn:aws:lambda:us-east-1:000000000000"
	if p := strings.Split(m.arn, ":"); len(p) >= 5 && p[0] == "arn" {
		m.lambdaPrefix = strings.Join([]string{"arn", p[1], "lambda", p[3], p[4]}, ":")
	}
	// aws-lambda-go's own handlers return bytes from a pooled buffer that
	// the next invocation overwrites: run those one at a time.
	m.locks = map[string]*sync.Mutex{}
	for name, h := range opts.Functions {
		if t := reflect.TypeOf(h); t != nil && t.String() == "*lambda.handlerOptions" {
			m.locks[name] = &sync.Mutex{}
		}
	}
	return m, nil
}

// Check runs the static checks of Load without resolving functions:
// structure, unknown fields, every Next exists, every state reachable,
// a terminal state in every scope, States.ALL alone and last, and the
// features sfnlocal refuses (messages starting "unsupported by sfnlocal:").
func Check(definition []byte, vars map[string]string) []Problem {
	_, problems := compileDefinition(definition, vars, nil, false)
	return problems
}

// Execute runs the machine on input (JSON; empty means {}) and returns
// the output. A failed execution gives an *ExecutionError; a cancelled ctx
// gives an error wrapping ctx.Err().
func (m *Machine) Execute(ctx context.Context, name string, input []byte) ([]byte, error) {
	var in any = map[string]any{}
	if len(strings.TrimSpace(string(input))) > 0 {
		v, err := parseJSON(input)
		if err != nil {
			return nil, fmt.Errorf("sfnlocal: execution input is not JSON: %v", err)
		}
		in = v
	}
	if n := len(encodeJSON(in)); n > MaxPayloadBytes {
		return nil, &ExecutionError{ErrorName: ErrDataLimitExceeded,
			Cause: fmt.Sprintf("the execution input has %d bytes, more than %d", n, MaxPayloadBytes)}
	}
	if name == "" {
		name = newUUID()
	}
	start := m.clock.Now()
	ex := &execution{m: m, input: in}
	ex.execObj = map[string]any{
		"Id":        strings.Replace(m.arn, ":stateMachine:", ":execution:", 1) + ":" + name,
		"Input":     in,
		"Name":      name,
		"RoleArn":   "arn:aws:iam::000000000000:role/sfnlocal",
		"StartTime": isoTime(start),
	}
	ex.smObj = map[string]any{"Id": m.arn, "Name": m.smName}
	runCtx := ctx
	if m.def.timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = m.withTimeout(ctx, m.def.timeout)
		defer cancel()
	}
	ex.emit(Event{Type: ExecutionStarted, Time: start, MapIndex: -1})
	out, serr := ex.run(runCtx, m.def, in)
	if serr != nil && serr.name == errExecutionCancelled && ctx.Err() == nil && runCtx.Err() != nil {
		serr = &stateError{name: ErrTimeout, cause: fmt.Sprintf("the execution ran longer than its TimeoutSeconds (%s)", m.def.timeout),
			state: serr.state, path: serr.path}
	}
	if serr != nil {
		if serr.name == errExecutionCancelled {
			ex.emit(Event{Type: ExecutionFailed, Time: m.clock.Now(), MapIndex: -1, Error: "Aborted"})
			cause := ctx.Err()
			if cause == nil {
				cause = context.Canceled
			}
			return nil, fmt.Errorf("sfnlocal: execution aborted: %w", cause)
		}
		ex.emit(Event{Type: ExecutionFailed, Time: m.clock.Now(), State: serr.state, Path: serr.path, MapIndex: -1, Error: serr.name, Cause: serr.cause})
		return nil, &ExecutionError{ErrorName: serr.name, Cause: serr.cause, State: serr.state, Path: serr.path}
	}
	ex.emit(Event{Type: ExecutionSucceeded, Time: m.clock.Now(), MapIndex: -1})
	return encodeJSON(out), nil
}

func (m *Machine) withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if tc, ok := m.clock.(TimeoutClock); ok {
		return tc.WithTimeout(ctx, d)
	}
	return context.WithTimeout(ctx, d)
}

func (m *Machine) emit(e Event) {
	if m.opts.Observer == nil {
		return
	}
	m.obsMu.Lock()
	defer m.obsMu.Unlock()
	m.opts.Observer(e)
}

// isoTime formats a time as the context object does: UTC, milliseconds.
func isoTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
