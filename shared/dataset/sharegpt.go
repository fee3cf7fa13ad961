package dataset

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
)

// conversation is a ShareGPT record. Other fields ("id", "model", ...)
// are ignored: real dumps carry many.
type conversation struct {
	Conversations []turn `json:"conversations"`
}

type turn struct {
	From  string `json:"from"`
	Value string `json:"value"`
}

// role returns the chat role a ShareGPT speaker name stands for, or "".
// Dumps name the user human or user, and the model gpt, assistant or the
// product it was (chatgpt, bard, bing); case does not matter.
func role(from string) string {
	switch strings.ToLower(from) {
	case "human", "user":
		return RoleUser
	case "gpt", "assistant", "chatgpt", "bard", "bing", "model":
		return RoleAssistant
	case "system":
		return RoleSystem
	}
	return ""
}

// parseShareGPT reads the top-level array one conversation at a time
// (arrayReader), so the file is never held whole.
func parseShareGPT(br *bufio.Reader, name string, base int64, opt Options) ([]Record, Stats, error) {
	var (
		st   Stats
		recs []Record
		c    conversation
	)
	ar := &arrayReader{br: br, off: base}
	for i := int64(0); ; i++ {
		raw, start, err := ar.next()
		if err == io.EOF {
			return recs, st, nil
		}
		if err == nil {
			c = conversation{}
			if err = json.Unmarshal(raw, &c); err != nil {
				err = jsonError(err, start)
			}
		}
		if err != nil {
			pe := &ParseError{Name: name, Record: i, Offset: -1, Err: err}
			if ar.outside {
				pe.Record = -1
			}
			if e, ok := err.(*offsetError); ok {
				pe.Offset, pe.Err = e.off, e.err
			}
			return nil, st, pe
		}
		r, reason := fromConversation(c, opt)
		if reason != "" {
			st.skip(reason)
			continue
		}
		r.ID = i
		recs = append(recs, r)
	}
}

// fromConversation returns the request of c, or why c has none: the
// first human turn is the prompt, and the turn right after it, which must
// be the model's, gives the output length.
func fromConversation(c conversation, opt Options) (Record, string) {
	if len(c.Conversations) == 0 {
		return Record{}, SkipNoConversations
	}
	for i, t := range c.Conversations {
		if role(t.From) != RoleUser {
			continue
		}
		if strings.TrimSpace(t.Value) == "" {
			return Record{}, SkipEmptyPrompt
		}
		if i+1 == len(c.Conversations) || role(c.Conversations[i+1].From) != RoleAssistant {
			return Record{}, SkipNoAnswer
		}
		n := opt.CountTokens(c.Conversations[i+1].Value)
		if n <= 0 {
			return Record{}, SkipEmptyAnswer
		}
		return Record{Prompt: t.Value, OutputTokens: n}, ""
	}
	return Record{}, SkipNoHumanTurn
}
