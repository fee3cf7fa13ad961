package simllm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// defaultMaxTokens is used when a request sets neither max_tokens nor
// max_completion_tokens.
const defaultMaxTokens = 64

// maxMaxTokens bounds max_tokens so a typo cannot pin a handler for days.
const maxMaxTokens = 1 << 20

// maxBodyBytes bounds a request body.
const maxBodyBytes = 64 << 20

// wireRequest is the subset of the OpenAI request both endpoints read;
// unknown fields (temperature, top_p, ...) are accepted and ignored.
type wireRequest struct {
	Model               string          `json:"model"`
	Messages            []wireMessage   `json:"messages"`
	Prompt              json.RawMessage `json:"prompt"`
	Stream              bool            `json:"stream"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	N                   *int            `json:"n"`
	MinTokens           *int            `json:"min_tokens"` // vLLM's extension
	IgnoreEOS           bool            `json:"ignore_eos"` // vLLM's extension
	Stop                json.RawMessage `json:"stop"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

type wireMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// request is a parsed, validated completion request.
type request struct {
	chat         bool
	stream       bool
	includeUsage bool
	maxTokens    int
	inputTokens  int
	promptText   []string // what the output tokens are derived from
	blocks       []uint64 // the prompt's whole blocks, for the prefix cache
	// prefix is the hasher state after the prompt, so that the answer's
	// blocks can follow it (cacheAnswer); unset (continues false) for a
	// prompt of token ids, which no text answer continues.
	prefix    blockHasher
	continues bool
	// The simulated model has no end-of-sequence token: it writes
	// max_tokens unless a stop string ends the answer first, so min_tokens
	// and ignore_eos hold by construction.
	minTokens int
	ignoreEOS bool
	stops     []string // stop strings, at most maxStops
	stopRule  int      // stopVLLM or stopTGI
	// The answer as planned (planAnswer): tokens sent, the stop string that
	// ended it ("" for none), and whether the last token is cut to
	// lastText.
	tokens   int
	stopped  string
	cut      bool
	lastText string
	// reasoning is how many of the first output tokens are reasoning
	// (Profile.ReasoningShare); set by the server, chat answers only.
	reasoning int
}

// parseRequest reads and validates the body of a chat (chat=true) or
// completions request. Its errors are meant for the client (400).
func parseRequest(r *http.Request, chat bool) (request, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err != nil {
		return request{}, fmt.Errorf("reading body: %w", err)
	}
	var wr wireRequest
	if err := json.Unmarshal(body, &wr); err != nil {
		return request{}, fmt.Errorf("invalid JSON body: %w", err)
	}
	req := request{chat: chat, stream: wr.Stream, maxTokens: defaultMaxTokens}
	// vLLM's rule: max_completion_tokens, when set, wins over max_tokens.
	switch {
	case wr.MaxCompletionTokens != nil:
		req.maxTokens = *wr.MaxCompletionTokens
	case wr.MaxTokens != nil:
		req.maxTokens = *wr.MaxTokens
	}
	if req.maxTokens < 1 || req.maxTokens > maxMaxTokens {
		return request{}, fmt.Errorf("max_tokens must be between 1 and %d, got %d", maxMaxTokens, req.maxTokens)
	}
	if err := req.readMinTokens(wr.MinTokens, wr.IgnoreEOS); err != nil {
		return request{}, err
	}
	if req.stops, err = parseStop(wr.Stop); err != nil {
		return request{}, err
	}
	req.stopRule = stopVLLM
	if wr.N != nil && *wr.N != 1 {
		return request{}, errors.New("only n=1 is supported by the simulator")
	}
	if wr.StreamOptions != nil {
		req.includeUsage = wr.StreamOptions.IncludeUsage
	}
	if chat {
		err = req.readMessages(wr.Messages)
	} else {
		err = req.readPrompt(wr.Prompt)
	}
	return req, err
}

// readMinTokens checks min_tokens as vLLM does; maxTokens must be set.
func (req *request) readMinTokens(minTokens *int, ignoreEOS bool) error {
	req.ignoreEOS = ignoreEOS
	if minTokens == nil {
		return nil
	}
	if *minTokens < 0 || *minTokens > req.maxTokens {
		return fmt.Errorf("min_tokens must be between 0 and max_tokens (%d), got %d", req.maxTokens, *minTokens)
	}
	req.minTokens = *minTokens
	return nil
}

func (req *request) readMessages(msgs []wireMessage) error {
	if len(msgs) == 0 {
		return errors.New("messages must be a non-empty array")
	}
	var b blockHasher
	for i, m := range msgs {
		if m.Role == "" {
			return fmt.Errorf("messages[%d].role is required", i)
		}
		text, err := contentText(m.Content)
		if err != nil {
			return fmt.Errorf("messages[%d].content: %w", i, err)
		}
		req.promptText = append(req.promptText, m.Role, text)
		req.inputTokens += countWords(text)
		b.addWords(m.Role, text)
	}
	req.blocks, req.prefix, req.continues = b.blocks, b, true
	return nil
}

// contentText accepts a string, null, or an array of content parts of
// which the "text" ones count.
func contentText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("must be a string or an array of content parts")
	}
	text := ""
	for _, p := range parts {
		if p.Type == "text" {
			text += p.Text + " "
		}
	}
	return text, nil
}

// readPrompt accepts a string, a one-element array of strings, an array of
// token ids, or a one-element array of those; token ids count one each.
func (req *request) readPrompt(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return errors.New("prompt is required")
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		req.readText(s)
		return nil
	}
	var ss []string
	if json.Unmarshal(raw, &ss) == nil {
		if len(ss) != 1 {
			return errors.New("the simulator takes exactly one prompt per request")
		}
		req.readText(ss[0])
		return nil
	}
	var ids []int
	if json.Unmarshal(raw, &ids) == nil {
		req.promptText, req.inputTokens = []string{string(raw)}, len(ids)
		req.blocks = idBlocks(ids)
		return nil
	}
	var idss [][]int
	if json.Unmarshal(raw, &idss) == nil {
		if len(idss) != 1 {
			return errors.New("the simulator takes exactly one prompt per request")
		}
		req.promptText, req.inputTokens = []string{string(raw)}, len(idss[0])
		req.blocks = idBlocks(idss[0])
		return nil
	}
	return errors.New("prompt must be a string, an array of one string, or token ids")
}

// readText takes a plain-text prompt (completions, lmi, tgi).
func (req *request) readText(s string) {
	var b blockHasher
	b.addWords("", s)
	req.promptText, req.inputTokens = []string{s}, countWords(s)
	req.blocks, req.prefix, req.continues = b.blocks, b, true
}

// textBlocks are the block hashes of a plain-text prompt.
func textBlocks(s string) []uint64 {
	var b blockHasher
	b.addWords("", s)
	return b.blocks
}

// idBlocks are the block hashes of a prompt given as token ids.
func idBlocks(ids []int) []uint64 {
	var b blockHasher
	for _, id := range ids {
		b.add(splitmix64(uint64(id)))
	}
	return b.blocks
}
