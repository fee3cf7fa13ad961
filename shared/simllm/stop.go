package simllm

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// maxStops is how many stop strings a request may give: OpenAI's limit,
// and TGI's default --max-stop-sequences.
const maxStops = 4

// Stop-string rules: how a server finds a stop string in what it
// generated, and what it does then.
const (
	// stopVLLM is vLLM's rule (the OpenAI endpoints, SageMaker chat and
	// lmi): after each token past the first min_tokens, look for a stop
	// string ending in that token's text; the answer ends just before it,
	// and finish_reason is "stop".
	stopVLLM = iota + 1
	// stopTGI is TGI's (StopSequenceCriteria): after each token, does the
	// text so far end with a stop string? The answer then ends with it,
	// included, and finish_reason is "stop_sequence"; the length limit is
	// checked first.
	stopTGI
)

// parseStop reads OpenAI's and vLLM's stop: absent or null, a string, or
// an array of at most maxStops strings. An empty string is refused, as
// vLLM refuses it (it would match before the first character).
func parseStop(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return checkStops([]string{s})
	}
	var ss []string
	if json.Unmarshal(raw, &ss) != nil {
		return nil, errors.New("stop must be a string or an array of strings")
	}
	return checkStops(ss)
}

// parseStopList reads TGI's parameters.stop, a list of strings only
// (TGI's GenerateParameters.stop is a Vec<String>).
func parseStopList(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var ss []string
	if json.Unmarshal(raw, &ss) != nil {
		return nil, errors.New("parameters.stop must be an array of strings")
	}
	return checkStops(ss)
}

func checkStops(ss []string) ([]string, error) {
	if len(ss) > maxStops {
		return nil, fmt.Errorf("stop takes at most %d strings, got %d", maxStops, len(ss))
	}
	for _, s := range ss {
		if s == "" {
			return nil, errors.New("stop cannot contain an empty string")
		}
	}
	if len(ss) == 0 {
		return nil, nil
	}
	return ss, nil
}

// planAnswer decides, before the first token, how many tokens req's
// answer has: the simulated model's text is known in advance, so a stop
// string is found at once rather than as the tokens go. It sets
// req.tokens, and when a stop string ends the answer req.stopped and, for
// vLLM's rule, req.lastText (the visible part of the last token, which the
// stop string may begin inside of).
//
// One simplification against vLLM: vLLM also generates, counts in
// completion_tokens and spends decode steps on the tokens that spell the
// stop string, holding back their text; here the answer ends with the
// last token that has visible text (or with one empty token if the stop
// string starts the answer), so completion_tokens is the tokens sent.
func (req *request) planAnswer(gen tokenGen) {
	req.tokens, req.stopped, req.lastText, req.cut = req.maxTokens, "", "", false
	if len(req.stops) == 0 {
		return
	}
	var b strings.Builder
	for k := range req.maxTokens {
		prev := b.Len()
		b.WriteString(gen.text(k))
		text := b.String()
		if req.stopRule == stopTGI {
			if k == req.maxTokens-1 {
				return // TGI checks the length first: finish_reason "length"
			}
			for _, s := range req.stops {
				if strings.HasSuffix(text, s) {
					req.tokens, req.stopped = k+1, s
					return
				}
			}
			continue
		}
		// vLLM checks stop strings only once more than min_tokens tokens
		// exist, in the text that ends in the new token (a stop string may
		// begin in earlier tokens); the first stop string of the list
		// found wins.
		if k < req.minTokens {
			continue
		}
		for _, s := range req.stops {
			from := max(0, prev-len(s)+1)
			if i := strings.Index(text[from:], s); i >= 0 {
				req.cutAt(gen, from+i)
				req.stopped = s
				return
			}
		}
	}
}

// cutAt ends the answer before byte end of its text.
func (req *request) cutAt(gen tokenGen, end int) {
	req.cut = true
	if end == 0 {
		req.tokens, req.lastText = 1, "" // vLLM too sends one empty delta, with finish_reason
		return
	}
	start := 0
	for c := 0; ; c++ {
		t := gen.text(c)
		if start+len(t) >= end {
			req.tokens, req.lastText = c+1, t[:end-start]
			return
		}
		start += len(t)
	}
}

// tokenText is output token i as sent.
func (req *request) tokenText(gen tokenGen, i int) string {
	if req.cut && i == req.tokens-1 {
		return req.lastText
	}
	return gen.text(i)
}

// finishReason is the OpenAI finish_reason of the whole answer.
func (req *request) finishReason() string {
	if req.stopped != "" {
		return "stop"
	}
	return "length"
}
