package tokenize

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Errors Load returns, wrapped with what was wrong.
var (
	// ErrMalformed: the file does not parse as a tokenizer.json (not JSON,
	// cut short, or a field of the wrong type).
	ErrMalformed = errors.New("tokenizer file does not parse")
	// ErrInvalid: it parses but lacks what a BPE tokenizer needs (model,
	// vocab, merges) or contradicts itself (a merge of unknown tokens).
	ErrInvalid = errors.New("tokenizer file is invalid")
	// ErrUnsupported: a valid file that asks for what this package does
	// not do (a model other than byte-level BPE, a normalizer, dropout).
	ErrUnsupported = errors.New("tokenizer file is not supported")
)

// Tokenizer encodes text as a byte-level BPE tokenizer.json says. It is
// safe for concurrent use.
type Tokenizer struct {
	model  *bpe
	split  splitter
	added  []*addedSet // tokens that skip the normalizer, then the others
	tokens []string    // by id, for Decode
}

// Load reads a Hugging Face tokenizer.json. Its errors wrap ErrMalformed,
// ErrInvalid or ErrUnsupported.
func Load(r io.Reader) (*Tokenizer, error) {
	t, err := load(r)
	if err != nil {
		return nil, fmt.Errorf("tokenize: load: %w", err)
	}
	return t, nil
}

func load(r io.Reader) (*Tokenizer, error) {
	var f file
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if isNull(f.Model) {
		return nil, fmt.Errorf("%w: no model", ErrInvalid)
	}
	var m modelJSON
	if err := json.Unmarshal(f.Model, &m); err != nil {
		return nil, fmt.Errorf("%w: model: %w", ErrMalformed, err)
	}
	if m.Type != "BPE" && !(m.Type == "" && !isNull(m.Merges)) {
		return nil, fmt.Errorf("%w: model.type %q (only BPE)", ErrUnsupported, m.Type)
	}
	if err := checkNormalizer(f.Normalizer); err != nil {
		return nil, err
	}
	split, byteLevel, err := preTokenizer(f.PreTokenizer)
	if err != nil {
		return nil, err
	}
	if !byteLevel {
		return nil, fmt.Errorf("%w: no ByteLevel pre-tokenizer (only byte-level BPE)", ErrUnsupported)
	}
	model, err := newBPE(m)
	if err != nil {
		return nil, err
	}
	t := &Tokenizer{model: model, split: split}
	var raw, normalized []addedToken
	ids := addedIDs(f.AddedTokens, model.vocab)
	for i, a := range f.AddedTokens {
		if a.Content == "" {
			return nil, fmt.Errorf("%w: added_tokens[%d]: no content", ErrInvalid, i)
		}
		if ids[i] < 0 { // a repeat
			continue
		}
		tok := addedToken{id: ids[i], content: a.Content, singleWord: a.SingleWord, lstrip: a.LStrip, rstrip: a.RStrip}
		if a.Normalized != nil && *a.Normalized || a.Normalized == nil && !a.Special {
			normalized = append(normalized, tok)
		} else {
			raw = append(raw, tok)
		}
	}
	t.added = []*addedSet{newAddedSet(raw), newAddedSet(normalized)}
	t.tokens = decodeTable(model.vocab, raw, normalized)
	return t, nil
}

// maxVocabID bounds ids, which index a table: real vocabularies are dense
// and below a million.
const maxVocabID = 1 << 24

func newBPE(m modelJSON) (*bpe, error) {
	if m.Dropout != nil && *m.Dropout != 0 {
		return nil, fmt.Errorf("%w: model.dropout %v (encodings would be random)", ErrUnsupported, *m.Dropout)
	}
	if p := m.ContinuingSubwordPrefix; p != nil && *p != "" {
		return nil, fmt.Errorf("%w: model.continuing_subword_prefix %q", ErrUnsupported, *p)
	}
	if s := m.EndOfWordSuffix; s != nil && *s != "" {
		return nil, fmt.Errorf("%w: model.end_of_word_suffix %q", ErrUnsupported, *s)
	}
	if isNull(m.Vocab) {
		return nil, fmt.Errorf("%w: no model.vocab", ErrInvalid)
	}
	if isNull(m.Merges) {
		return nil, fmt.Errorf("%w: no model.merges", ErrInvalid)
	}
	b := &bpe{ignoreMerges: m.IgnoreMerges, fuseUnk: m.FuseUnk, unk: -1, cache: make(map[string][]int)}
	if err := json.Unmarshal(m.Vocab, &b.vocab); err != nil {
		return nil, fmt.Errorf("%w: model.vocab: %w", ErrMalformed, err)
	}
	merges, err := decodeMerges(m.Merges)
	if err != nil {
		return nil, fmt.Errorf("%w: model.merges: %w", ErrMalformed, err)
	}
	for tok, id := range b.vocab {
		if id < 0 || id >= maxVocabID {
			return nil, fmt.Errorf("%w: model.vocab: %q has id %d (ids are 0 to %d)", ErrInvalid, tok, id, maxVocabID-1)
		}
	}
	if m.UnkToken != nil {
		id, ok := b.vocab[*m.UnkToken]
		if !ok {
			return nil, fmt.Errorf("%w: model.unk_token %q is not in the vocab", ErrInvalid, *m.UnkToken)
		}
		b.unk = id
	}
	for c := range b.byteID {
		id, ok := b.vocab[string(byteRunes[c])]
		if !ok && m.ByteFallback {
			id, ok = b.vocab[fmt.Sprintf("<0x%02X>", c)]
		}
		if !ok {
			id = -1
		}
		b.byteID[c] = id
	}
	b.merges = make(map[uint64]merged, len(merges))
	for rank, mg := range merges {
		left, okL := b.vocab[mg[0]]
		right, okR := b.vocab[mg[1]]
		id, okM := b.vocab[mg[0]+mg[1]]
		if !okL || !okR || !okM {
			return nil, fmt.Errorf("%w: model.merges[%d] %q %q: a token is not in the vocab", ErrInvalid, rank, mg[0], mg[1])
		}
		b.merges[pairKey(left, right)] = merged{rank: rank, id: id} // a repeated pair: the last rank counts, as in the reference
	}
	return b, nil
}

// decodeMerges reads merges in either form. A file uses one form
// throughout, which decodes several times faster as a plain []string or
// [][]string than element by element; a file that mixes them takes the
// slow way.
func decodeMerges(raw json.RawMessage) ([]mergeJSON, error) {
	var strs []string
	if json.Unmarshal(raw, &strs) == nil {
		out := make([]mergeJSON, len(strs))
		for i, s := range strs {
			a, b, ok := strings.Cut(s, " ")
			if !ok || strings.Contains(b, " ") {
				return nil, fmt.Errorf("merge %q is not two tokens separated by a space", s)
			}
			out[i] = mergeJSON{a, b}
		}
		return out, nil
	}
	var pairs [][]string
	if json.Unmarshal(raw, &pairs) == nil {
		out := make([]mergeJSON, len(pairs))
		for i, p := range pairs {
			if len(p) != 2 {
				return nil, fmt.Errorf("merge %q is not a pair", p)
			}
			out[i] = mergeJSON{p[0], p[1]}
		}
		return out, nil
	}
	var merges []mergeJSON
	err := json.Unmarshal(raw, &merges)
	return merges, err
}

// addedIDs returns the id of each added token as the reference assigns
// them, whatever the file says (in a file it wrote, the same): a token in
// the vocabulary keeps its id there, any other takes the next id past the
// vocabulary and the added tokens before it; a repeat gets -1.
func addedIDs(added []addedJSON, vocab map[string]int) []int {
	ids := make([]int, len(added))
	seen := map[string]bool{}
	maxID := -1
	for i, a := range added {
		if seen[a.Content] {
			ids[i] = -1
			continue
		}
		seen[a.Content] = true
		id, ok := vocab[a.Content]
		switch {
		case ok:
		case maxID < 0, maxID < len(vocab) && len(vocab) > 0:
			id = len(vocab)
		default:
			id = maxID + 1
		}
		ids[i] = id
		maxID = max(maxID, id)
	}
	return ids
}

// decodeTable lists each id's text: the vocabulary's, or an added token's.
func decodeTable(vocab map[string]int, added ...[]addedToken) []string {
	n := 0
	for _, id := range vocab {
		n = max(n, id+1)
	}
	for _, l := range added {
		for _, a := range l {
			n = max(n, a.id+1)
		}
	}
	tokens := make([]string, n)
	for tok, id := range vocab {
		tokens[id] = tok
	}
	for _, l := range added {
		for _, a := range l {
			tokens[a.id] = a.content
		}
	}
	return tokens
}

// walk calls fn with the ids of each piece of text in order. fn must not
// keep or change the slice.
func (t *Tokenizer) walk(text string, fn func(ids []int)) {
	var one [1]int
	splitAdded(text, t.added,
		func(s string) { t.split.split(s, func(piece string) { fn(t.model.encode(piece)) }) },
		func(id int) { one[0] = id; fn(one[:]) })
}

// Count returns the number of tokens text encodes to, without the
// special tokens a post-processor or chat template would add.
func (t *Tokenizer) Count(text string) int {
	n := 0
	t.walk(text, func(ids []int) { n += len(ids) })
	return n
}

// Encode returns the ids of text, without the special tokens a
// post-processor or chat template would add.
func (t *Tokenizer) Encode(text string) []int {
	var out []int
	t.walk(text, func(ids []int) { out = append(out, ids...) })
	return out
}

// Decode returns the text of ids, as the ByteLevel decoder does: each
// rune of a token's text that stands for a byte becomes that byte. An id
// the file does not define is an error.
func (t *Tokenizer) Decode(ids []int) (string, error) {
	var b strings.Builder
	for _, id := range ids {
		if id < 0 || id >= len(t.tokens) || t.tokens[id] == "" {
			return "", fmt.Errorf("tokenize: decode: id %d is not in the vocabulary", id)
		}
		for _, r := range t.tokens[id] {
			if c, ok := runeBytes[r]; ok {
				b.WriteByte(c)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String(), nil
}

// VocabSize returns the number of ids: the vocabulary's and the added
// tokens'.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// ID returns the id of a token: an added token's content (such as
// "<|begin_of_text|>") or a vocabulary entry in its byte-level spelling.
func (t *Tokenizer) ID(token string) (int, bool) {
	for _, s := range t.added {
		if s == nil || token == "" {
			continue
		}
		for _, a := range s.byFirst[token[0]] {
			if a.content == token {
				return a.id, true
			}
		}
	}
	id, ok := t.model.vocab[token]
	return id, ok
}
