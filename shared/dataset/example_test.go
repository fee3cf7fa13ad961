package dataset_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/dataset"
)

// The planner parses the source once and stores the normalized form; a
// worker reads it back and picks each request's record.
func Example() {
	src := `[
{"id": "a", "conversations": [{"from": "human", "value": "Why is the sky blue?"}, {"from": "gpt", "value": "Rayleigh scattering, mostly."}]},
{"id": "b", "conversations": [{"from": "gpt", "value": "An answer to nothing."}]},
{"id": "c", "conversations": [{"from": "human", "value": "Name a prime."}, {"from": "gpt", "value": "Seven."}]}
]`
	recs, stats, err := dataset.Parse(strings.NewReader(src), dataset.ShareGPT, "data/chat.json", dataset.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d records, %s\n", stats.Records, stats)

	var stored bytes.Buffer // runs/<id>/dataset.jsonl
	if err := dataset.WriteJSONL(&stored, recs); err != nil {
		panic(err)
	}
	fmt.Print(stored.String())

	recs, err = dataset.ReadJSONL(&stored)
	if err != nil {
		panic(err)
	}
	s, err := dataset.NewSampler(len(recs), dataset.Shuffle, 2026, 0)
	if err != nil {
		panic(err)
	}
	for k := range int64(4) {
		r := recs[s.Index(k)]
		fmt.Printf("request %d: prompt_id %d, max_tokens %d\n", k, r.ID, r.OutputTokens)
	}
	// Output:
	// 2 records, 1 skipped (1 no human turn)
	// {"id":0,"prompt":"Why is the sky blue?","output_tokens":3}
	// {"id":2,"prompt":"Name a prime.","output_tokens":1}
	// request 0: prompt_id 2, max_tokens 1
	// request 1: prompt_id 0, max_tokens 3
	// request 2: prompt_id 0, max_tokens 3
	// request 3: prompt_id 2, max_tokens 1
}

func ExampleParse_error() {
	src := "{\"prompt\": \"fine\"}\n{\"prompt\": \"a\", \"max_tokens\": 10}\n"
	_, _, err := dataset.Parse(strings.NewReader(src), dataset.JSONL, "data/prompts.jsonl", dataset.Options{})
	fmt.Println(err)
	// Output:
	// dataset: parse data/prompts.jsonl line 2: json: unknown field "max_tokens"
}
