// Package proxy serves the OpenAI API in front of a SageMaker real-time
// endpoint, as the seeds' streaming Lambda did: an http.Handler that takes
// POST /v1/chat/completions and /v1/completions, streaming or not, calls
// the endpoint with InvokeEndpointWithResponseStream (stream: true) or
// InvokeEndpoint, and answers in OpenAI's shapes. functions/proxy serves
// it from a Lambda Function URL (RESPONSE_STREAM); llmbench runs it
// in-process in front of the simulated SageMaker runtime (target.proxy).
//
// The SageMaker side is package sagemaker's Target, unchanged: the same
// payload formats (chat, lmi, tgi: sagemaker.Payload), the same stream
// parser, the same error classification and the same timing rules as a
// benchmark row, through Target.Relay, which hands over each line's
// visible text as it arrives.
//
// # Requests
//
// A JSON object of OpenAI's members: messages (chat; string contents) or
// prompt (completions; one string), max_tokens (or
// max_completion_tokens), stream, stream_options, temperature, top_p,
// min_tokens, ignore_eos, stop (a string or up to 4), n (only 1) and
// model. Any other member goes, as it is, where the payload format takes
// extra generation settings (the body for chat, "parameters" for lmi and
// tgi), unless that format refuses it (spec.ExtraBodyRefusal: a member
// the proxy writes itself, or for tgi one TGI does not know). model is
// echoed in the answer; the endpoint serves one model, so it is sent only
// as Config.Model in format chat. With format chat a completions request
// is sent as one user message. X-Request-Id, when sent, becomes the
// InferenceId. A body that is not such an object, or a member of the
// wrong type, is a 400 in OpenAI's error shape, naming the member.
//
// # Answers
//
// Streams are OpenAI SSE: one chunk per token-bearing line with its text
// (chat.completion.chunk with delta.content, the first with role
// "assistant"; text_completion with text), a chunk with the finish_reason,
// a last chunk with empty choices, the usage (when SageMaker counted the
// tokens: usage or details) and the proxy's own figures as the extension
// member proxy_metrics, then [DONE]. The usage chunk is always sent
// (stream_options.include_usage is not needed): response headers leave
// before the first token, so the stream is the only place for the
// figures. Whole answers are chat.completion or text_completion objects
// with usage, and carry the figures as the seeds' headers X-TTFT-MS,
// X-Tokens-Per-Second and X-Cost-Per-1K-USD (the last only with a price).
//
// The figures, per request, measured on the proxy's side of SageMaker by
// package sagemaker's rules:
//
//	ttft_ms                 the hand-off of the Invoke call to the first token-bearing line (a whole answer: its arrival)
//	e2e_ms                  the hand-off to the last token-bearing line (a whole answer: its arrival)
//	tokens_per_second       completion tokens / e2e
//	cost_per_1k_tokens_usd  Config.USDPerHour x Instances / 3600 x e2e / completion tokens x 1000: the instance time
//	                        the request took, as if it had the endpoint alone (an upper bound under concurrency); absent without a price
//
// A client's TTFT minus ttft_ms is the proxy's overhead plus the network
// between the client and the proxy.
//
// # Errors
//
// A failure before the first token is an HTTP error with OpenAI's body
// {"error":{"message","type","param","code"}}, code the status: the
// SageMaker status when it has one (ValidationError 400,
// ThrottlingException and ModelNotReadyException 429 with Retry-After
// when sent, ServiceUnavailable 503, ModelError the container's status,
// else 424), 502 for an exception frame (ModelStreamError,
// InternalStreamFailure), an error line, a broken or malformed stream, or
// no connection, 504 for a timeout. After the first token the status is
// sent: the stream ends with an SSE event holding the same error object,
// and no [DONE].
//
// # Metrics
//
// Every successful request writes one EMF line (package emf) to
// Config.Metrics: CompletionTokens (Count), TokensPerSecond
// (Count/Second), TTFT (Milliseconds) and, with a price,
// CostPer1kTokensUSD (None), in Config.Namespace, by EndpointName and
// once without dimensions (the aggregate). The seed endpoint's scaling
// policy (terraform/sagemaker.tf) reads the Sum of CompletionTokens by
// EndpointName; a test checks the two agree.
package proxy
