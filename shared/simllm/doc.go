// Package simllm is a simulated LLM inference server speaking the
// OpenAI-compatible HTTP API (the subset vLLM serves), used as llmbench's
// default benchmark target, as the ground truth for accuracy tests, and
// standalone by `llmbench sim`.
//
// It is a real net/http handler: POST /v1/chat/completions and
// /v1/completions (streaming as vLLM streams: one SSE event per output
// token, flushed immediately), GET /v1/models and GET /health. Every
// response carries the header X-Llmbench-Simulated: <profile> so numbers
// measured against it can never be mistaken for a real endpoint's.
//
// Timing comes from a Profile:
//   - "batching" models a continuous-batching server: one engine goroutine
//     runs decode steps on absolute deadlines; a step lasts
//     StepBase + StepPerSeq*active + PrefillPerToken*(prompt tokens admitted
//     this step, less those found in the prefix cache), every active
//     sequence emits one token per step, at most MaxBatch sequences are
//     active and the rest wait in a FIFO queue.
//   - "fixed" gives every request its first token
//     TTFT + PrefillPerToken*(uncached prompt tokens) after it was received
//     and the next ones every ITL, independently of load.
//   - "instant" never sleeps, to measure the client's own overhead.
//
// Token counting is a documented stand-in for a tokenizer: prompt_tokens is
// the number of whitespace-separated words of the prompt (or of all message
// contents), and every output token is one word with a leading space, chosen
// deterministically from Options.Seed and the prompt. The simulated model
// has no end-of-sequence token: max_tokens is honoured exactly, so
// min_tokens (validated: 0 to max_tokens) and ignore_eos hold by
// construction. stop is accepted and not honoured: the answer may contain
// a stop string and always ends with finish_reason "length".
//
// A prefix cache (prefixcache.go, Profile.PrefixCacheTokens; on in the
// presets) models vLLM's automatic prefix caching: the prompt's tokens
// (each message's words, tagged with its role) are hashed in 16-token
// blocks, each hash chained over the whole prefix; a request's longest run
// of leading blocks already in the cache is its cached_tokens, whose
// prefill it does not pay, and then all its blocks enter the cache, an
// LRU bounded in tokens. Usage then carries
// prompt_tokens_details.cached_tokens. With Profile.ReasoningShare, that
// share of a chat answer's tokens comes first as delta.reasoning_content
// (message.reasoning_content when not streamed), counted in
// completion_tokens_details.reasoning_tokens.
//
// With Options.RecordTruth the server keeps, per X-Request-Id, when the
// request was received and when each token-bearing chunk was flushed
// (Truth), with its cached and reasoning tokens, so a client's
// measurements can be checked against the server's.
// Faults are injected by Options.Fault or by the X-Sim-Fault request
// header (Fault, fault.go): HTTP 429/500/503 (with Retry-After), a cut
// stream, a TCP reset, a stream cut short cleanly (no finish_reason, no
// [DONE]), a malformed chunk, a stall, an endless stream, an error event,
// an HTML page, a gzip-encoded answer, bytes after [DONE] and a chunk
// dripped byte by byte; the last three are valid answers.
//
// The same server also speaks the SageMaker runtime API (POST
// /endpoints/{name}/invocations and /invocations-response-stream, event-stream
// framed, in the chat, lmi or tgi payload format of LMI and TGI containers),
// so the AWS SDK can be pointed at it; see sagemaker.go and SageMakerOptions.
package simllm
