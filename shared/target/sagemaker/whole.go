package sagemaker

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

// wholeAnswer is the union of the non-streamed answers:
//
//	chat (LMI/vLLM, TGI messages): {"choices":[{"message":{"content":"…"}}],"usage":{…}}
//	LMI:                           {"generated_text":"…"} (details when asked)
//	TGI, LMI TGI-compat:           [{"generated_text":"…","details":{…}}] (a list)
//	errors:                        {"error":…}, {"object":"error",…}, details.finish_reason "error"
//
// The OpenAI parts (choices, usage, error marks) are target.Answer, as
// the OpenAI client reads them.
type wholeAnswer struct {
	target.Answer
	GeneratedText *string  `json:"generated_text"`
	Details       *details `json:"details"`
}

// text is the visible text of an answer: the first choice's (as the
// OpenAI client reads it), else generated_text. Of a list, readWhole keeps
// the first answer's: one request, one prompt, one answer.
func (a *wholeAnswer) text() string {
	if len(a.Choices) > 0 {
		return a.Answer.Text()
	}
	if a.GeneratedText != nil {
		return *a.GeneratedText
	}
	return ""
}

// readWhole parses a non-streamed body, received whole at at, into res.
// The tokens arrived all at once: FirstToken, FirstContent, the one entry
// of Tokens and End are at. Without a server count OutputTokens is the
// whitespace-separated word count of the text, labelled "chunks". With
// keepText the visible text is kept in res.Text (wholeText).
func readWhole(b []byte, at time.Time, keepText bool, res *sample.Result) {
	res.End = at
	res.Chunks = 1
	var answers []wholeAnswer
	trimmed := bytes.TrimSpace(b)
	var err error
	if len(trimmed) > 0 && trimmed[0] == '[' {
		err = json.Unmarshal(trimmed, &answers)
		if err == nil && len(answers) == 0 {
			target.Fail(res, sample.StatusProtocol, "response is an empty list")
			return
		}
	} else {
		answers = make([]wholeAnswer, 1)
		err = json.Unmarshal(trimmed, &answers[0])
	}
	if err != nil {
		target.Fail(res, sample.StatusProtocol, "malformed response: %v: %q", err, target.Excerpt(b))
		return
	}
	var (
		words, outTokens, inTokens int
		content, reasoning, server bool
		haveIn, answered           bool
	)
	for i := range answers {
		a := &answers[i]
		if a.IsError() || (a.Details != nil && a.Details.FinishReason == "error") {
			msg, code := target.ErrorObject(trimmed)
			if msg == "" && a.GeneratedText != nil {
				msg = *a.GeneratedText
			}
			if msg == "" {
				msg = string(target.Excerpt(b))
			}
			if code != 0 {
				res.HTTPStatus = code
			}
			target.Fail(res, sample.StatusHTTPError, "error in response: %s", msg)
			return
		}
		if r := a.FinishReason(); r != "" {
			res.FinishReason = r
		}
		if a.Details != nil && a.Details.FinishReason != "" {
			res.FinishReason = a.Details.FinishReason
		}
		if len(a.Choices) > 0 {
			answered = true
			w, c, r := a.Count()
			words, content, reasoning = words+w, content || c, reasoning || r
		}
		if a.GeneratedText != nil {
			answered = true
			if *a.GeneratedText != "" {
				content = true
				words += len(strings.Fields(*a.GeneratedText))
			}
		}
		switch {
		case a.Usage != nil:
			server = true
			outTokens += a.Usage.CompletionTokens
			inTokens, haveIn = a.Usage.PromptTokens, true
			target.SetUsageDetails(res, *a.Usage) // u below has only the sums
		case a.Details != nil && a.Details.GeneratedTokens != nil:
			server = true
			outTokens += *a.Details.GeneratedTokens
			if n, ok := a.Details.inputTokens(); ok {
				inTokens, haveIn = n, true
			}
		}
	}
	if !answered {
		target.Fail(res, sample.StatusProtocol, "response without choices or generated_text: %q", target.Excerpt(b))
		return
	}
	if keepText {
		res.Text = answers[0].text()
	}
	if content || reasoning {
		res.FirstToken = at
		res.Tokens = append(res.Tokens, at)
	}
	if content {
		res.FirstContent = at
	}
	if server {
		u := target.Usage{CompletionTokens: outTokens}
		if haveIn {
			u.PromptTokens = inTokens
		}
		target.SetUsage(res, u)
	} else {
		res.OutputTokens, res.TokenSource = words, sample.TokensFromChunks
	}
	res.Status = sample.StatusOK
}
