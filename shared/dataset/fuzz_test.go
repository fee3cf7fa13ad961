package dataset_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/llmbench/llmbench/shared/dataset"
)

// FuzzParseShareGPT checks the package's array reader against
// encoding/json: Parse accepts exactly the arrays json.Unmarshal decodes
// into conversations.
func FuzzParseShareGPT(f *testing.F) {
	good := conv("human", "q", "gpt", "a")
	for _, s := range []string{
		array(good, good), "[]", "[null]", "[1]", `["s"]`, "[" + good + ",]", "[" + good + "] x",
		`[{"conversations":[{"from":"human","value":"a \"] } [ {\\"},{"from":"gpt","value":"b"}],"x":[[],{}]}]`,
		`[{"conversations": nul}]`, `[{"a": [1}]`, `[{"a": "\u00e9\n"}]`, "[" + good,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if t := bytes.TrimLeft(in, " \t\r\n"); len(t) == 0 || t[0] != '[' {
			return // json.Unmarshal takes null or an object for a slice; Parse wants an array
		}
		var v []struct {
			Conversations []struct{ From, Value string }
		}
		want := json.Unmarshal(in, &v) == nil
		_, _, err := dataset.Parse(bytes.NewReader(in), dataset.ShareGPT, "fuzz.json", dataset.Options{})
		if got := err == nil || errors.Is(err, dataset.ErrEmpty); got != want {
			t.Errorf("Parse(%q): %v; json.Unmarshal accepts it: %v", in, err, want)
		}
	})
}
