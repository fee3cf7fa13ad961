// Package openai sends benchmark requests to an OpenAI-compatible endpoint
// (vLLM, SGLang, TGI, llama.cpp, Ollama, OpenAI itself) and measures them:
// chat or completions, streamed or not. New builds a Client from a Config;
// FromSpec builds one from a run spec's target.
//
// Every call to Do yields exactly one sample.Result, never a Go error: a
// failure is a Result with an error status that keeps every timestamp
// measured before it, so that row counts reconcile with requests issued.
//
// # Request body
//
// The body is the OpenAI schema (target.OpenAIBody): model, messages (one
// user message) or prompt, max_tokens, stream, and when streaming
// stream_options.include_usage. A Request's generation parameters are sent
// only when set, at the top level: temperature, top_p, stop, and vLLM's
// extensions min_tokens and ignore_eos (a server that does not know them
// may refuse the request, as OpenAI's own API does, or ignore them).
// Request.ExtraBody's members are added at the top level as they are.
//
// # Measuring rules
//
// The rules below are the product; the stored row (sample.FromResult)
// derives TTFT, ITL, E2E and TPOT from them.
//
//   - Start is time.Now immediately before http.Client.Do: request encoding
//     (and SigV4 signing) is not measured, connection setup is.
//   - Connection facts come from net/http/httptrace (target.ConnTrace):
//     ConnReused from GotConn; for a new connection Connect is
//     GetConn→GotConn (DNS, dial, TLS); FirstByte is GotFirstResponseByte
//     (the status line arrived).
//   - Streaming responses are decoded with package sse, whose events carry
//     the time the Read that completed them returned. Each non-empty data
//     payload is one chunk, read by target.ParseChunk; "[DONE]" ends the
//     stream and is not a chunk. A chunk is token-bearing when a choice has
//     a non-empty delta.content (chat), text (completions),
//     delta.reasoning_content or delta.reasoning (reasoning models). Every
//     token-bearing chunk appends its time to Tokens; the first sets
//     FirstToken, the first with visible content (not reasoning) sets
//     FirstContent. Role-only and empty chunks count as chunks but not as
//     tokens. End is the time of the last event read.
//   - Token counts: the last usage object in the stream (stream_options
//     include_usage is always requested) gives OutputTokens and InputTokens
//     with TokenSource "usage"; without one OutputTokens is the number of
//     token-bearing chunks (an estimate: a chunk may carry several tokens),
//     InputTokens is Request.InputTokens, TokenSource "chunks".
//   - FinishReason is the last string finish_reason of the stream's chunks,
//     or of the whole answer's choices.
//   - Text, only with Request.KeepText: the visible text of the first
//     choice, decoded (target.AppendText), of every chunk joined in order,
//     or of the whole answer (message.content, else text); reasoning is
//     not part of it. A failed stream keeps what came. Without KeepText
//     nothing of the text is kept or copied.
//   - Bytes are the body's bytes as received: after HTTP/1 chunked
//     framing, before any Content-Encoding is undone. The client asks for
//     Accept-Encoding: identity; a body compressed anyway (gzip, x-gzip,
//     deflate as zlib or raw) is decoded as it arrives, so chunk times
//     hold; any other coding, or a broken one, is a protocol error naming
//     it.
//   - RetryAfter, on an answer with HTTP status >= 400, is what
//     target.RetryAfter reads of retry-after-ms and Retry-After.
//   - Non-streaming responses are read whole: FirstToken, FirstContent, the
//     one entry of Tokens and End are the time the body was fully read.
//     Without usage, OutputTokens is estimated as the whitespace-separated
//     word count of the generated text, labelled "chunks" (the only estimate
//     label the schema has).
//
// # Status
//
//   - ok: the stream reached [DONE], or a non-streamed body parsed with
//     choices.
//   - http_error: HTTP status >= 400 (Err carries the server's message), or
//     an error object inside a stream ({"error":{...}}, or vLLM's
//     {"object":"error",...}): HTTPStatus is then the error's code when it is
//     400–599, else the response status.
//   - transport: no response: refused, reset, DNS, TLS.
//   - timeout / canceled: the request's context expired / was canceled,
//     at any point; what was measured before is kept.
//   - protocol: a response that breaks the protocol: a chunk that is not
//     JSON, a stream that ends before [DONE], a body without choices, a
//     body that is neither SSE nor JSON (Err: "expected text/event-stream,
//     got 200 text/html: " and its first bytes, scrubbed), a
//     Content-Encoding that cannot be decoded. A stream request is read as
//     SSE when its Content-Type is text/event-stream, text/plain or absent;
//     JSON is read as a whole answer (an error object: http_error; an
//     answer: protocol, "stream requested"); anything else is refused
//     unread. A stream that ends before [DONE] says so with its evidence:
//     chunks and bytes received, whether a finish_reason came, and the
//     start of the last event. When its body ended cleanly (not a read
//     error, not a timeout), it had events and no finish_reason, the
//     server cut it short: CutShort is set. What follows [DONE] is not
//     read as events: it cannot change a complete answer.
//
// Header values (the resolved auth header among them) are treated as
// secrets: they are scrubbed from every Err, including server messages that
// echo them, and Describe never shows them.
//
// A Client keeps its HTTP client's connections pooled between requests;
// Close releases the idle ones.
package openai
