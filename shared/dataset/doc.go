// Package dataset reads the prompt datasets a run may send instead of
// synthetic prompts (workload.prompts "dataset"), writes and reads the
// normalized form a run stores, and picks the record of each request.
// It does no I/O of its own: the planner reads the source file once,
// Parses it and stores WriteJSONL's output in the run; the workers
// ReadJSONL that and ask a Sampler for each request's record.
//
// # Formats
//
// ShareGPT ("sharegpt") is a JSON array of conversations, as the
// ShareGPT dumps vLLM's and others' benchmarks use:
//
//	[{"id": "x", "conversations": [
//	    {"from": "human", "value": "Why is the sky blue?"},
//	    {"from": "gpt", "value": "Because of Rayleigh scattering ..."}]}]
//
// Fields other than "conversations", "from" and "value" are ignored. The
// speaker may be named human or user, gpt, assistant, chatgpt, bard,
// bing or model, or system, in any case. Following vLLM's convention, a
// record's prompt is its first human turn, sent as one user message, and
// its output length (OutputTokens, the request's max_tokens) is the
// token count of the answer: the turn right after that one, which must be
// the model's. Earlier system turns and later turns are left out. Tokens
// are counted by Options.CountTokens, by default as whitespace-separated
// words. Unlike vLLM, which takes the first two turns whatever their
// speakers, a leading system turn is not taken for the prompt. And vLLM
// also drops a record whose prompt or answer has fewer than 4 tokens,
// whose prompt has more than 1,024 or whose total has more than 2,048;
// here no record is dropped for its length: the caller may filter on
// OutputTokens or the prompt's length, and knows its model's context.
//
// A record with no conversation, no human turn, an empty first human
// turn, no model turn right after it or an answer of zero tokens is
// skipped, as vLLM skips it, but never silently: Stats counts the skipped
// records by reason (the Skip… constants), for the caller to report. A
// record that is not JSON, or not shaped like a conversation (a "value"
// that is not a string), is an error.
//
// JSONL ("jsonl") has one JSON object per line, either a prompt or a
// chat sent as it is, with an optional output length:
//
//	{"prompt": "Why is the sky blue?", "output_tokens": 120}
//	{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why?"}]}
//
// It is decoded strictly: an unknown field, a record with both prompt and
// messages or neither, an empty prompt or message, a role other than
// system, user or assistant, or a negative output_tokens is an error.
// Blank lines are skipped and not counted as records. Nothing is skipped
// otherwise: JSONL is written for llmbench, so a bad line is a mistake
// to fix, not noise in a dump.
//
// A record's ID is its 0-based index in the source: its position in the
// ShareGPT array, skipped records included, or its number among the
// JSONL records. IDs stay the same in the normalized form, so any
// request leads back to its source record (vLLM's prompt_id).
//
// # Errors
//
// Parse and ReadJSONL return a *ParseError naming the file and the line
// (JSONL) or the record index (ShareGPT), and the byte offset of a JSON
// syntax or type error. A dataset with no usable record is an error
// wrapping ErrEmpty that says how many records were skipped and why.
//
// # Memory
//
// Parse streams: JSONL line by line, ShareGPT one conversation at a
// time, the top-level array split by the package's own reader (which,
// unlike a json.Decoder walking the tokens, counts every byte, so an
// error's offset is exact deep into a dump) and each conversation decoded
// by json.Unmarshal. Only the prompts it returns stay in memory, not the
// answers or later turns, so a 500 MB ShareGPT dump costs its prompts
// plus one conversation.
//
// # Sampling
//
// A Sampler maps request k of a level's global request sequence (the
// index every worker of the level agrees on) to a record: Sequential
// walks the records in order; Shuffle walks a seeded permutation of them,
// a new one each pass (n consecutive passes over n records all differ),
// so every record is used once before any repeats, and different for
// each level and seed. The result is a pure function
// of (seed, level, k), as shared/arrival's schedule is.
package dataset
