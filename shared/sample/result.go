package sample

import "time"

// Status says how a request ended.
type Status string

// The statuses a Row can carry.
const (
	StatusOK        Status = "ok"         // a complete, well-formed answer
	StatusHTTPError Status = "http_error" // the server answered with an error (HTTP >= 400, or an error object in the stream)
	StatusTimeout   Status = "timeout"    // the per-request timeout expired
	StatusTransport Status = "transport"  // no usable response: refused, reset, DNS, TLS
	StatusProtocol  Status = "protocol"   // a response that breaks the protocol: malformed JSON, stream cut before its end
	StatusCanceled  Status = "canceled"   // the run was interrupted while the request was in flight
	StatusNotSent   Status = "not_sent"   // an open-loop arrival never sent: no free slot, or the generator behind, before its level ended (or was drained)
)

// Token-count sources for Row.TokenSource.
const (
	TokensFromUsage  = "usage"  // the server's own count (usage.completion_tokens, details.generated_tokens)
	TokensFromChunks = "chunks" // counted from token-bearing chunks: an estimate, labelled as one
)

// Result is the raw measurement of one request, as a target client takes it.
// All times carry Go's monotonic clock reading (they come from time.Now at
// the moment bytes were read), so differences between them are immune to
// wall-clock steps. A zero time means the event never happened.
type Result struct {
	Start        time.Time   // the request was handed to the transport
	FirstByte    time.Time   // the first byte of the response (headers) arrived
	FirstToken   time.Time   // the first chunk carrying a generated token (content or reasoning)
	FirstContent time.Time   // the first chunk carrying visible content
	Tokens       []time.Time // arrival of every token-bearing chunk, in order
	End          time.Time   // the response was read to its end, or the request failed

	Status     Status
	HTTPStatus int
	Err        string // empty when Status is ok; never contains secrets

	InputTokens int
	// ClientInputTokens is the prompt's length as the client counted it
	// (the request's InputTokens), whatever the server reports.
	ClientInputTokens int
	OutputTokens      int
	TokenSource       string // TokensFromUsage or TokensFromChunks
	Chunks            int    // SSE events (or JSON lines) received, token-bearing or not
	Bytes             int64  // response body bytes read

	ConnReused bool          // the request went over a kept-alive connection
	Connect    time.Duration // DNS + dial + TLS for a new connection; 0 when reused

	// Headers holds the response headers the spec asked to capture, keyed
	// by the spec's spelling; FromResult stores them as Row.HeadersJSON.
	Headers map[string]string

	// RetryAfter is the server's Retry-After (seconds or an HTTP date, as a
	// wait from the response's arrival) on an error answer; 0 if none.
	RetryAfter time.Duration
	// FinishReason is the last finish_reason the server sent ("stop",
	// "length", …); empty if none came.
	FinishReason string
	// CutShort marks a stream the server ended cleanly (no reset, no
	// timeout) before its end: no [DONE] and no finish_reason. Status is
	// then protocol; Chunks, Bytes and Err give the evidence.
	CutShort bool

	// CachedTokens and ReasoningTokens are the server's
	// usage.prompt_tokens_details.cached_tokens (prompt tokens served from
	// its prefix cache) and usage.completion_tokens_details.reasoning_tokens
	// (completion tokens spent reasoning). Each Has is false when the server
	// did not send that count: FromResult stores NULL then, not 0.
	CachedTokens, ReasoningTokens int
	HasCached, HasReasoning       bool

	// ServerTTFTMs is the TTFT the server reports of itself, in ms
	// (llmbench's proxy: its call to SageMaker to the first token; see
	// target.ServerMetricsField); HasServerTTFT is false when it sent none,
	// stored as NULL.
	ServerTTFTMs  float64
	HasServerTTFT bool

	// Text is the answer's visible content as received (the streamed
	// deltas joined, or the whole answer's text), kept only when the
	// request asked for it (target.Request.KeepText: a multi-turn session
	// sends it back in its next turn). Never stored in a row.
	Text string
}
