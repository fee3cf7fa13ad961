// Package sagemaker sends benchmark requests to a SageMaker real-time
// endpoint through the AWS SDK (InvokeEndpoint, or
// InvokeEndpointWithResponseStream when streaming) and measures them with
// the same rules and statuses as package openai's Client, so that rows from
// both compare: the shared parts (the chunk rule, usage, error
// classification) are package target's.
//
// Every call to Do yields exactly one sample.Result, never a Go error.
//
// # Payload formats
//
// Config.Format picks the request body (the spec's target.format):
//
//	chat: {"model":…,"messages":[{"role":"user","content":…}],"max_tokens":N,"stream":b,"stream_options":{"include_usage":true}}
//	lmi:  {"inputs":…,"parameters":{"max_new_tokens":N},"stream":b}
//	tgi:  {"inputs":…,"parameters":{"max_new_tokens":N,"details":true},"stream":b}
//
// stream_options is sent only when streaming. The answer is read by shape,
// not by format, so a container that answers in another of the shapes is
// still understood.
//
// A Request's generation parameters, when set, go where each container
// reads them, under its names; Request.ExtraBody's members go beside them:
//
//	          chat (top level)   lmi ("parameters")                tgi ("parameters")
//	temp. t   temperature        temperature; do_sample if t > 0   t > 0: temperature, do_sample; 0: none
//	top_p p   top_p              top_p                             p < 1: top_p; 1: none
//	min       min_tokens         min_tokens                        refused
//	ignore    ignore_eos         ignore_eos_token                  refused
//	stop      stop               stop                              stop
//
// chat is the OpenAI schema as LMI's vLLM async handler hands it to vLLM's
// ChatCompletionRequest (min_tokens and ignore_eos are vLLM's extensions;
// LMI's older rolling-batch chat handler drops min_tokens). lmi: LMI's vLLM
// handlers map max_new_tokens and ignore_eos_token and pass the other
// members of "parameters" on to vLLM, where stop, min_tokens, temperature
// and top_p are vLLM's own (stop is also what LMI's TensorRT-LLM handler
// reads; stop_sequences, LMI's older name, is not mapped by its newer
// handlers). do_sample goes with a positive temperature for LMI up to
// 0.31, which samples only with it. tgi: TGI's GenerateParameters; TGI
// refuses temperature 0 and top_p 1, which are its defaults when absent
// (greedy decoding, the whole distribution), and samples at temperature 1
// only with do_sample. TGI has no minimum length nor ignore_eos: such a
// request fails unsent (as "encode request: …") rather than run without
// them; spec.Validate refuses the spec first.
//
// # Measuring rules
//
//   - Start is the moment the SDK hands the request to the HTTP client
//     (seen by the HTTP client wrapper that ClientOptions and every call
//     install), as the OpenAI client stamps it just before http.Client.Do:
//     the SDK's serializing and SigV4 signing are not measured, connection
//     set-up is. A failure before the hand-off, or an API that is not the
//     SDK client, falls back to the moment Invoke was called.
//   - ConnReused, Connect and FirstByte come from net/http/httptrace
//     (GotConn, GetConn→GotConn, GotFirstResponseByte), which reaches the
//     SDK's HTTP client through the context. FirstByte falls back to the
//     moment the Invoke call returned.
//   - Streams: each PayloadPart is stamped with time.Now when it comes out
//     of the SDK's event channel; its bytes feed a line parser (lineParser):
//     bytes are buffered and split on '\n' (a line may span parts, a part
//     may hold several lines); each line is trimmed; blank lines, ':'
//     comments and the SSE fields event:, id:, retry: are skipped; an
//     optional "data:" and one space are stripped; "[DONE]" ends the
//     stream; every other line is one JSON object and one chunk. A line is
//     stamped with the time of the part that completed it. An unterminated
//     last line counts when it is whole JSON.
//   - A line is read by target.ParseChunkFields: the OpenAI chunk rule,
//     plus LMI's and TGI's token, generated_text and details. A line is
//     token-bearing when it has an OpenAI choice with non-empty
//     delta.content, text, delta.reasoning_content or delta.reasoning, or a
//     "token" (LMI/TGI) with non-empty text or flagged special (special /
//     special_token). Visible content (FirstContent) excludes reasoning and
//     special tokens. Every token-bearing line appends its time to Tokens.
//   - Token counts: the last usage with an integer completion_tokens (and
//     prompt_tokens), else the final details.generated_tokens (and
//     input_length or prompt_tokens) → TokenSource "usage", a missing or
//     zero prompt count keeping Request.InputTokens (target.SetUsage); else
//     the number of token-bearing lines → "chunks". A partial count is kept
//     on failures.
//   - End is the arrival of the last line read when the answer is complete
//     (like the OpenAI client's [DONE]; the channel is still read until it
//     closes, so the connection can be reused), else the moment of the
//     failure or of the channel closing.
//   - Non-streamed answers are read whole by the SDK: FirstToken,
//     FirstContent, the one entry of Tokens and End are the moment Invoke
//     returned. Shapes: chat completion (choices[].message), LMI
//     {"generated_text"}, TGI [{"generated_text","details"}]. Without a
//     server count OutputTokens is the word count of the text, "chunks".
//   - Bytes counts payload bytes (PayloadPart contents, or the body), not
//     event-stream framing.
//   - FinishReason is the last finish_reason sent: a chunk's, or the
//     details.finish_reason of LMI's and TGI's final line or answer.
//   - Text, only with Request.KeepText: the visible content of every line
//     joined in order, decoded: an OpenAI chunk's first choice, an LMI or
//     TGI token's text unless special (the final line's generated_text,
//     the whole answer again, is not added); of a whole answer, the first
//     choice's message.content (else text), or generated_text. Reasoning
//     is not part of it; a failed stream keeps what came.
//   - RetryAfter is the error response's Retry-After (target.RetryAfter),
//     when SageMaker sends one.
//
// # Status
//
//   - ok: a stream reached its end ([DONE], a line with generated_text or
//     details, or a choice with a finish_reason; an exception or a cut
//     after it does not matter, a malformed or error line does), or a
//     non-streamed body parsed.
//   - http_error: the Invoke call failed with a service error (HTTPStatus
//     is the response's: ValidationError 400, ThrottlingException and
//     ModelNotReadyException 429, ServiceUnavailable 503, …; for a
//     ModelError it is the container's OriginalStatusCode when set, else
//     424); an error line in the stream ({"error":…}, {"object":"error"},
//     LMI's finish_reason "error" or token id -1; HTTPStatus is the error's
//     code when 400–599, else 200); or an exception frame ending the stream
//     (ModelStreamError with its ErrorCode, InternalStreamFailure). The SDK
//     delivers an exception not as an event but as the stream's Err once
//     the event channel closes: it is always checked.
//   - protocol: a line that is not a JSON object (or whose token or details
//     is of the wrong shape), a line over 4 MiB, a broken frame,
//     a body that does not parse, or a stream that ends before its end. The
//     SDK takes a connection cut between or inside frames for a clean end
//     of stream; the HTTP body's own read error, watched under the SDK
//     (bodyGuard), tells the two apart: a cut is "event stream broken", a
//     clean end without a final line or finish_reason is a stream the
//     server cut short (CutShort, "stream ended before its end"), its Err
//     giving the chunks and bytes received and the start of the last line.
//   - timeout / canceled: ctx expired / was canceled, at any point.
//   - transport: no response (refused, reset, DNS, TLS).
//
// # The SDK client
//
// Build it with ClientOptions: the HTTP client (target.NewHTTPClient, so
// connections are pooled like the OpenAI client's), retries off (one
// request, one row; every call also forces this), and optionally a base
// endpoint such as a simulator's. Give the same HTTP client to the Target
// (Config.HTTPClient, or FromSpec's hc) so that Close releases its idle
// connections. Region and credentials come from the
// aws.Config as usual. Every call also installs a small HTTP client wrapper
// that works around a race between the SDK's request body and net/http
// that otherwise closes a connection under a stream being read (see
// bodyGuard), and every streaming call gets a protocol instance of its own,
// since the SDK's shared one is not safe for concurrent event streams (see
// streamCallOptions). Both are per-call options, so they hold however the
// client was built.
//
// Request.ID is sent as the InferenceId (X-Amzn-SageMaker-Inference-Id)
// when SageMaker would accept it (1–64 printable ASCII characters); the
// simulator keys its ground truth by it.
package sagemaker
