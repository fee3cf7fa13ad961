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
	head []byte // `{"id":"...","object":"...","created":N,"model":"..."`
	buf  []byte
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

// token is the event carrying one output token; the last one carries
// finish_reason "length" (the simulator never stops early).
func (e *encoder) token(text string, last bool) []byte {
	e.start()
	if e.chat {
		e.buf = append(e.buf, `,"choices":[{"index":0,"delta":{"content":`...)
		e.buf = strconv.AppendQuote(e.buf, text) // vocabulary is plain ASCII: Go and JSON quoting agree
		e.buf = append(e.buf, `},"logprobs":null,"finish_reason":`...)
	} else {
		e.buf = append(e.buf, `,"choices":[{"index":0,"text":`...)
		e.buf = strconv.AppendQuote(e.buf, text)
		e.buf = append(e.buf, `,"logprobs":null,"finish_reason":`...)
	}
	if last {
		e.buf = append(e.buf, `"length"`...)
	} else {
		e.buf = append(e.buf, `null`...)
	}
	if !e.chat {
		e.buf = append(e.buf, `,"stop_reason":null`...)
	}
	e.buf = append(e.buf, `}]}`...)
	return e.end()
}

// usage is the stream_options.include_usage event: no choices.
func (e *encoder) usage(prompt, completion int) []byte {
	e.start()
	e.buf = fmt.Appendf(e.buf, `,"choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`, prompt, completion, prompt+completion)
	return e.end()
}

// Fixed events.
var (
	eventDone      = []byte("data: [DONE]\n\n")
	eventMalformed = []byte("data: {not json\n\n")
	eventError     = []byte(`data: {"error":{"message":"simulated error in stream (X-Sim-Fault: error)","type":"InternalServerError","param":null,"code":500}}` + "\n\n")
)

// usage is the OpenAI usage object of a non-streaming response.
type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type chatChoice struct {
	Index   int `json:"index"`
	Message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
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

// wholeBody is the non-streaming response for text.
func wholeBody(chat bool, id string, created int64, model, text string, prompt, completion int) []byte {
	resp := wholeResponse{ID: id, Created: created, Model: model, Usage: usage{prompt, completion, prompt + completion}}
	if chat {
		c := chatChoice{FinishReason: "length"}
		c.Message.Role, c.Message.Content = "assistant", text
		resp.Object, resp.Choices = "chat.completion", []chatChoice{c}
	} else {
		resp.Object, resp.Choices = "text_completion", []textChoice{{Text: text, FinishReason: "length"}}
	}
	b, err := json.Marshal(resp)
	if err != nil {
		panic(fmt.Sprintf("simllm: encode response: %v", err))
	}
	return b
}
