package sfnlocal

import (
	"fmt"
	"strings"
)

// lambdaInvoke is the optimized Lambda integration.
const lambdaInvoke = "arn:aws:states:::lambda:invoke"

func (c *compiler) taskState(st *stateDef, m map[string]any, errs *[]string) {
	res, _ := m["Resource"].(string)
	td := &taskDef{}
	switch {
	case res == "":
		*errs = append(*errs, "a Task needs a Resource string")
		return
	case strings.Contains(res, "${"):
		c.placeholder("Resource", res, errs)
		return
	case strings.HasSuffix(res, ".waitForTaskToken"), strings.Contains(res, ".sync"):
		*errs = append(*errs, fmt.Sprintf(unsupportedPrefix+"Resource %q (.sync and .waitForTaskToken integrations)", res))
		return
	case res == lambdaInvoke:
		td.invoke = true
		c.invokeParams(st, td, m["Parameters"], errs)
	case strings.HasPrefix(res, "arn:aws:states:::"):
		*errs = append(*errs, fmt.Sprintf(unsupportedPrefix+"Resource %q (only Lambda integrations run locally)", res))
		return
	case strings.Contains(res, ":states:") && strings.Contains(res, ":activity:"):
		*errs = append(*errs, fmt.Sprintf(unsupportedPrefix+"activity Resource %q", res))
		return
	default:
		name, q, ok := functionName(res)
		if p := strings.Split(res, ":"); !ok || len(p) < 7 || p[0] != "arn" || p[2] != "lambda" {
			*errs = append(*errs, fmt.Sprintf("Resource %q is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME) nor %s", res, lambdaInvoke))
			return
		}
		td.fnName, td.qualifier = name, q
	}
	if td.fnName != "" && c.resolve {
		td.handler = c.functions[td.fnName]
		if td.handler == nil {
			*errs = append(*errs, fmt.Sprintf("Lambda function %q is not in Options.Functions", td.fnName))
		}
	}
	td.functions = c.functions
	st.task = td
	_, hasT := m["TimeoutSeconds"]
	_, hasTP := m["TimeoutSecondsPath"]
	if hasT && hasTP {
		*errs = append(*errs, "TimeoutSeconds and TimeoutSecondsPath are exclusive")
	}
	st.timeoutSeconds, _ = positiveInt(m, "TimeoutSeconds", 1, errs)
	if hasTP {
		st.timeoutPath, _ = c.optPath(m, "TimeoutSecondsPath", true, errs)
	}
	positiveInt(m, "HeartbeatSeconds", 1, errs) // accepted, not enforced
}

// placeholder reports a "${" left in a Resource or FunctionName, unless
// findUnfilled reports it as an unfilled variable.
func (c *compiler) placeholder(field, s string, errs *[]string) {
	for name := range c.unfilled {
		if strings.Contains(s, "${"+name+"}") || strings.Contains(s, "${ "+name+" }") {
			return
		}
	}
	*errs = append(*errs, fmt.Sprintf("%s %q holds an unfilled template placeholder", field, s))
}

// invokeParams checks the Parameters of arn:aws:states:::lambda:invoke.
func (c *compiler) invokeParams(st *stateDef, td *taskDef, v any, errs *[]string) {
	pm, ok := v.(map[string]any)
	if !ok {
		*errs = append(*errs, lambdaInvoke+" needs Parameters with FunctionName")
		return
	}
	for _, k := range sortedKeys(pm) {
		switch strings.TrimSuffix(k, ".$") {
		case "FunctionName", "Payload", "Qualifier", "ClientContext", "LogType":
		case "InvocationType":
			if pm[k] != "RequestResponse" {
				*errs = append(*errs, fmt.Sprintf(unsupportedPrefix+"InvocationType %s (only RequestResponse)", encodeJSON(pm[k])))
			}
		default:
			*errs = append(*errs, fmt.Sprintf("unknown %s parameter %q", lambdaInvoke, k))
		}
	}
	if fn, ok := pm["FunctionName"]; ok {
		s, _ := fn.(string)
		name, q, ok := functionName(s)
		switch {
		case strings.Contains(s, "${"):
			c.placeholder("FunctionName", s, errs)
			return
		case !ok:
			*errs = append(*errs, fmt.Sprintf("FunctionName %q is not a function name or ARN", s))
		}
		td.fnName, td.qualifier = name, q
	} else if _, ok := pm["FunctionName.$"]; !ok {
		*errs = append(*errs, lambdaInvoke+" needs Parameters.FunctionName")
	}
}

// functionName extracts NAME (and QUALIFIER) from a function name, a
// partial ARN ACCOUNT:function:NAME or a full ARN
// arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME, each with an optional
// :QUALIFIER.
func functionName(s string) (name, qualifier string, ok bool) {
	parts := strings.Split(s, ":")
	switch {
	case len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function":
		parts = parts[6:]
	case len(parts) >= 3 && parts[1] == "function":
		parts = parts[2:]
	}
	if len(parts) == 0 || len(parts) > 2 || parts[0] == "" {
		return "", "", false
	}
	if len(parts) == 2 {
		qualifier = parts[1]
	}
	return parts[0], qualifier, true
}

// retriers compiles a Retry array.
func (c *compiler) retriers(v any, errs *[]string) []*retrier {
	list, ok := v.([]any)
	if !ok {
		*errs = append(*errs, "Retry must be an array")
		return nil
	}
	var out []*retrier
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			*errs = append(*errs, "each Retry entry must be an object")
			continue
		}
		r := &retrier{interval: defaultInterval, maxAttempts: defaultMaxAttempts, backoff: defaultBackoff}
		r.errors = errorEquals("Retry", m, i == len(list)-1, errs)
		for _, k := range sortedKeys(m) {
			val := m[k]
			switch k {
			case "ErrorEquals", "Comment":
			case "IntervalSeconds", "MaxDelaySeconds":
				n, ok := asInt(val)
				if !ok || n < 1 {
					*errs = append(*errs, fmt.Sprintf("Retry %s must be a positive integer", k))
				}
				if k == "IntervalSeconds" {
					r.interval = float64(n)
				} else {
					r.maxDelay = float64(n)
				}
			case "MaxAttempts":
				n, ok := asInt(val)
				if !ok || n < 0 {
					*errs = append(*errs, "Retry MaxAttempts must be a non-negative integer")
				}
				r.maxAttempts = n
			case "BackoffRate":
				f, ok := asNumber(val)
				if !ok || f < 1 {
					*errs = append(*errs, "Retry BackoffRate must be a number >= 1.0")
				}
				r.backoff = f
			case "JitterStrategy":
				if val != "FULL" && val != "NONE" {
					*errs = append(*errs, "Retry JitterStrategy must be FULL or NONE")
				}
				r.fullJitter = val == "FULL"
			default:
				*errs = append(*errs, fmt.Sprintf("unknown Retry field %q", k))
			}
		}
		out = append(out, r)
	}
	return out
}

// catchers compiles a Catch array.
func (c *compiler) catchers(v any, errs *[]string) []*catcher {
	list, ok := v.([]any)
	if !ok {
		*errs = append(*errs, "Catch must be an array")
		return nil
	}
	var out []*catcher
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			*errs = append(*errs, "each Catch entry must be an object")
			continue
		}
		k := &catcher{errors: errorEquals("Catch", m, i == len(list)-1, errs)}
		k.next, _ = m["Next"].(string)
		if k.next == "" {
			*errs = append(*errs, "each Catch entry needs Next")
		}
		k.resultPath, k.nullResult = c.optPath(m, "ResultPath", true, errs)
		for _, f := range sortedKeys(m) {
			switch f {
			case "ErrorEquals", "Next", "ResultPath", "Comment":
			case "Assign", "Output":
				*errs = append(*errs, unsupportedPrefix+"Catch "+f)
			default:
				*errs = append(*errs, fmt.Sprintf("unknown Catch field %q", f))
			}
		}
		out = append(out, k)
	}
	return out
}

// errorEquals reads ErrorEquals; States.ALL must be alone in the last entry.
func errorEquals(what string, m map[string]any, last bool, errs *[]string) []string {
	list, ok := m["ErrorEquals"].([]any)
	if !ok || len(list) == 0 {
		*errs = append(*errs, what+" ErrorEquals must be a non-empty array of error names")
		return nil
	}
	var out []string
	for _, e := range list {
		s, ok := e.(string)
		if !ok || s == "" {
			*errs = append(*errs, what+" ErrorEquals must hold non-empty strings")
			continue
		}
		if s == ErrAll && (len(list) != 1 || !last) {
			*errs = append(*errs, what+": States.ALL must appear alone in the last entry")
		}
		out = append(out, s)
	}
	return out
}
