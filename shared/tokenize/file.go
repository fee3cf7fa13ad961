package tokenize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// file is the part of tokenizer.json that decides the ids of a text.
// truncation, padding, post_processor and decoder do not: Count and Encode
// leave the post-processor's tokens out, and Decode is byte-level.
type file struct {
	AddedTokens  []addedJSON     `json:"added_tokens"`
	Normalizer   json.RawMessage `json:"normalizer"`
	PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	Model        json.RawMessage `json:"model"`
}

type addedJSON struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized *bool  `json:"normalized"` // missing: !special, as the reference defaults it
	Special    bool   `json:"special"`
}

type modelJSON struct {
	Type                    string          `json:"type"`
	Dropout                 *float64        `json:"dropout"`
	UnkToken                *string         `json:"unk_token"`
	ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
	FuseUnk                 bool            `json:"fuse_unk"`
	ByteFallback            bool            `json:"byte_fallback"`
	IgnoreMerges            bool            `json:"ignore_merges"`
	Vocab                   json.RawMessage `json:"vocab"`
	Merges                  json.RawMessage `json:"merges"`
}

// mergeJSON is one merge in either form: "a b", or ["a", "b"] as newer
// files write it (a token may then hold a space).
type mergeJSON [2]string

func (m *mergeJSON) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		a, c, ok := strings.Cut(s, " ")
		if !ok || strings.Contains(c, " ") {
			return fmt.Errorf("merge %q is not two tokens separated by a space", s)
		}
		*m = mergeJSON{a, c}
		return nil
	}
	var pair []string
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	if len(pair) != 2 {
		return fmt.Errorf("merge %s is not a pair", b)
	}
	*m = mergeJSON{pair[0], pair[1]}
	return nil
}

// preJSON is one pre-tokenizer: the fields of the kinds this package runs.
type preJSON struct {
	Type          string            `json:"type"`
	Pretokenizers []json.RawMessage `json:"pretokenizers"` // Sequence
	Pattern       *struct {
		Regex  *string `json:"Regex"`
		String *string `json:"String"`
	} `json:"pattern"` // Split
	Behavior       string `json:"behavior"`         // Split
	Invert         bool   `json:"invert"`           // Split
	AddPrefixSpace bool   `json:"add_prefix_space"` // ByteLevel
	UseRegex       *bool  `json:"use_regex"`        // ByteLevel; missing: true
}

// isNull says whether a field is missing or null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// checkNormalizer accepts no normalizer, or an empty Sequence of them.
func checkNormalizer(raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	var n struct {
		Type        string            `json:"type"`
		Normalizers []json.RawMessage `json:"normalizers"`
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		return fmt.Errorf("%w: normalizer: %w", ErrMalformed, err)
	}
	if n.Type == "Sequence" && len(n.Normalizers) == 0 {
		return nil
	}
	return fmt.Errorf("%w: normalizer %q (only none)", ErrUnsupported, n.Type)
}

// preTokenizer builds the splitter a pre_tokenizer describes; byteLevel
// says whether a ByteLevel step is among them, which the model needs.
func preTokenizer(raw json.RawMessage) (s splitter, byteLevel bool, err error) {
	if isNull(raw) {
		return pipeline(nil), false, nil
	}
	var p preJSON
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, false, fmt.Errorf("%w: pre_tokenizer: %w", ErrMalformed, err)
	}
	switch p.Type {
	case "Sequence":
		var steps pipeline
		for _, r := range p.Pretokenizers {
			step, bl, err := preTokenizer(r)
			if err != nil {
				return nil, false, err
			}
			steps = append(steps, step)
			byteLevel = byteLevel || bl
		}
		return steps, byteLevel, nil
	case "ByteLevel":
		var steps pipeline
		if p.AddPrefixSpace {
			steps = append(steps, prefixSpace{})
		}
		if p.UseRegex == nil || *p.UseRegex {
			steps = append(steps, scanGPT2)
		}
		return steps, true, nil
	case "Split":
		if p.Behavior != "Isolated" || p.Invert {
			return nil, false, fmt.Errorf("%w: pre_tokenizer Split with behavior %q, invert %v (only Isolated, false)", ErrUnsupported, p.Behavior, p.Invert)
		}
		switch {
		case p.Pattern == nil || (p.Pattern.Regex == nil) == (p.Pattern.String == nil):
			return nil, false, fmt.Errorf("%w: pre_tokenizer Split needs a pattern, Regex or String", ErrInvalid)
		case p.Pattern.String != nil:
			r, err := newRegexSplit(*p.Pattern.String, true)
			if err != nil {
				return nil, false, fmt.Errorf("%w: %w", ErrUnsupported, err)
			}
			return r, false, nil
		}
		switch re := *p.Pattern.Regex; re {
		case patternGPT2:
			return scanGPT2, false, nil
		case patternLlama3:
			return scanLlama3, false, nil
		case patternQwen2:
			return scanQwen2, false, nil
		default:
			r, err := newRegexSplit(re, false)
			if err != nil {
				return nil, false, fmt.Errorf("%w: %w", ErrUnsupported, err)
			}
			return r, false, nil
		}
	default:
		return nil, false, fmt.Errorf("%w: pre_tokenizer %q (only ByteLevel, Split and a Sequence of them)", ErrUnsupported, p.Type)
	}
}

// pipeline runs splitters one after another, each on the pieces of the
// one before.
type pipeline []splitter

func (p pipeline) split(s string, emit func(string)) {
	switch len(p) {
	case 0:
		emit(s)
	case 1:
		p[0].split(s, emit)
	default:
		p[0].split(s, func(piece string) { p[1:].split(piece, emit) })
	}
}

// prefixSpace is ByteLevel's add_prefix_space: a piece that does not
// start with a space gets one.
type prefixSpace struct{}

func (prefixSpace) split(s string, emit func(string)) {
	if strings.HasPrefix(s, " ") {
		emit(s)
		return
	}
	emit(" " + s)
}
