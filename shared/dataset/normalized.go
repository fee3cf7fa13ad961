package dataset

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// normalizedName names the normalized form in errors; the caller knows
// where it is stored and adds that.
const normalizedName = "normalized dataset"

// WriteJSONL writes recs in the normalized form a run stores and its
// workers read back with ReadJSONL: one JSON object per line, {"id",
// "prompt" or "messages", "output_tokens" when not 0}. It refuses a
// record ReadJSONL would refuse, and an empty set, before writing
// anything.
func WriteJSONL(w io.Writer, recs []Record) error {
	if len(recs) == 0 {
		return fmt.Errorf("dataset: write: %w", ErrEmpty)
	}
	for i, r := range recs {
		if err := r.validate(); err != nil {
			return fmt.Errorf("dataset: write record %d (id %d): %w", i, r.ID, err)
		}
		if r.ID < 0 {
			return fmt.Errorf("dataset: write record %d: negative id %d", i, r.ID)
		}
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false) // prompts stay readable: <, > and & as they are
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("dataset: write record %d: %w", r.ID, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("dataset: write: %w", err)
	}
	return nil
}

// normalizedLine is a line of the normalized form: the id is required.
type normalizedLine struct {
	ID           *int64    `json:"id"`
	Prompt       *string   `json:"prompt,omitempty"`
	Messages     []Message `json:"messages,omitempty"`
	OutputTokens int       `json:"output_tokens,omitempty"`
}

// ReadJSONL reads records written by WriteJSONL, as strictly as Parse
// reads a JSONL dataset (unknown fields are errors), and requires an id
// on every line. Errors are *ParseError naming the line.
func ReadJSONL(r io.Reader) ([]Record, error) {
	var recs []Record
	err := eachLine(bufio.NewReaderSize(r, 64<<10), 0, func(line []byte, off int64) error {
		var l normalizedLine
		if err := decodeLine(line, off, &l); err != nil {
			return err
		}
		switch {
		case l.ID == nil:
			return errors.New("no id")
		case *l.ID < 0:
			return fmt.Errorf("negative id %d", *l.ID)
		}
		if err := check(l.Prompt != nil, deref(l.Prompt), l.Messages, l.OutputTokens); err != nil {
			return err
		}
		recs = append(recs, Record{ID: *l.ID, Prompt: deref(l.Prompt), Messages: l.Messages, OutputTokens: l.OutputTokens})
		return nil
	})
	if err != nil {
		return nil, withName(err, normalizedName)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("dataset: read %s: %w", normalizedName, ErrEmpty)
	}
	return recs, nil
}
