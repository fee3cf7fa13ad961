package proxy

import (
	"encoding/json"
	"strconv"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

// answer is what every chunk of one answer repeats.
type answer struct {
	*call
	id      string
	created int64
}

// sseData appends one SSE event holding data.
func sseData(b, data []byte) []byte {
	b = append(b, "data: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// appendHead appends a chunk's members up to "choices":.
func (a *answer) appendHead(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = target.AppendJSONString(b, a.id)
	if a.chat {
		b = append(b, `,"object":"chat.completion.chunk","created":`...)
	} else {
		b = append(b, `,"object":"text_completion","created":`...)
	}
	b = strconv.AppendInt(b, a.created, 10)
	b = append(b, `,"model":`...)
	b = target.AppendJSONString(b, a.model)
	return append(b, `,"choices":`...)
}

// appendTextChunk appends the SSE event of one piece of text; the first
// chat chunk carries the role. Written by hand: it is every token's path.
func (a *answer) appendTextChunk(b []byte, text string, first bool) []byte {
	b = append(b, "data: "...)
	b = a.appendHead(b)
	switch {
	case a.chat && first:
		b = append(b, `[{"index":0,"delta":{"role":"assistant","content":`...)
	case a.chat:
		b = append(b, `[{"index":0,"delta":{"content":`...)
	default:
		b = append(b, `[{"index":0,"text":`...)
	}
	b = target.AppendJSONString(b, text)
	if a.chat {
		b = append(b, '}')
	}
	return append(b, ",\"finish_reason\":null}]}\n\n"...)
}

// usage is OpenAI's usage object.
type usage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails *struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details,omitempty"`
}

// usageOf is the server's count, nil when SageMaker gave none (the
// counts are then the proxy's own count of lines, which a client counts
// as well as the proxy does).
func usageOf(res *sample.Result) *usage {
	if res.TokenSource != sample.TokensFromUsage {
		return nil
	}
	u := &usage{PromptTokens: res.InputTokens, CompletionTokens: res.OutputTokens, TotalTokens: res.InputTokens + res.OutputTokens}
	if res.HasCached {
		u.PromptTokensDetails = &struct {
			CachedTokens int `json:"cached_tokens"`
		}{res.CachedTokens}
	}
	return u
}

func finishReason(res *sample.Result) *string {
	if res.FinishReason == "" {
		return nil
	}
	return &res.FinishReason
}

// appendEnd appends the end of a stream: the finish_reason chunk, the
// usage chunk with the figures, [DONE].
func (a *answer) appendEnd(b []byte, res *sample.Result, fig Figures) []byte {
	type choice struct {
		Index        int       `json:"index"`
		Delta        *struct{} `json:"delta,omitempty"`
		Text         *string   `json:"text,omitempty"`
		FinishReason *string   `json:"finish_reason"`
	}
	type chunk struct {
		ID      string   `json:"id"`
		Object  string   `json:"object"`
		Created int64    `json:"created"`
		Model   string   `json:"model"`
		Choices []choice `json:"choices"`
		Usage   *usage   `json:"usage,omitempty"`
		Metrics *Figures `json:"proxy_metrics,omitempty"` // MetricsField
	}
	c := chunk{ID: a.id, Object: "text_completion", Created: a.created, Model: a.model}
	ch := choice{FinishReason: finishReason(res)}
	if a.chat {
		c.Object = "chat.completion.chunk"
		ch.Delta = &struct{}{}
	} else {
		ch.Text = new(string)
	}
	c.Choices = []choice{ch}
	j, _ := json.Marshal(c) // plain values always encode
	b = sseData(b, j)
	c.Choices, c.Usage, c.Metrics = []choice{}, usageOf(res), &fig
	j, _ = json.Marshal(c)
	b = sseData(b, j)
	return append(b, "data: [DONE]\n\n"...)
}

// whole is the body of a whole answer.
func (a *answer) whole(text string, res *sample.Result) []byte {
	type message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	type choice struct {
		Index        int      `json:"index"`
		Message      *message `json:"message,omitempty"`
		Text         *string  `json:"text,omitempty"`
		FinishReason *string  `json:"finish_reason"`
	}
	type body struct {
		ID      string   `json:"id"`
		Object  string   `json:"object"`
		Created int64    `json:"created"`
		Model   string   `json:"model"`
		Choices []choice `json:"choices"`
		Usage   *usage   `json:"usage,omitempty"`
	}
	o := body{ID: a.id, Object: "text_completion", Created: a.created, Model: a.model, Usage: usageOf(res)}
	ch := choice{FinishReason: finishReason(res)}
	if a.chat {
		o.Object = "chat.completion"
		ch.Message = &message{Role: "assistant", Content: text}
	} else {
		ch.Text = &text
	}
	o.Choices = []choice{ch}
	b, _ := json.Marshal(o)
	return append(b, '\n')
}
