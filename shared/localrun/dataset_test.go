package localrun_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/dataset"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// sentBody is the part of a chat body this test reads.
type sentBody struct {
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	MaxTokens int `json:"max_tokens"`
}

// TestDatasetRunsEndToEnd runs the project's ShareGPT and JSONL sample
// datasets through the definition: one row per request, each row's
// prompt_id names the record whose prompt the server received, and the
// output tokens follow the record's answer unless the spec sets them.
func TestDatasetRunsEndToEnd(t *testing.T) {
	for _, c := range []struct {
		format, file string
		output       string // workload.output_tokens, "" for the dataset's
	}{
		{"sharegpt", "sample-sharegpt.json", ""},
		{"jsonl", "sample.jsonl", ""},
		{"jsonl", "sample.jsonl", `,"output_tokens":5`},
	} {
		t.Run(c.format+c.output, func(t *testing.T) {
			path, err := filepath.Abs(filepath.Join("../../events/data", c.file))
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			recs, _, err := dataset.Parse(f, c.format, c.file, dataset.Options{})
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			byID := map[int64]dataset.Record{}
			for _, r := range recs {
				byID[r.ID] = r
			}
			sim := workflowtest.Sim(t, simllm.Options{})
			bodies, url := bodyProxy(t, sim.URL)
			doc := fmt.Sprintf(`{"name":"ds","target":{"kind":"sim","profile":"fixed"},
			  "workload":{"prompts":"dataset","dataset":{"format":%q,"path":%q}%s},
			  "load":{"levels":[3],"requests":12,"slice_concurrency":2}}`, c.format, path, c.output)
			env := workflowtest.New(t, doc, workflowtest.Options{BaseURL: url})
			out, err := execution(env, nil).Run(context.Background(), "ds", env.Input)
			if err != nil {
				t.Fatal(err)
			}
			_, pl, err := plan.Load(context.Background(), env.Store, out.RunID)
			if err != nil {
				t.Fatal(err)
			}
			if pl.Dataset == nil || pl.Dataset.Records != len(recs) || pl.Dataset.Sample != "shuffle" {
				t.Errorf("plan's dataset %+v, want %d records, shuffled", pl.Dataset, len(recs))
			}
			rows := workflowtest.ReadRows(t, env.Store, out.RunID)
			if len(rows) != 12 || len(bodies.byID) != 12 {
				t.Fatalf("%d rows, %d bodies, want 12 each", len(rows), len(bodies.byID))
			}
			seen := map[int64]bool{}
			for _, r := range rows {
				rec, ok := byID[r.PromptID]
				if !ok {
					t.Fatalf("row prompt_id %d names no record", r.PromptID)
				}
				seen[r.PromptID] = true
				if r.ClientCount != "words" || r.ClientInputTokens <= 0 {
					t.Errorf("row of record %d: client count %d (%q), want a word count", r.PromptID, r.ClientInputTokens, r.ClientCount)
				}
				var b sentBody
				id := fmt.Sprintf("%d-%d-%d", r.LevelIndex, r.Worker, r.Seq)
				if err := json.Unmarshal([]byte(bodies.byID[id]), &b); err != nil {
					t.Fatalf("request %s: %v", id, err)
				}
				var got []string
				for _, m := range b.Messages {
					got = append(got, m.Role+": "+m.Content)
				}
				want := []string{"user: " + rec.Prompt}
				if len(rec.Messages) > 0 {
					want = nil
					for _, m := range rec.Messages {
						want = append(want, m.Role+": "+m.Content)
					}
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("row of record %d: the server got %q, the record is %q", r.PromptID, got, want)
				}
				wantMax := rec.OutputTokens
				switch {
				case c.output != "":
					wantMax = 5
				case wantMax == 0:
					wantMax = 64 // the default, for a record without output_tokens
				}
				if b.MaxTokens != wantMax {
					t.Errorf("record %d: max_tokens %d, want %d", r.PromptID, b.MaxTokens, wantMax)
				}
			}
			if len(seen) != 12 {
				t.Errorf("12 requests used %d distinct records: a shuffled pass repeats none", len(seen))
			}
		})
	}
}

// TestDatasetProblemsStopThePlan: a missing dataset or a malformed record
// fails the Plan step with a message naming the file (and line), before
// any request.
func TestDatasetProblemsStopThePlan(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{\"prompt\":\"a\"}\n{\"prompt\": 3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.json")
	if err := os.WriteFile(empty, []byte(`[{"conversations":[{"from":"gpt","value":"x"}]}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ format, path, want string }{
		{"jsonl", filepath.Join(dir, "missing.jsonl"), "missing.jsonl: no such file"},
		{"jsonl", bad, "bad.jsonl line 2: malformed record"},
		{"sharegpt", empty, "no usable record"},
	} {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			sim := workflowtest.Sim(t, simllm.Options{})
			bodies, url := bodyProxy(t, sim.URL)
			doc := fmt.Sprintf(`{"name":"ds","target":{"kind":"sim","profile":"fixed"},
			  "workload":{"prompts":"dataset","dataset":{"format":%q,"path":%q}},"load":{"levels":[1],"requests":2}}`, c.format, c.path)
			env := workflowtest.New(t, doc, workflowtest.Options{BaseURL: url})
			_, err := execution(env, nil).Run(context.Background(), "ds", env.Input)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if len(bodies.byID) != 0 {
				t.Errorf("%d requests sent", len(bodies.byID))
			}
		})
	}
}

// TestDrawnLengthsReachTheServer: lengths drawn per request reach the
// bodies, within their bounds, and vary.
func TestDrawnLengthsReachTheServer(t *testing.T) {
	sim := workflowtest.Sim(t, simllm.Options{})
	bodies, url := bodyProxy(t, sim.URL)
	env := workflowtest.New(t, `{"name":"len","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":{"dist":"uniform","min":4,"max":12},"output_tokens":{"dist":"normal","mean":5,"stddev":2,"min":2,"max":8}},
	  "load":{"levels":[2],"requests":30}}`, workflowtest.Options{BaseURL: url})
	if _, err := execution(env, nil).Run(context.Background(), "len", env.Input); err != nil {
		t.Fatal(err)
	}
	ins, outs := map[int]bool{}, map[int]bool{}
	for id, raw := range bodies.byID {
		var b sentBody
		if err := json.Unmarshal([]byte(raw), &b); err != nil || len(b.Messages) != 1 {
			t.Fatalf("request %s: %v %s", id, err, raw)
		}
		n := len(strings.Fields(b.Messages[0].Content))
		if n < 4 || n > 12 || b.MaxTokens < 2 || b.MaxTokens > 8 {
			t.Errorf("request %s: %d words, max_tokens %d; want 4..12 and 2..8", id, n, b.MaxTokens)
		}
		ins[n], outs[b.MaxTokens] = true, true
	}
	if len(bodies.byID) != 30 || len(ins) < 4 || len(outs) < 3 {
		t.Errorf("%d bodies with %d distinct prompt lengths and %d distinct max_tokens: not drawn per request", len(bodies.byID), len(ins), len(outs))
	}
}

// TestSharedPrefixes: every synthetic prompt begins with one of count
// shared prefixes of the asked length, then its own words.
func TestSharedPrefixes(t *testing.T) {
	sim := workflowtest.Sim(t, simllm.Options{})
	bodies, url := bodyProxy(t, sim.URL)
	env := workflowtest.New(t, `{"name":"prefix","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":5,"output_tokens":2,"shared_prefix":{"count":3,"tokens":30}},
	  "load":{"levels":[2],"requests":30}}`, workflowtest.Options{BaseURL: url})
	if _, err := execution(env, nil).Run(context.Background(), "prefix", env.Input); err != nil {
		t.Fatal(err)
	}
	prefixes, suffixes := map[string]int{}, map[string]bool{}
	for id, raw := range bodies.byID {
		var b sentBody
		if err := json.Unmarshal([]byte(raw), &b); err != nil || len(b.Messages) != 1 {
			t.Fatalf("request %s: %v", id, err)
		}
		words := strings.Fields(b.Messages[0].Content)
		if len(words) != 35 {
			t.Fatalf("request %s: %d words, want 30 shared + 5 own", id, len(words))
		}
		prefixes[strings.Join(words[:30], " ")]++
		suffixes[strings.Join(words[30:], " ")] = true
	}
	if len(prefixes) != 3 {
		t.Errorf("%d distinct prefixes over 30 requests, want the 3 asked: %v", len(prefixes), prefixes)
	}
	if len(suffixes) != 30 {
		t.Errorf("%d distinct own parts over 30 requests: each request's words must be its own", len(suffixes))
	}
}

// TestCachedTokensMatchTheServer: against the simulated prefix cache,
// requests that share a prefix report cached tokens, and every row's
// cached_tokens is what the server recorded for that request; the summary
// gives the cache-hit ratio of those rows.
func TestCachedTokensMatchTheServer(t *testing.T) {
	p, err := simllm.LookupProfile("fixed")
	if err != nil {
		t.Fatal(err)
	}
	p.PrefixCacheTokens = simllm.DefaultPrefixCacheTokens
	sim := workflowtest.Sim(t, simllm.Options{Profile: p, RecordTruth: true})
	env := workflowtest.New(t, `{"name":"cache","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":2,"shared_prefix":{"count":2,"tokens":64}},
	  "load":{"levels":[1],"requests":20}}`, workflowtest.Options{BaseURL: sim.URL})
	out, err := execution(env, nil).Run(context.Background(), "cache", env.Input)
	if err != nil {
		t.Fatal(err)
	}
	var cached, input int64
	hits := 0
	for _, r := range workflowtest.ReadRows(t, env.Store, out.RunID) {
		id := fmt.Sprintf("%s-%d-%d-%d", out.RunID, r.LevelIndex, r.Worker, r.Seq)
		tr, ok := sim.Server.Truth(id)
		if !ok || r.CachedTokens == nil {
			t.Fatalf("row %s: truth %v, cached_tokens %v", id, ok, r.CachedTokens)
		}
		if int(*r.CachedTokens) != tr.CachedTokens {
			t.Errorf("row %s: cached_tokens %d, the server recorded %d", id, *r.CachedTokens, tr.CachedTokens)
		}
		if *r.CachedTokens > 0 {
			hits++
		}
		cached += int64(*r.CachedTokens)
		input += int64(r.InputTokens)
	}
	// One request at a time: after each prefix's first request, the
	// 64-token prefix (4 blocks of 16) is cached for every later one.
	if hits < 18 {
		t.Errorf("%d of 20 requests hit the cache; want all but the first of each prefix", hits)
	}
	l := workflowtest.ReadSummary(t, env.Store, out.RunID).Levels[0]
	if l.CacheHitRatio == nil || l.CachedTokens != cached || *l.CacheHitRatio != float64(cached)/float64(input) {
		t.Errorf("summary: cached %d ratio %v; rows say %d of %d", l.CachedTokens, l.CacheHitRatio, cached, input)
	}
}
