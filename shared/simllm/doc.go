// Package simllm is a simulated LLM inference server speaking the
// OpenAI-compatible HTTP API (the subset vLLM serves), used as llmbench's
// default benchmark target, as the ground truth for accuracy tests, and
// standalone by `llmbench sim`.
//
// It is a real net/http handler: POST /v1/chat/completions and
// /v1/completions (streaming as vLLM streams: one SSE event per output
// token, flushed immediately), GET /v1/models, GET /health and GET
// /metrics (metrics.go: vLLM's vllm:num_requests_running,
// vllm:num_requests_waiting and vllm:kv_cache_usage_perc, in Prometheus
// text format, from the engine's batch, queue and KV-cache blocks). Every
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
// has no end-of-sequence token: it writes max_tokens unless a stop string
// ends the answer first, so min_tokens (validated: 0 to max_tokens) and
// ignore_eos hold by construction.
//
// stop (stop.go: a string or up to 4, none empty; else 400) follows vLLM:
// once more than min_tokens tokens exist, the first stop string found
// ending in a new token ends the answer just before it (it may have begun
// earlier, even inside a token, which is then cut), the string is not
// sent, finish_reason is "stop" and a completions choice's stop_reason is
// the string; ignore_eos does not disable it. It applies to the whole
// generated text, reasoning included. completion_tokens (and the truth)
// count the tokens sent: unlike vLLM, the answer ends at its last token
// with visible text rather than after the tokens spelling the stop string
// (an answer that begins with it is one empty token, as in vLLM). The
// SageMaker lmi format reads parameters.stop (or stop_sequences) and
// parameters.min_tokens under the same rule; tgi reads parameters.stop (a
// list) under TGI's: the answer ends after the first token whose text so
// far ends with a stop string, which it keeps, unless that is the last
// token; both report finish_reason "stop_sequence".
//
// A prefix cache (prefixcache.go, Profile.PrefixCacheTokens; on in the
// presets) models vLLM's automatic prefix caching: the prompt's tokens
// (each message's words, tagged with its role) are hashed in 16-token
// blocks, each hash chained over the whole prefix; a request's longest run
// of leading blocks already in the cache is its cached_tokens, whose
// prefill it does not pay (the last block always pays), and then all its
// blocks enter the cache, an LRU bounded in tokens. When an answer
// completes, the blocks of its prompt followed by what it generated enter
// the cache too, as vLLM keeps generated tokens' KV: chained on as the
// next turn's prompt hashes the answer it resends (a chat answer as an
// assistant message, a completions answer as the continuation of its
// prompt string), so turn k of a conversation finds every whole block of
// turn k-1's prompt and answer. Reasoning is generated first and the
// client does not send it back, so after a reasoning answer only the
// prompt's blocks match, as with vLLM. Usage then carries
// prompt_tokens_details.cached_tokens. With Profile.ReasoningShare, that
// share of a chat answer's tokens comes first as delta.reasoning_content
// (message.reasoning_content when not streamed), counted in
// completion_tokens_details.reasoning_tokens.
//
// With Options.RecordTruth the server keeps, per X-Request-Id, when the
// request was received and when each token-bearing chunk was flushed
// (Truth), with its cached, stored and reasoning tokens and the stop
// string that ended it, so a client's
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
