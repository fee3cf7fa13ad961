package target

import (
	"time"

	"github.com/llmbench/llmbench/shared/sample"
)

// Request is one request to send.
type Request struct {
	ID          string // sent as X-Request-Id (OpenAI) or InferenceId (SageMaker) when set
	Prompt      string
	InputTokens int // the intended prompt length, reported when the server gives no usage
	MaxTokens   int // max_tokens; 0 leaves it to the server
}

// tokensHint caps the Tokens capacity NewResult reserves.
const tokensHint = 1024

// NewResult is the Result a client's Do starts from: the intended prompt
// length, token counts labelled "chunks" until the server gives usage, and
// for a stream Tokens reserved up front (up to MaxTokens, at most 1024), so
// that appending a token's time while the stream is read does not
// allocate.
func NewResult(req Request, stream bool) *sample.Result {
	res := &sample.Result{InputTokens: req.InputTokens, TokenSource: sample.TokensFromChunks}
	if stream && req.MaxTokens > 0 {
		res.Tokens = make([]time.Time, 0, min(req.MaxTokens, tokensHint))
	}
	return res
}
