package openai_test

import (
	"context"
	"fmt"
	"log"

	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/target/openai"
)

// A streamed chat request to the simulated server, measured. Do never
// returns an error: the Result's Status says how the request ended, and
// its times (Start, FirstToken, Tokens, End) are the measurement.
func Example() {
	profile, err := simllm.LookupProfile("instant")
	if err != nil {
		log.Fatal(err)
	}
	sim, err := simllm.Start(simllm.Options{Profile: profile})
	if err != nil {
		log.Fatal(err)
	}
	defer sim.Close()

	c, err := openai.New(openai.Config{BaseURL: sim.URL, Model: "m", Stream: true})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	res := c.Do(context.Background(), target.Request{ID: "r1", Prompt: "one two three", InputTokens: 3, MaxTokens: 8})
	fmt.Println("status:", res.Status, res.HTTPStatus)
	fmt.Println("tokens:", len(res.Tokens), "timed,", res.OutputTokens, "counted by", res.TokenSource)
	fmt.Println("first token after start:", res.FirstToken.After(res.Start))
	// Output:
	// status: ok 200
	// tokens: 8 timed, 8 counted by usage
	// first token after start: true
}
