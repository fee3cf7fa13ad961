package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/target"
)

// maxStop is OpenAI's limit on stop sequences.
const maxStop = 4

// call is one decoded OpenAI request.
type call struct {
	chat         bool   // /v1/chat/completions, else /v1/completions
	model        string // echoed in the answer
	stream       bool
	includeUsage bool // stream_options.include_usage (the usage chunk is sent anyway)
	req          target.Request
}

// badRequest is a request the proxy refuses: a 400 naming the member.
type badRequest struct {
	param string // the member, "" for the body as a whole
	msg   string
}

func (e *badRequest) Error() string {
	if e.param == "" {
		return e.msg
	}
	return e.param + ": " + e.msg
}

func bad(param, format string, args ...any) error {
	return &badRequest{param: param, msg: fmt.Sprintf(format, args...)}
}

// decodeCall reads an OpenAI request body for a payload format. Members
// the proxy does not read go into ExtraBody, unless the format refuses
// them (spec.ExtraBodyRefusal).
func decodeCall(body []byte, chat bool, format string) (*call, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil || members == nil {
		return nil, bad("", "the body must be a JSON object: %v", errOr(err, "null"))
	}
	c := &call{chat: chat}
	r := &c.req
	var extra []byte
	for _, k := range sortedKeys(members) {
		raw := members[k]
		var err error
		switch k {
		case "model":
			err = decodeOptional(raw, &c.model)
		case "messages":
			if !chat {
				return nil, bad(k, "is for /v1/chat/completions; /v1/completions takes prompt")
			}
			r.Messages, err = decodeMessages(raw)
		case "prompt":
			if chat {
				return nil, bad(k, "is for /v1/completions; /v1/chat/completions takes messages")
			}
			if err = json.Unmarshal(raw, &r.Prompt); err != nil {
				return nil, bad(k, "must be one string (a list of prompts is not supported)")
			}
		case "max_tokens", "max_completion_tokens":
			var n int
			if err = json.Unmarshal(raw, &n); err != nil || n < 0 {
				return nil, bad(k, "must be a whole number >= 0")
			}
			if r.MaxTokens != 0 && n != r.MaxTokens {
				return nil, bad(k, "differs from the other of max_tokens and max_completion_tokens")
			}
			r.MaxTokens = n
		case "stream":
			err = decodeOptional(raw, &c.stream)
		case "stream_options":
			var o struct {
				IncludeUsage *bool `json:"include_usage"`
			}
			if err = json.Unmarshal(raw, &o); err == nil && o.IncludeUsage != nil {
				c.includeUsage = *o.IncludeUsage
			}
		case "temperature", "top_p":
			var f *float64
			if err = json.Unmarshal(raw, &f); err == nil && f != nil {
				if math.IsNaN(*f) || *f < 0 || (k == "top_p" && (*f == 0 || *f > 1)) {
					return nil, bad(k, "out of range: %v", *f)
				}
				if k == "temperature" {
					r.Temperature = f
				} else {
					r.TopP = f
				}
			}
		case "min_tokens":
			var n *int
			if err = json.Unmarshal(raw, &n); err == nil && n != nil {
				if *n < 0 {
					return nil, bad(k, "must be >= 0")
				}
				r.MinTokens = n
			}
		case "ignore_eos":
			err = decodeOptional(raw, &r.IgnoreEOS)
		case "stop":
			r.Stop, err = decodeStop(raw)
		case "n":
			var n *int
			if err = json.Unmarshal(raw, &n); err == nil && n != nil && *n != 1 {
				return nil, bad(k, "only 1 is supported (one SageMaker call, one answer)")
			}
		default:
			if why := spec.ExtraBodyRefusal(format, k); why != "" {
				return nil, bad(k, "not accepted with payload format %s: %s", format, why)
			}
			extra = append(target.AppendJSONString(append(extra, ','), k), ':')
			extra = append(extra, raw...)
		}
		if err != nil {
			var br *badRequest
			if errors.As(err, &br) {
				return nil, err
			}
			return nil, bad(k, "has the wrong type: %v", err)
		}
	}
	if chat && len(r.Messages) == 0 {
		return nil, bad("messages", "is required: at least one message")
	}
	if !chat {
		if _, ok := members["prompt"]; !ok {
			return nil, bad("prompt", "is required")
		}
	}
	if r.MinTokens != nil && r.MaxTokens > 0 && *r.MinTokens > r.MaxTokens {
		return nil, bad("min_tokens", "exceeds max_tokens")
	}
	if len(extra) > 0 {
		extra[0] = '{'
		r.ExtraBody = append(extra, '}')
	}
	return c, nil
}

func errOr(err error, s string) string {
	if err != nil {
		return err.Error()
	}
	return s
}

// decodeOptional decodes raw into v; null leaves v as it is.
func decodeOptional[T any](raw json.RawMessage, v *T) error {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil
	}
	return json.Unmarshal(raw, v)
}

// decodeMessages reads chat messages with string contents.
func decodeMessages(raw json.RawMessage) ([]target.Message, error) {
	var ms []struct {
		Role    string           `json:"role"`
		Content *json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(raw, &ms); err != nil {
		return nil, bad("messages", "must be a list of {role, content} objects")
	}
	out := make([]target.Message, 0, len(ms))
	for i, m := range ms {
		path := fmt.Sprintf("messages[%d]", i)
		switch m.Role {
		case "system", "user", "assistant", "developer":
		default:
			return nil, bad(path+".role", "must be system, user, assistant or developer, got %q", m.Role)
		}
		var content string
		if m.Content == nil || json.Unmarshal(*m.Content, &content) != nil {
			return nil, bad(path+".content", "must be a string (content parts are not supported)")
		}
		out = append(out, target.Message{Role: m.Role, Content: content})
	}
	return out, nil
}

// decodeStop reads stop: null, a string, or up to 4 strings, none empty.
func decodeStop(raw json.RawMessage) ([]string, error) {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if one == "" {
			return nil, bad("stop", "must not be empty")
		}
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, bad("stop", "must be a string or a list of strings")
	}
	if len(list) > maxStop {
		return nil, bad("stop", "has %d sequences, at most %d", len(list), maxStop)
	}
	for i, s := range list {
		if s == "" {
			return nil, bad(fmt.Sprintf("stop[%d]", i), "must not be empty")
		}
	}
	return list, nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	// A fixed order: ExtraBody's members, and which problem is reported
	// first, do not depend on map iteration.
	return slices.Sorted(maps.Keys(m))
}
