package target_test

import (
	"fmt"

	"github.com/llmbench/llmbench/shared/target"
)

// Reading streamed chunks: what timing needs, without allocating. A
// role-only chunk is not a token; reasoning is a token but not content;
// usage is the server's count.
func ExampleParseChunk() {
	for _, s := range []string{
		`{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}`,
		`{"choices":[{"index":0,"delta":{"reasoning_content":"hmm"}}]}`,
		`{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}`,
		`{"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":2}}`,
		`{"object":"error","message":"engine died","code":503}`,
		`{"choices":[{"delta":`,
	} {
		c, err := target.ParseChunk([]byte(s))
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("token=%v content=%v finish=%v error=%v usage=%v %+v\n", c.Token, c.Content, c.Finish, c.Error, c.HasUsage, c.Usage)
	}
	// Output:
	// token=false content=false finish=false error=false usage=false {PromptTokens:0 CompletionTokens:0}
	// token=true content=false finish=false error=false usage=false {PromptTokens:0 CompletionTokens:0}
	// token=true content=true finish=true error=false usage=false {PromptTokens:0 CompletionTokens:0}
	// token=false content=false finish=false error=false usage=true {PromptTokens:11 CompletionTokens:2}
	// token=false content=false finish=false error=true usage=false {PromptTokens:0 CompletionTokens:0}
	// error: invalid JSON at offset 21: unexpected end of input
}
