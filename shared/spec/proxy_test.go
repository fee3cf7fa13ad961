package spec

import (
	"errors"
	"strings"
	"testing"
)

// TestProxyField: target.proxy is accepted with kind sagemaker and a
// profile, and refused, by its path, otherwise.
func TestProxyField(t *testing.T) {
	tests := []struct {
		name   string
		target string
		want   string // a problem's start, "" for none
	}{
		// the local proxy in front of the simulated runtime
		{"sagemaker with profile", `{"kind":"sagemaker","endpoint":"e","format":"lmi","profile":"fixed","proxy":true}`, ""},
		// off: nothing to check
		{"off", `{"kind":"sagemaker","endpoint":"e","proxy":false}`, ""},
		// a real endpoint: the in-process proxy is for the simulation only
		{"sagemaker without profile", `{"kind":"sagemaker","endpoint":"e","proxy":true}`, "target.proxy: runs the proxy in-process"},
		// another kind
		{"openai", `{"kind":"openai","url":"http://127.0.0.1:1/v1","model":"m","proxy":true}`, "target.proxy: is for kind sagemaker"},
		{"sim", `{"kind":"sim","proxy":true}`, "target.proxy: is for kind sagemaker"},
	}
	for _, tc := range tests {
		src := `{"name":"p","target":` + tc.target + `,"load":{"levels":[1],"duration":"1s"}}`
		var found []string
		if _, err := Parse(strings.NewReader(src)); err != nil {
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("%s: %v", tc.name, err)
			}
			for _, p := range ps {
				if strings.HasPrefix(p, "target.proxy") {
					found = append(found, p)
				}
			}
		}
		switch {
		case tc.want == "" && len(found) > 0:
			t.Errorf("%s: refused: %v", tc.name, found)
		case tc.want != "" && (len(found) != 1 || !strings.HasPrefix(found[0], tc.want)):
			t.Errorf("%s: problems %v, want one starting %q", tc.name, found, tc.want)
		}
	}
}
