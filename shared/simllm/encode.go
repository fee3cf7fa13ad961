package simllm

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// encoder builds one request's SSE events by appending to a reused buffer:
// the instant profile is used to measure client overhead, so the server's
// own cost per chunk must stay small.
type encoder struct {
	chat bool
	// stopReason is vLLM's stop_reason of a completions answer's last
	// chunk: the stop string that ended it, "" for null.
	stopReason string
	head       []byte // `{"id":"...","object":"...","created":N,"model":"..."`
	buf        []byte
}

func newEncoder(chat bool, id string, created int64, model string) *encoder {
	object := "text_completion"
	if chat {
		object = "chat.completion.chunk"
	}
	e := &encoder{chat: chat}
	e.head = fmt.Appendf(nil, `{"id":%s,"object":%q,"created":%d,"model":%s`, jsonString(id), object, created, jsonString(model))
	return e
}

// jsonString encodes s as a JSON string.
func jsonString(s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

func (e *encoder) start() {
	e.buf = append(e.buf[:0], "data: "...)
	e.buf = append(e.buf, e.head...)
}

func (e *encoder) end() []byte {
	return append(e.buf, "\n\n"...)
}

// role is the chat stream's first event: role only, no token.
func (e *encoder) role() []byte {
	e.start()
	e.buf = append(e.buf, `,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`...)
	return e.end()
}

// token is the event carrying one output token, in the chat delta's
// reasoning_content (vLLM's field) if reasoning, else in its content; the
// last one carries finish ("length" or "stop"), the others "" for null.
func (e *encoder) token(text string, reasoning bool, finish string) []byte {
	e.start()
	if e.chat {
		if reasoning {
			e.buf = append(e.buf, `,"choices":[{"index":0,"delta":{"reasoning_content":`...)
		} else {
			e.buf = append(e.buf, `,"choices":[{"index":0,"delta":{"content":`...)
		}
		e.buf = strconv.AppendQuote(e.buf, text) // vocabulary is plain ASCII: Go and JSON quoting agree
		e.buf = append(e.buf, `},"logprobs":null,"finish_reason":`...)
	} else {
		e.buf = append(e.buf, `,"choices":[{"index":0,"text":`...)
		e.buf = strconv.AppendQuote(e.buf, text)
		e.buf = append(e.buf, `,"logprobs":null,"finish_reason":`...)
	}
	if finish != "" {
		e.buf = strconv.AppendQuote(e.buf, finish)
	} else {
		e.buf = append(e.buf, `null`...)
	}
	if !e.chat {
		if finish != "" && e.stopReason != "" {
			e.buf = append(e.buf, `,"stop_reason":`...)
			e.buf = append(e.buf, jsonString(e.stopReason)...)
		} else {
			e.buf = append(e.buf, `,"stop_reason":null`...)
		}
	}
	e.buf = append(e.buf, `}]}`...)
	return e.end()
}

// usage is the stream_options.include_usage event: no choices.
func (e *encoder) usage(u usage) []byte {
	e.start()
	e.buf = fmt.Appendf(e.buf, `,"choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d`, u.PromptTokens, u.CompletionTokens, u.TotalTokens)
	if d := u.PromptTokensDetails; d != nil {
		e.buf = fmt.Appendf(e.buf, `,"prompt_tokens_details":{"cached_tokens":%d}`, d.CachedTokens)
	}
	if d := u.CompletionTokensDetails; d != nil {
		e.buf = fmt.Appendf(e.buf, `,"completion_tokens_details":{"reasoning_tokens":%d}`, d.ReasoningTokens)
	}
	e.buf = append(e.buf, `}}`...)
	return e.end()
}

// Fixed events.
var (
	eventDone      = []byte("data: [DONE]\n\n")
	eventMalformed = []byte("data: {not json\n\n")
	eventError     = []byte(`data: {"error":{"message":"simulated error in stream (X-Sim-Fault: error)","type":"InternalServerError","param":null,"code":500}}` + "\n\n")
)

// usage is the OpenAI usage object. prompt_tokens_details is there when
// the profile has a prefix cache, completion_tokens_details when it
// reasons and the answer is a chat one.
type usage struct {
	PromptTokens            int                `json:"prompt_tokens"`
	CompletionTokens        int                `json:"completion_tokens"`
	TotalTokens             int                `json:"total_tokens"`
	PromptTokensDetails     *promptDetails     `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *completionDetails `json:"completion_tokens_details,omitempty"`
}

type promptDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

type completionDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
}

type chatChoice struct {
	Index   int `json:"index"`
	Message struct {
		Role             string  `json:"role"`
		Content          string  `json:"content"`
		ReasoningContent *string `json:"reasoning_content,omitempty"`
	} `json:"message"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason string    `json:"finish_reason"`
}

type textChoice struct {
	Index        int       `json:"index"`
	Text         string    `json:"text"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason string    `json:"finish_reason"`
	StopReason   *string   `json:"stop_reason"`
}

type wholeResponse struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices any    `json:"choices"`
	Usage   usage  `json:"usage"`
}

// wholeBody is the non-streaming response for text, after reasoning (chat
// only; "" for none), ending for finish; stopReason is the stop string
// that ended it, "" for none (completions only, as vLLM's stop_reason).
func wholeBody(chat bool, id string, created int64, model, reasoning, text, finish, stopReason string, u usage) []byte {
	resp := wholeResponse{ID: id, Created: created, Model: model, Usage: u}
	if chat {
		c := chatChoice{FinishReason: finish}
		c.Message.Role, c.Message.Content = "assistant", text
		if reasoning != "" {
			c.Message.ReasoningContent = &reasoning
		}
		resp.Object, resp.Choices = "chat.completion", []chatChoice{c}
	} else {
		tc := textChoice{Text: text, FinishReason: finish}
		if stopReason != "" {
			tc.StopReason = &stopReason
		}
		resp.Object, resp.Choices = "text_completion", []textChoice{tc}
	}
	b, err := json.Marshal(resp)
	if err != nil {
		panic(fmt.Sprintf("simllm: encode response: %v", err))
	}
	return b
}
