package sfnlocal

import (
	"fmt"
	"strings"
)

// Fields each state type accepts besides Type, Comment and QueryLanguage.
var stateFields = map[string]string{
	"Pass":     "Next End InputPath OutputPath Parameters ResultPath Result",
	"Task":     "Next End InputPath OutputPath Parameters ResultSelector ResultPath Retry Catch Resource TimeoutSeconds TimeoutSecondsPath HeartbeatSeconds HeartbeatSecondsPath",
	"Choice":   "Choices Default InputPath OutputPath",
	"Wait":     "Next End InputPath OutputPath Seconds SecondsPath Timestamp TimestampPath",
	"Succeed":  "InputPath OutputPath",
	"Fail":     "Error Cause ErrorPath CausePath",
	"Map":      "Next End InputPath OutputPath ItemsPath ItemSelector Parameters ItemProcessor Iterator MaxConcurrency MaxConcurrencyPath ResultSelector ResultPath Retry Catch ToleratedFailurePercentage ToleratedFailurePercentagePath ToleratedFailureCount ToleratedFailureCountPath Label ResultWriter ItemReader",
	"Parallel": "Next End InputPath OutputPath Parameters ResultSelector ResultPath Retry Catch Branches",
}

// Valid States Language fields that sfnlocal refuses to run.
var refusedFields = map[string]string{
	"Assign":      "Assign (variables)",
	"Arguments":   "Arguments (JSONata)",
	"Output":      "Output (JSONata)",
	"Items":       "Items (JSONata)",
	"Credentials": "Credentials",
	"ItemBatcher": "ItemBatcher",
}

// state compiles one state.
func (c *compiler) state(name string, m map[string]any) *stateDef {
	st := &stateDef{name: name}
	st.typ, _ = m["Type"].(string)
	allowed, ok := stateFields[st.typ]
	if !ok {
		c.add(name, "unknown Type %v", m["Type"])
		return nil
	}
	for _, k := range sortedKeys(m) {
		switch {
		case k == "Type" || k == "Comment":
		case k == "QueryLanguage":
			if m[k] != "JSONPath" {
				c.add(name, unsupportedPrefix+"QueryLanguage %v (sfnlocal runs JSONPath only)", m[k])
			}
		case refusedFields[k] != "":
			c.add(name, unsupportedPrefix+"%s", refusedFields[k])
		case !hasWord(allowed, k):
			c.add(name, "unknown field %q for a %s state", k, st.typ)
		}
	}
	var errs []string
	c.transitions(st, m, &errs)
	st.inputPath, st.nullIn = c.optPath(m, "InputPath", false, &errs)
	st.outputPath, st.nullOut = c.optPath(m, "OutputPath", false, &errs)
	st.resultPath, st.nullResult = c.optPath(m, "ResultPath", true, &errs)
	if v, ok := m["Parameters"]; ok && st.typ != "Map" {
		st.parameters = c.payload(v, "Parameters", &errs)
	}
	if v, ok := m["ResultSelector"]; ok {
		st.resultSelector = c.payload(v, "ResultSelector", &errs)
	}
	st.result, st.hasResult = m["Result"]
	if v, ok := m["Retry"]; ok {
		st.retry = c.retriers(v, &errs)
	}
	if v, ok := m["Catch"]; ok {
		st.catch = c.catchers(v, &errs)
	}
	switch st.typ {
	case "Task":
		c.taskState(st, m, &errs)
	case "Choice":
		c.choiceState(st, m, &errs)
	case "Wait":
		c.waitState(st, m, &errs)
	case "Fail":
		c.failState(st, m, &errs)
	case "Map":
		c.mapState(st, m, &errs)
	case "Parallel":
		list, ok := m["Branches"].([]any)
		if !ok || len(list) == 0 {
			errs = append(errs, "Branches must be a non-empty array")
		}
		for _, b := range list {
			if bm, ok := b.(map[string]any); ok {
				st.branches = append(st.branches, c.machine(name, bm))
			} else {
				errs = append(errs, "each branch must be an object with StartAt and States")
			}
		}
	}
	c.addAll(name, errs)
	return st
}

func hasWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if f == w {
			return true
		}
	}
	return false
}

// transitions reads Next and End.
func (c *compiler) transitions(st *stateDef, m map[string]any, errs *[]string) {
	next, hasNext := m["Next"]
	end, hasEnd := m["End"]
	if hasNext {
		st.next, _ = next.(string)
		if st.next == "" {
			*errs = append(*errs, "Next must be a non-empty string")
		}
	}
	if hasEnd {
		b, ok := end.(bool)
		if !ok {
			*errs = append(*errs, "End must be a boolean")
		}
		st.end = b
	}
	switch st.typ {
	case "Choice", "Succeed", "Fail":
		return
	}
	if (st.next != "") == st.end {
		*errs = append(*errs, "needs exactly one of Next or End: true")
	}
}

// optPath reads a Path field that may be absent (default $) or null.
func (c *compiler) optPath(m map[string]any, field string, ref bool, errs *[]string) (*path, bool) {
	v, ok := m[field]
	if !ok {
		return nil, false
	}
	if v == nil {
		return nil, true
	}
	s, _ := v.(string)
	p, err := compilePath(s, ref)
	if err != nil {
		*errs = append(*errs, field+": "+err.Error())
		return nil, false
	}
	return p, false
}

func (c *compiler) payload(v any, field string, errs *[]string) *template {
	var msgs []string
	tp := compileTemplate(v, &msgs)
	for _, m := range msgs {
		*errs = append(*errs, field+": "+m)
	}
	return tp
}

// positiveInt reads an optional integer field with a minimum.
func positiveInt(m map[string]any, field string, minimum int64, errs *[]string) (int64, bool) {
	v, ok := m[field]
	if !ok {
		return 0, false
	}
	n, isInt := asInt(v)
	if !isInt || n < minimum {
		*errs = append(*errs, fmt.Sprintf("%s must be an integer >= %d", field, minimum))
	}
	return n, true
}

func (c *compiler) waitState(st *stateDef, m map[string]any, errs *[]string) {
	count := 0
	if n, ok := positiveInt(m, "Seconds", 0, errs); ok {
		st.seconds, st.hasSeconds = n, true
		count++
	}
	if v, ok := m["Timestamp"]; ok {
		t, good := parseTimestamp(v)
		if !good {
			*errs = append(*errs, "Timestamp must be an RFC 3339 time with uppercase T and Z")
		}
		st.timestamp, st.hasTimestamp = t, true
		count++
	}
	for _, f := range []string{"SecondsPath", "TimestampPath"} {
		if _, ok := m[f]; ok {
			p, _ := c.optPath(m, f, true, errs)
			if f == "SecondsPath" {
				st.secondsPath = p
			} else {
				st.timestampPath = p
			}
			count++
		}
	}
	if count != 1 {
		*errs = append(*errs, "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath")
	}
}

func (c *compiler) failState(st *stateDef, m map[string]any, errs *[]string) {
	for _, f := range [][2]string{{"Error", "ErrorPath"}, {"Cause", "CausePath"}} {
		lit, hasLit := m[f[0]]
		dyn, hasDyn := m[f[1]]
		if hasLit && hasDyn {
			*errs = append(*errs, fmt.Sprintf("%s and %s are exclusive", f[0], f[1]))
		}
		if hasLit {
			s, ok := lit.(string)
			if !ok {
				*errs = append(*errs, f[0]+" must be a string")
			}
			if f[0] == "Error" {
				st.errorName = s
			} else {
				st.cause = s
			}
		}
		if hasDyn {
			s, _ := dyn.(string)
			e, err := compileValueExpr(s)
			if err != nil {
				*errs = append(*errs, f[1]+": "+err.Error())
				continue
			}
			tp := &template{object: true, dynamic: true, fields: []tfield{{key: f[1], raw: f[1], expr: e}}}
			if f[0] == "Error" {
				st.errorPath = tp
			} else {
				st.causePath = tp
			}
		}
	}
}

func (c *compiler) choiceState(st *stateDef, m map[string]any, errs *[]string) {
	list, ok := m["Choices"].([]any)
	if !ok || len(list) == 0 {
		*errs = append(*errs, "Choices must be a non-empty array")
	}
	for _, e := range list {
		rm, ok := e.(map[string]any)
		if !ok {
			*errs = append(*errs, "each Choice rule must be an object")
			continue
		}
		st.choices = append(st.choices, compileRule(rm, true, errs))
	}
	if v, ok := m["Default"]; ok {
		st.deflt, _ = v.(string)
	}
}

func (c *compiler) mapState(st *stateDef, m map[string]any, errs *[]string) {
	if p, _ := c.optPath(m, "ItemsPath", true, errs); p != nil {
		st.itemsPath = p
	}
	sel, hasSel := m["ItemSelector"]
	par, hasPar := m["Parameters"]
	switch {
	case hasSel && hasPar:
		*errs = append(*errs, "ItemSelector and the deprecated Parameters are exclusive")
	case hasSel:
		st.itemSelector = c.payload(sel, "ItemSelector", errs)
	case hasPar:
		st.itemSelector = c.payload(par, "Parameters", errs)
	}
	proc, hasProc := m["ItemProcessor"].(map[string]any)
	iter, hasIter := m["Iterator"].(map[string]any)
	if hasProc == hasIter {
		*errs = append(*errs, "a Map state needs exactly one of ItemProcessor or the deprecated Iterator (an object)")
	}
	if hasIter {
		proc = iter
	}
	if proc != nil {
		if cfg, ok := proc["ProcessorConfig"]; ok {
			cm, _ := cfg.(map[string]any)
			for _, k := range sortedKeys(cm) {
				switch v := cm[k]; {
				case k == "Mode" && (v == "INLINE" || v == "DISTRIBUTED"):
					st.distributed = v == "DISTRIBUTED"
				case k == "ExecutionType" && (v == "STANDARD" || v == "EXPRESS"):
				default:
					*errs = append(*errs, fmt.Sprintf("ProcessorConfig.%s: unexpected %s", k, encodeJSON(v)))
				}
			}
		}
		body := map[string]any{"StartAt": proc["StartAt"], "States": proc["States"]}
		for _, k := range sortedKeys(proc) {
			if k != "StartAt" && k != "States" && k != "ProcessorConfig" && k != "Comment" {
				*errs = append(*errs, fmt.Sprintf("unknown ItemProcessor field %q", k))
			}
		}
		st.processor = c.machine(st.name, body)
	}
	_, hasMC := m["MaxConcurrency"]
	_, hasMCP := m["MaxConcurrencyPath"]
	if hasMC && hasMCP {
		*errs = append(*errs, "MaxConcurrency and MaxConcurrencyPath are exclusive")
	}
	st.maxConc, _ = positiveInt(m, "MaxConcurrency", 0, errs)
	if hasMCP {
		st.maxConcPath, _ = c.optPath(m, "MaxConcurrencyPath", true, errs)
	}
	st.label = st.name
	if v, ok := m["Label"]; ok {
		s, _ := v.(string)
		if s == "" || len(s) > 40 || strings.ContainsAny(s, " <>{}[]?*\"#%\\^|~`$&,;:/") {
			*errs = append(*errs, "Label must be a string of 1 to 40 characters without blanks or any of <>{}[]?*\"#%\\^|~`$&,;:/")
		}
		st.label = s
	}
	c.distributedFields(st, m, errs)
}

// distributedFields reads the fields only a Distributed Map has: the
// failure tolerance and ResultWriter.
func (c *compiler) distributedFields(st *stateDef, m map[string]any, errs *[]string) {
	for _, f := range []string{"ToleratedFailureCount", "ToleratedFailurePercentage", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath", "ResultWriter", "ItemReader", "Label"} {
		if _, ok := m[f]; ok && !st.distributed {
			*errs = append(*errs, f+" is for a Distributed Map only (ProcessorConfig.Mode DISTRIBUTED)")
		}
	}
	for _, pair := range [][2]string{{"ToleratedFailureCount", "ToleratedFailureCountPath"}, {"ToleratedFailurePercentage", "ToleratedFailurePercentagePath"}} {
		_, a := m[pair[0]]
		_, b := m[pair[1]]
		if a && b {
			*errs = append(*errs, pair[0]+" and "+pair[1]+" are exclusive")
		}
	}
	if v, ok := m["ToleratedFailureCount"]; ok {
		n, isInt := asInt(v)
		if !isInt || n < 0 {
			*errs = append(*errs, "ToleratedFailureCount must be a non-negative integer")
		}
		st.toleratedCount = &n
	}
	if v, ok := m["ToleratedFailurePercentage"]; ok {
		f, isNum := asNumber(v)
		if !isNum || f < 0 || f > 100 {
			*errs = append(*errs, "ToleratedFailurePercentage must be a number from 0 to 100")
		}
		st.toleratedPct = &f
	}
	if _, ok := m["ToleratedFailureCountPath"]; ok {
		st.toleratedCountPath, _ = c.optPath(m, "ToleratedFailureCountPath", true, errs)
	}
	if _, ok := m["ToleratedFailurePercentagePath"]; ok {
		st.toleratedPctPath, _ = c.optPath(m, "ToleratedFailurePercentagePath", true, errs)
	}
	if ir, ok := m["ItemReader"]; ok {
		if _, both := m["ItemsPath"]; both {
			*errs = append(*errs, unsupportedPrefix+"ItemsPath with ItemReader (the items are the JSON array the ItemReader reads)")
		}
		st.itemReader = c.itemReader(ir, errs)
	}
	rw, ok := m["ResultWriter"]
	if !ok {
		return
	}
	rm, _ := rw.(map[string]any)
	for _, k := range sortedKeys(rm) {
		switch k {
		case "Resource", "Parameters":
		case "WriterConfig":
			*errs = append(*errs, unsupportedPrefix+"ResultWriter.WriterConfig")
		default:
			*errs = append(*errs, fmt.Sprintf("unknown ResultWriter field %q", k))
		}
	}
	if rm["Resource"] != resultWriterResource {
		*errs = append(*errs, fmt.Sprintf("ResultWriter.Resource must be %q, got %s", resultWriterResource, encodeJSON(rm["Resource"])))
	}
	params, _ := rm["Parameters"].(map[string]any)
	for _, k := range sortedKeys(params) {
		switch strings.TrimSuffix(k, ".$") {
		case "Bucket", "Prefix":
		default:
			*errs = append(*errs, fmt.Sprintf("unknown ResultWriter.Parameters field %q (Bucket and Prefix)", k))
		}
	}
	_, b1 := params["Bucket"]
	_, b2 := params["Bucket.$"]
	if !b1 && !b2 {
		*errs = append(*errs, "ResultWriter.Parameters needs a Bucket")
	}
	st.resultWriter = c.payload(params, "ResultWriter.Parameters", errs)
}

// resultWriterResource is the one ResultWriter integration.
const resultWriterResource = "arn:aws:states:::s3:putObject"

// itemReader compiles a Distributed Map's ItemReader: a JSON array in an
// S3 object (arn:aws:states:::s3:getObject, ReaderConfig.InputType JSON),
// its Parameters {Bucket, Key} evaluated on the state's input, and
// optionally ReaderConfig.MaxItems or MaxItemsPath. CSV, JSONL, manifest
// and object-listing sources are refused.
func (c *compiler) itemReader(v any, errs *[]string) *itemReaderDef {
	rm, ok := v.(map[string]any)
	if !ok {
		*errs = append(*errs, "ItemReader must be an object")
		return nil
	}
	ir := &itemReaderDef{}
	for _, k := range sortedKeys(rm) {
		switch k {
		case "Resource", "Parameters", "ReaderConfig":
		default:
			*errs = append(*errs, fmt.Sprintf("unknown ItemReader field %q", k))
		}
	}
	if rm["Resource"] != itemReaderResource {
		*errs = append(*errs, fmt.Sprintf(unsupportedPrefix+"ItemReader.Resource %s (sfnlocal reads %q, a JSON array in one object)", encodeJSON(rm["Resource"]), itemReaderResource))
	}
	cfg, _ := rm["ReaderConfig"].(map[string]any)
	if cfg["InputType"] != "JSON" {
		*errs = append(*errs, fmt.Sprintf(unsupportedPrefix+"ItemReader.ReaderConfig.InputType %s (sfnlocal reads JSON)", encodeJSON(cfg["InputType"])))
	}
	for _, k := range sortedKeys(cfg) {
		switch k {
		case "InputType":
		case "MaxItems":
			n, isInt := asInt(cfg[k])
			if !isInt || n < 0 || n > 100_000_000 {
				*errs = append(*errs, "ItemReader.ReaderConfig.MaxItems must be an integer from 0 to 100,000,000")
			}
			ir.maxItems = n
		case "MaxItemsPath":
			ir.maxItemsPath, _ = c.optPath(cfg, "MaxItemsPath", true, errs)
		default:
			*errs = append(*errs, fmt.Sprintf(unsupportedPrefix+"ItemReader.ReaderConfig.%s", k))
		}
	}
	if _, a := cfg["MaxItems"]; a {
		if _, b := cfg["MaxItemsPath"]; b {
			*errs = append(*errs, "ItemReader.ReaderConfig.MaxItems and MaxItemsPath are exclusive")
		}
	}
	params, _ := rm["Parameters"].(map[string]any)
	for _, k := range sortedKeys(params) {
		switch strings.TrimSuffix(k, ".$") {
		case "Bucket", "Key":
		default:
			*errs = append(*errs, fmt.Sprintf("unknown ItemReader.Parameters field %q (Bucket and Key)", k))
		}
	}
	for _, f := range []string{"Bucket", "Key"} {
		_, a := params[f]
		_, b := params[f+".$"]
		if !a && !b {
			*errs = append(*errs, "ItemReader.Parameters needs a "+f)
		}
	}
	ir.params = c.payload(params, "ItemReader.Parameters", errs)
	return ir
}

// itemReaderResource is the one ItemReader integration sfnlocal runs.
const itemReaderResource = "arn:aws:states:::s3:getObject"
