package target

import (
	"bytes"
	"encoding/json"
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
}

// SetUsage takes the server's counts into res, labelled "usage". A count
// without prompt tokens (or with 0) keeps the intended prompt length rather
// than claiming an empty prompt.
func SetUsage(res *sample.Result, u Usage) {
	res.OutputTokens = u.CompletionTokens
	if u.PromptTokens > 0 {
		res.InputTokens = u.PromptTokens
	}
	res.TokenSource = sample.TokensFromUsage
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
