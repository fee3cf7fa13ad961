package localrun_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/tokenize"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// TestTokenizerMakesExactPrompts: with workload.tokenizer, every synthetic
// prompt the server receives tokenizes to exactly the length asked, and
// rows record that count as the client's; a tokenizer file that does not
// parse stops the plan before any request.
func TestTokenizerMakesExactPrompts(t *testing.T) {
	path, err := filepath.Abs("../tokenize/testdata/tiny-llama3.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenize.Load(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	sim := workflowtest.Sim(t, simllm.Options{})
	bodies, url := bodyProxy(t, sim.URL)
	env := workflowtest.New(t, fmt.Sprintf(`{"name":"tok","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"tokenizer":%q,"input_tokens":{"dist":"uniform","min":20,"max":60},"output_tokens":3},
	  "load":{"levels":[2],"requests":10}}`, path), workflowtest.Options{BaseURL: url})
	out, err := execution(env, nil).Run(context.Background(), "tok", env.Input)
	if err != nil {
		t.Fatal(err)
	}
	rows := workflowtest.ReadRows(t, env.Store, out.RunID)
	if len(rows) != 10 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		var b sentBody
		id := fmt.Sprintf("%d-%d-%d", r.LevelIndex, r.Worker, r.Seq)
		if err := json.Unmarshal([]byte(bodies.byID[id]), &b); err != nil || len(b.Messages) != 1 {
			t.Fatalf("request %s: %v", id, err)
		}
		n := tok.Count(b.Messages[0].Content)
		if r.ClientCount != "tokenizer" || int(r.ClientInputTokens) != n || n < 20 || n > 60 {
			t.Errorf("request %s: the prompt has %d tokens; the row says %d (%s); want one count in 20..60", id, n, r.ClientInputTokens, r.ClientCount)
		}
	}

	bad := filepath.Join(t.TempDir(), "tokenizer.json")
	if err := os.WriteFile(bad, []byte(`{"model":{"type":"BPE","vocab":{`), 0o644); err != nil {
		t.Fatal(err)
	}
	env = workflowtest.New(t, fmt.Sprintf(`{"name":"tok","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"tokenizer":%q},"load":{"levels":[1],"requests":2}}`, bad), workflowtest.Options{BaseURL: url})
	before := len(bodies.byID)
	_, err = execution(env, nil).Run(context.Background(), "tok", env.Input)
	if err == nil || !strings.Contains(err.Error(), "workload.tokenizer") || !strings.Contains(err.Error(), "does not parse") {
		t.Errorf("a broken tokenizer: err = %v, want workload.tokenizer … does not parse", err)
	}
	if len(bodies.byID) != before {
		t.Errorf("a broken tokenizer sent %d requests", len(bodies.byID)-before)
	}
}
