package sfnlocal

import (
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// Defaults from the States Language spec and the AWS documentation.
const (
	defaultInterval    = 1.0
	defaultMaxAttempts = 3
	defaultBackoff     = 2.0
	// AWS documents 99999999 s as the Task default (the spec says 60);
	// sfnlocal treats an absent TimeoutSeconds as no deadline.
	defaultMaxDistributed = 10000
)

// machineDef is one scope of states: the top level, a Map's ItemProcessor
// or a Parallel branch.
type machineDef struct {
	startAt string
	states  map[string]*stateDef
	names   []string // in definition order, for deterministic problems
	timeout time.Duration
}

// stateDef is one compiled state. Which fields are set depends on typ.
type stateDef struct {
	name string
	typ  string
	next string
	end  bool

	inputPath, outputPath *path // nil with nullIn/nullOut means null
	nullIn, nullOut       bool
	resultPath            *path // nil with nullResult means null
	nullResult            bool
	parameters            *template
	resultSelector        *template
	result                any
	hasResult             bool

	// Task
	task           *taskDef
	timeoutSeconds int64
	timeoutPath    *path
	retry          []*retrier
	catch          []*catcher

	// Choice
	choices []*rule
	deflt   string

	// Wait
	seconds       int64
	hasSeconds    bool
	secondsPath   *path
	timestamp     time.Time
	hasTimestamp  bool
	timestampPath *path

	// Fail
	errorName, cause     string
	errorPath, causePath *template // single-field templates, may be intrinsic

	// Map
	itemsPath      *path
	itemSelector   *template
	processor      *machineDef
	distributed    bool
	maxConc        int64
	maxConcPath    *path
	label          string         // Label, or the state's name: names the Map Run and its children
	resultWriter   *template      // ResultWriter.Parameters {Bucket, Prefix}; nil: results in the state's output
	itemReader     *itemReaderDef // nil: the items are at ItemsPath
	toleratedCount *int64         // ToleratedFailureCount; nil when absent
	toleratedPct   *float64       // ToleratedFailurePercentage; nil when absent
	toleratedCountPath,
	toleratedPctPath *path

	// Parallel
	branches []*machineDef
}

// itemReaderDef is a Distributed Map's ItemReader: the items are the JSON
// array in the object Parameters {Bucket, Key} names, at most maxItems
// (or the number at maxItemsPath; 0: all).
type itemReaderDef struct {
	params       *template
	maxItems     int64
	maxItemsPath *path
}

// taskDef is a Lambda Task: a function ARN resource, or lambda:invoke.
type taskDef struct {
	invoke    bool           // arn:aws:states:::lambda:invoke
	fnName    string         // static function name, "" if FunctionName.$
	qualifier string         // version or alias, if any
	handler   lambda.Handler // resolved at Load
	functions map[string]lambda.Handler
}

// retrier is one Retry entry.
type retrier struct {
	errors      []string
	interval    float64
	maxAttempts int64
	backoff     float64
	maxDelay    float64 // 0 = no cap
	fullJitter  bool
}

// catcher is one Catch entry.
type catcher struct {
	errors     []string
	next       string
	resultPath *path
	nullResult bool
}

// statesWhere names the states, in every scope (Map processors and
// Parallel branches included), for which has is true.
func (md *machineDef) statesWhere(has func(*stateDef) bool) []string {
	if md == nil {
		return nil
	}
	var out []string
	for _, name := range md.names {
		st := md.states[name]
		if st == nil {
			continue
		}
		if has(st) {
			out = append(out, name)
		}
		out = append(out, st.processor.statesWhere(has)...)
		for _, b := range st.branches {
			out = append(out, b.statesWhere(has)...)
		}
	}
	return out
}
