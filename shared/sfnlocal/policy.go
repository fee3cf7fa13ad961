package sfnlocal

import (
	"fmt"
	"strings"
)

// LambdaTransientErrors are the Lambda service errors after which the
// function did not run, so a retry cannot repeat work (AWS best practice,
// plus throttling).
var LambdaTransientErrors = []string{
	"Lambda.ServiceException",
	"Lambda.AWSLambdaException",
	"Lambda.SdkClientException",
	"Lambda.ClientExecutionTimeoutException",
	"Lambda.TooManyRequestsException",
}

// LambdaReplayErrors are error names a Retry must not list: the function
// may have run (partly), so retrying replays its work.
var LambdaReplayErrors = []string{ErrAll, ErrTaskFailed, ErrLambdaUnknown}

// LambdaRetryPolicy checks every Lambda Task (inside Maps and Parallel
// branches too): its Retry must retry each of LambdaTransientErrors (the
// first retrier matching the error owns it, and must have MaxAttempts > 0)
// and must not list any of LambdaReplayErrors. A definition that does not
// compile gives its compile problems.
func LambdaRetryPolicy(definition []byte, vars map[string]string) []Problem {
	md, problems := compileDefinition(definition, vars, nil, false)
	if md == nil {
		return problems
	}
	var out []Problem
	var walk func(md *machineDef)
	walk = func(md *machineDef) {
		for _, name := range md.names {
			st := md.states[name]
			if st == nil {
				continue
			}
			if st.processor != nil {
				walk(st.processor)
			}
			for _, b := range st.branches {
				walk(b)
			}
			if st.typ == "Task" {
				out = append(out, retryPolicy(st)...)
			}
		}
	}
	walk(md)
	return out
}

func retryPolicy(st *stateDef) []Problem {
	var out []Problem
	for _, e := range LambdaTransientErrors {
		i := firstMatch(st.retry, newError(e, ""))
		switch {
		case i < 0:
			out = append(out, Problem{st.name, fmt.Sprintf("Retry does not retry %s", e)})
		case st.retry[i].maxAttempts == 0:
			out = append(out, Problem{st.name, fmt.Sprintf("Retry owns %s with MaxAttempts 0 (never retried)", e)})
		}
	}
	for _, r := range st.retry {
		for _, e := range r.errors {
			for _, bad := range LambdaReplayErrors {
				if e == bad {
					out = append(out, Problem{st.name, fmt.Sprintf(
						"Retry on %s can replay work the function already did (retry only %s)", e, strings.Join(LambdaTransientErrors, ", "))})
				}
			}
		}
	}
	return out
}
