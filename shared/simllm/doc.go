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
//     this step), every active sequence emits one token per step, at most
//     MaxBatch sequences are active and the rest wait in a FIFO queue.
//   - "fixed" gives every request its first token TTFT after it was
//     received and the next ones every ITL, independently of load.
//   - "instant" never sleeps, to measure the client's own overhead.
//
// Token counting is a documented stand-in for a tokenizer: prompt_tokens is
// the number of whitespace-separated words of the prompt (or of all message
// contents), and every output token is one word with a leading space, chosen
// deterministically from Options.Seed and the prompt. max_tokens is honoured
// exactly, as if ignore_eos were set.
//
// With Options.RecordTruth the server keeps, per X-Request-Id, when the
// request was received and when each token-bearing chunk was flushed
// (Truth), so a client's measurements can be checked against the server's.
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
