package terraform_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/statemachine"
)

// distributedMaps are the Distributed Map states of the definition: their
// labels (the Label, or the state's name), the name of their child
// executions, and whether any has a ResultWriter.
func distributedMaps() (labels []string, resultWriter bool) {
	var walk func(states map[string]json.RawMessage)
	walk = func(states map[string]json.RawMessage) {
		for name, raw := range states {
			var st struct {
				Type, Label   string
				ResultWriter  json.RawMessage
				ItemProcessor *struct {
					ProcessorConfig struct{ Mode string }
					States          map[string]json.RawMessage
				}
				Branches []struct{ States map[string]json.RawMessage }
			}
			if json.Unmarshal(raw, &st) != nil {
				continue
			}
			if p := st.ItemProcessor; p != nil {
				if p.ProcessorConfig.Mode == "DISTRIBUTED" {
					if st.Label == "" {
						st.Label = name
					}
					labels = append(labels, st.Label)
					resultWriter = resultWriter || st.ResultWriter != nil
				}
				walk(p.States)
			}
			for _, b := range st.Branches {
				walk(b.States)
			}
		}
	}
	var top struct{ States map[string]json.RawMessage }
	_ = json.Unmarshal(statemachine.Definition, &top)
	walk(top.States)
	return labels, resultWriter
}

// distributedMapNeeds adds what a state machine's role needs for the
// definition's Distributed Maps (states:StartExecution of the machine
// itself, DescribeExecution and StopExecution of its child executions,
// and with a ResultWriter the S3 writes of its results) and checks that
// each is granted on those resources only: the machine (its name), its
// executions named <machine>/<label>, and the runs' maprun/ folders.
func distributedMapNeeds(who, machineName string, need map[string]string, sts []statement) []string {
	labels, rw := distributedMaps()
	if len(labels) == 0 {
		return nil
	}
	scope := map[string]func(string) bool{
		"states:StartExecution": func(r string) bool {
			return strings.HasSuffix(r, ":stateMachine:"+machineName)
		},
	}
	for _, a := range []string{"states:DescribeExecution", "states:StopExecution"} {
		scope[a] = func(r string) bool {
			for _, l := range labels {
				if strings.HasSuffix(r, ":execution:"+machineName+"/"+l+":*") {
					return true
				}
			}
			return false
		}
	}
	if rw {
		for _, a := range []string{"s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"} {
			scope[a] = func(r string) bool { return strings.HasSuffix(r, "runs/*/maprun/*") }
		}
	}
	var problems []string
	have := allowed(sts)
	for _, a := range sortedKeys(scope) {
		need[a] = "the definition's Distributed Map (" + strings.Join(labels, ", ") + ")"
		for _, st := range have[a] {
			for _, r := range st.resources {
				if !scope[a](strings.Trim(r, `"`)) {
					problems = append(problems, fmt.Sprintf("%s: %s grants %s on %s, beyond what the Distributed Map needs", who, st.line, a, r))
				}
			}
		}
	}
	return problems
}
