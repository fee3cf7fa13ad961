package dataset

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// The formats Parse reads.
const (
	ShareGPT = "sharegpt" // a JSON array of {"conversations": [{"from", "value"}, ...]}
	JSONL    = "jsonl"    // one {"prompt"} or {"messages"} object per line
)

// The roles of a Message, as the OpenAI chat API names them.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Record is one request of a dataset: either a single user message
// (Prompt) or a whole chat (Messages), never both.
type Record struct {
	// ID is the record's 0-based index in the source file: the position in
	// the ShareGPT array, or the number of records (non-blank lines) before
	// it in a JSONL file. Skipped records keep their index, so IDs have
	// gaps but always lead back to the source (vLLM's prompt_id).
	ID int64 `json:"id"`
	// Prompt is the text of the one user message of the request.
	Prompt string `json:"prompt,omitempty"`
	// Messages is a chat sent as it is, in order.
	Messages []Message `json:"messages,omitempty"`
	// OutputTokens is the length the answer should have (the request's
	// max_tokens), 0 when the dataset does not say.
	OutputTokens int `json:"output_tokens,omitempty"`
}

// Message is one message of a chat.
type Message struct {
	Role    string `json:"role"` // RoleSystem, RoleUser or RoleAssistant
	Content string `json:"content"`
}

// validate returns what makes r unusable as a request, or nil.
func (r Record) validate() error {
	return check(r.Prompt != "", r.Prompt, r.Messages, r.OutputTokens)
}

// check returns what makes a record unusable as a request, or nil.
// hasPrompt says whether the record has a prompt at all (JSON decoding
// tells "" from a missing one); messages is nil when there are none.
func check(hasPrompt bool, prompt string, messages []Message, outputTokens int) error {
	switch {
	case hasPrompt && messages != nil:
		return errors.New("both prompt and messages: give one")
	case !hasPrompt && messages == nil:
		return errors.New("neither prompt nor messages")
	case hasPrompt && strings.TrimSpace(prompt) == "":
		return errors.New("empty prompt")
	case messages != nil && len(messages) == 0:
		return errors.New("empty messages")
	case outputTokens < 0:
		return fmt.Errorf("negative output_tokens %d", outputTokens)
	}
	for i, m := range messages {
		switch m.Role {
		case RoleSystem, RoleUser, RoleAssistant:
		default:
			return fmt.Errorf("message %d: role %q, want system, user or assistant", i, m.Role)
		}
		if strings.TrimSpace(m.Content) == "" {
			return fmt.Errorf("message %d: empty content", i)
		}
	}
	return nil
}

// ErrEmpty is returned, wrapped, when a dataset yields no usable record.
var ErrEmpty = errors.New("no usable record")

// ParseError is an error at a known place of a dataset file.
type ParseError struct {
	Name   string // the file, as the caller named it
	Line   int    // 1-based line of a JSONL file; 0 for ShareGPT
	Record int64  // 0-based index of the ShareGPT record; -1 outside any record or in JSONL
	Offset int64  // 0-based byte offset in the file of a JSON syntax error or trailing data; -1 otherwise
	Err    error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("dataset: parse ")
	b.WriteString(e.Name)
	if e.Line > 0 {
		fmt.Fprintf(&b, " line %d", e.Line)
	}
	if e.Record >= 0 {
		fmt.Fprintf(&b, " record %d", e.Record)
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (offset %d)", e.Offset)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Stats counts what Parse kept and what it skipped.
type Stats struct {
	Records int // records returned
	Skipped int // records of the file left out, the sum of SkippedReasons
	// SkippedReasons counts the skipped records by reason: one of the
	// Skip… constants.
	SkippedReasons map[string]int
}

// The reasons a ShareGPT record is skipped.
const (
	SkipNoConversations = "no conversations"                     // no "conversations", or an empty one
	SkipNoHumanTurn     = "no human turn"                        // no turn from human or user
	SkipNoAnswer        = "no answer after the first human turn" // the next turn is not from gpt or assistant, or there is none
	SkipEmptyPrompt     = "empty prompt"                         // the first human turn is only white space
	SkipEmptyAnswer     = "empty answer"                         // the answer counts 0 tokens
)

func (s *Stats) skip(reason string) {
	if s.SkippedReasons == nil {
		s.SkippedReasons = map[string]int{}
	}
	s.SkippedReasons[reason]++
	s.Skipped++
}

// String says what was skipped, most frequent reason first: "3 skipped
// (2 no human turn, 1 empty prompt)".
func (s Stats) String() string {
	if s.Skipped == 0 {
		return "0 skipped"
	}
	reasons := make([]string, 0, len(s.SkippedReasons))
	for r := range s.SkippedReasons {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		a, b := s.SkippedReasons[reasons[i]], s.SkippedReasons[reasons[j]]
		if a != b {
			return a > b
		}
		return reasons[i] < reasons[j]
	})
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%d %s", s.SkippedReasons[r], r)
	}
	return fmt.Sprintf("%d skipped (%s)", s.Skipped, strings.Join(parts, ", "))
}
