// Package target holds what every client of an inference endpoint shares,
// so that a row means the same whatever the endpoint. The clients are its
// subpackages: openai for OpenAI-compatible servers, sagemaker for
// SageMaker endpoints through the AWS SDK.
//
// What they share:
//
//   - Request, and NewResult, the Result a request's measurement starts
//     from.
//   - NewHTTPClient, an HTTP client tuned for load, and ConnTrace, which
//     stamps connection set-up and the first response byte.
//   - ParseChunk, the one reader of a streamed OpenAI-style chunk (token,
//     content, reasoning, finish and its reason, usage, error object):
//     allocation-free and held to encoding/json by a differential fuzz
//     test (FuzzParseChunk).
//     ParseChunkFields also hands back the raw values of keys particular to
//     one server. AppendText decodes a chunk's visible text, and
//     AppendJSONText such a raw string, for a client asked to keep the
//     answer (Request.KeepText).
//   - Answer, Choice and Usage, what is read of a whole (non-streamed)
//     answer, and SetUsage, the rule for taking a server's token counts.
//   - Fail, ContextStatus, ErrorObject, TransportErr, Truncate, Excerpt and
//     Thousands: how a failed request is classified and worded.
//   - RetryAfter: the wait an error answer asks for (Retry-After as
//     seconds or an HTTP-date, OpenAI's retry-after-ms).
//
// The measuring rules themselves are documented with the clients (package
// openai states them in full; package sagemaker maps them onto the SDK).
package target
