package target

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/sample"
)

// Answer is what every client reads of a whole (non-streamed) OpenAI-style
// answer: its choices, its usage and the marks of an error object. Decode a
// body into it, or into a struct that embeds it, with encoding/json.
type Answer struct {
	Choices []Choice `json:"choices"`
	Usage   *Usage   `json:"usage"`
	// Error and Object spot an error object: {"error": …} (OpenAI, TGI)
	// or {"object": "error", …} (vLLM). ErrorObject reads its message.
	Error  NotNull     `json:"error"`
	Object ErrorString `json:"object"`
}

// IsError tells whether the answer is an error object.
func (a *Answer) IsError() bool { return bool(a.Error) || bool(a.Object) }

// Count sums Choice.Count over the choices.
func (a *Answer) Count() (words int, content, reasoning bool) {
	for _, ch := range a.Choices {
		w, c, r := ch.Count()
		words, content, reasoning = words+w, content || c, reasoning || r
	}
	return words, content, reasoning
}

// FinishReason is the finish_reason of the last choice that has one
// ("stop", "length", …), or "".
func (a *Answer) FinishReason() string {
	r := ""
	for _, ch := range a.Choices {
		if ch.FinishReason != "" {
			r = string(ch.FinishReason)
		}
	}
	return r
}

// Text is the answer's visible text, as a stream's AppendText reads it:
// the first choice's message.content, else its text; "" without choices.
// Reasoning is not visible text.
func (a *Answer) Text() string {
	if len(a.Choices) == 0 {
		return ""
	}
	ch := &a.Choices[0]
	if ch.Message.Content != "" {
		return ch.Message.Content
	}
	return ch.Text
}

// Choice is one choice of a whole answer: completions' text, or chat's
// message with its optional reasoning.
type Choice struct {
	Text    string `json:"text"`
	Message struct {
		Content          string `json:"content"`
		ReasoningContent string `json:"reasoning_content"`
		Reasoning        string `json:"reasoning"`
	} `json:"message"`
	FinishReason Reason `json:"finish_reason"`
}

// Reason decodes a finish_reason: a string's value; "" for null or any
// other JSON, never a decoding error (a benchmark reads what it can).
type Reason string

func (p *Reason) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*p = Reason(s)
	} else {
		*p = ""
	}
	return nil
}

// Count tells whether the choice carries visible content and reasoning,
// and counts their whitespace-separated words (the estimate used when the
// server gives no usage).
func (ch Choice) Count() (words int, content, reasoning bool) {
	for _, s := range []string{ch.Text, ch.Message.Content} {
		if s != "" {
			content = true
			words += len(strings.Fields(s))
		}
	}
	for _, s := range []string{ch.Message.ReasoningContent, ch.Message.Reasoning} {
		if s != "" {
			reasoning = true
			words += len(strings.Fields(s))
		}
	}
	return words, content, reasoning
}

// Usage is a server's token count: OpenAI's usage object, or the
// equivalent another server sends.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`

	// CachedTokens is usage.prompt_tokens_details.cached_tokens (OpenAI,
	// vLLM): the prompt tokens served from the prefix cache.
	// ReasoningTokens is usage.completion_tokens_details.reasoning_tokens:
	// the completion tokens spent reasoning. Each Has is false when the
	// server did not send an integer there, which is not the same as 0.
	CachedTokens, ReasoningTokens int
	HasCached, HasReasoning       bool
}

// String prints the counts as %+v prints a struct, with a detail only when
// it was sent: {PromptTokens:11 CompletionTokens:2 CachedTokens:8}. An
// absent count is thus not shown as a 0.
func (u Usage) String() string {
	s := fmt.Sprintf("{PromptTokens:%d CompletionTokens:%d", u.PromptTokens, u.CompletionTokens)
	if u.HasCached {
		s += fmt.Sprintf(" CachedTokens:%d", u.CachedTokens)
	}
	if u.HasReasoning {
		s += fmt.Sprintf(" ReasoningTokens:%d", u.ReasoningTokens)
	}
	return s + "}"
}

// UnmarshalJSON decodes a usage object as encoding/json decodes its two
// counts (a count of the wrong type is still an error, as it always was),
// and reads the details as ParseChunk does: a details object or value of
// the wrong type, or null, is absent, never an error, since a benchmark
// reads what it can.
func (u *Usage) UnmarshalJSON(b []byte) error {
	w := struct {
		PromptTokens      int         `json:"prompt_tokens"`
		CompletionTokens  int         `json:"completion_tokens"`
		PromptDetails     usageDetail `json:"prompt_tokens_details"`
		CompletionDetails usageDetail `json:"completion_tokens_details"`
	}{
		// Start from what is there, as encoding/json does for a struct
		// (a repeated "usage" key merges).
		PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens,
		PromptDetails:     usageDetail{key: "cached_tokens", n: u.CachedTokens, ok: u.HasCached},
		CompletionDetails: usageDetail{key: "reasoning_tokens", n: u.ReasoningTokens, ok: u.HasReasoning},
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*u = Usage{
		PromptTokens: w.PromptTokens, CompletionTokens: w.CompletionTokens,
		CachedTokens: w.PromptDetails.n, HasCached: w.PromptDetails.ok,
		ReasoningTokens: w.CompletionDetails.n, HasReasoning: w.CompletionDetails.ok,
	}
	return nil
}

// usageDetail decodes a details object as the integer value of its key;
// ok is false for anything else, never a decoding error.
type usageDetail struct {
	key string
	n   int
	ok  bool
}

func (d *usageDetail) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil || m == nil {
		d.n, d.ok = 0, false // not an object (null included)
		return nil
	}
	var n int
	raw, found := m[d.key]
	d.ok = found && json.Unmarshal(raw, &n) == nil && !bytes.Equal(raw, []byte("null"))
	d.n = 0
	if d.ok {
		d.n = n
	}
	return nil
}

// SetUsage takes the server's counts into res, labelled "usage". A count
// without prompt tokens (or with 0) keeps the intended prompt length rather
// than claiming an empty prompt. The cached and reasoning counts go along
// by SetUsageDetails.
func SetUsage(res *sample.Result, u Usage) {
	res.OutputTokens = u.CompletionTokens
	if u.PromptTokens > 0 {
		res.InputTokens = u.PromptTokens
	}
	res.TokenSource = sample.TokensFromUsage
	SetUsageDetails(res, u)
}

// SetUsageDetails takes the cached and reasoning counts the server sent
// into res. A count it did not send leaves res's as it was (absent, on a
// new Result), so that a client that sums several answers' counts into
// one Usage can take the details apart.
func SetUsageDetails(res *sample.Result, u Usage) {
	if u.HasCached {
		res.CachedTokens, res.HasCached = u.CachedTokens, true
	}
	if u.HasReasoning {
		res.ReasoningTokens, res.HasReasoning = u.ReasoningTokens, true
	}
}

// NotNull decodes as whether a JSON value is there and not null.
type NotNull bool

func (p *NotNull) UnmarshalJSON(b []byte) error {
	*p = NotNull(!bytes.Equal(b, []byte("null")))
	return nil
}

// ErrorString decodes as whether a JSON value is the string "error".
// Any other value is false, never a decoding error.
type ErrorString bool

func (p *ErrorString) UnmarshalJSON(b []byte) error {
	*p = ErrorString(bytes.Equal(b, []byte(`"error"`)))
	if !*p && bytes.IndexByte(b, '\\') >= 0 {
		var s string // rare: an escaped spelling, as in ParseChunk
		*p = ErrorString(json.Unmarshal(b, &s) == nil && s == "error")
	}
	return nil
}
