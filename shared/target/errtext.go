package target

import "strings"

// Exported for the other target clients (SageMaker), so that every row is
// classified and worded the same way whatever the endpoint.

// ErrorObject reads a server's error object (OpenAI, vLLM, TGI, FastAPI
// shapes): its message and numeric code, if any.
func ErrorObject(b []byte) (msg string, code int) { return parseErrorObject(b) }

// Truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func Truncate(s string, n int) string { return truncate(s, n) }

// Excerpt bounds the bytes of a body quoted in an error.
func Excerpt(b []byte) []byte { return excerpt(b) }

// TransportErr strips an HTTP client's wrappers down to the network error.
func TransportErr(err error) error { return transportErr(err) }

// JSONText returns a JSON string's value, or other JSON as compact text.
func JSONText(raw []byte) string { return rawText(raw) }

// Choice is one choice of a whole (non-streamed) OpenAI-style answer:
// completions' text, or chat's message with its optional reasoning.
type Choice struct {
	Text    string `json:"text"`
	Message struct {
		Content          string `json:"content"`
		ReasoningContent string `json:"reasoning_content"`
		Reasoning        string `json:"reasoning"`
	} `json:"message"`
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
