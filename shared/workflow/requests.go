package workflow

import (
	"fmt"
	"math/rand/v2"

	"github.com/llmbench/llmbench/shared/dataset"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/workload"
)

// requests makes a slice's requests: what request seq of the worker asks,
// a pure function of the run's seed, the level, the worker and seq.
type requests struct {
	s       *spec.Spec
	runID   string
	level   int // the level's index
	worker  int
	workers int // the level's slices

	seed    int64
	gen     *workload.Generator
	lengths *workload.Lengths
	prompts *prompts         // nil: synthetic prompts
	sampler *dataset.Sampler // the level's, with prompts
	tokens  *counter         // nil: no tokenizer (lengths in words)
}

func newRequests(s *spec.Spec, p *plan.Plan, sl plan.Slice, ps *prompts, tc *counter) (*requests, error) {
	w := s.Workload
	q := &requests{
		s: s, runID: sl.RunID, level: sl.LevelIndex, worker: sl.Worker, workers: max(len(p.Levels[sl.LevelIndex].Slices), 1),
		gen:     workload.New(p.Seed, 0),
		lengths: workload.NewLengths(p.Seed, w.InputTokens.Dist(), w.OutputTokens.Dist()),
		prompts: ps,
		tokens:  tc,
		seed:    p.Seed,
	}
	if ps != nil {
		sm, err := ps.sampler(sl.LevelIndex)
		if err != nil {
			return nil, err
		}
		q.sampler = sm
	}
	return q, nil
}

// record is the dataset record of request seq: the level's k-th request
// is a worker's seq-th of W interleaved (exact in mode rate, where arrival
// i goes to worker i mod W).
func (q *requests) record(seq int64) dataset.Record {
	return q.prompts.recs[q.sampler.Index(seq*int64(q.workers)+int64(q.worker))]
}

// make returns request seq and the prompt's id (the dataset record's
// index, or the synthetic draw's).
func (q *requests) make(seq int64) (target.Request, int64, error) { return q.makeOf(seq, true) }

// count is the client's count of a prompt's tokens: exact with the
// tokenizer, else in words.
func (q *requests) count(text string) int {
	if q.tokens != nil {
		return q.tokens.tok.Count(text)
	}
	return dataset.CountWords(text)
}

// makeOf is make, with the shared prefix (workload.shared_prefix) only
// when prefixed: a conversation's later turns do without.
func (q *requests) makeOf(seq int64, prefixed bool) (target.Request, int64, error) {
	w := &q.s.Workload
	req := target.Request{
		ID: fmt.Sprintf("%s-%d-%d-%d", q.runID, q.level, q.worker, seq),
		// The spec's own values, shared by every request (read only).
		Temperature: w.Temperature,
		TopP:        w.TopP,
		MinTokens:   w.MinTokens,
		IgnoreEOS:   w.IgnoreEOS,
		Stop:        w.Stop,
		ExtraBody:   w.ExtraBody,
	}
	in, out := q.lengths.Of(q.level, q.worker, seq)
	if q.prompts == nil {
		p, err := q.synthetic(q.level, q.worker, seq, in)
		if err != nil {
			return req, 0, err
		}
		req.Prompt, req.InputTokens, req.MaxTokens = p, in, out
		if sp := w.SharedPrefix; sp != nil && prefixed {
			k := prefixOf(q.seed, q.level, q.worker, seq, sp.Count)
			prefix, err := q.synthetic(prefixLevel+k, 0, 0, sp.Tokens)
			if err != nil {
				return req, 0, err
			}
			req.Prompt, req.InputTokens = prefix+" "+p, sp.Tokens+in
		}
		return req, syntheticDraw(q.worker, seq), nil
	}
	rec := q.record(seq)
	req.Prompt = rec.Prompt
	for _, m := range rec.Messages {
		req.Messages = append(req.Messages, target.Message{Role: m.Role, Content: m.Content})
	}
	req.InputTokens = q.count(req.PromptText())
	switch {
	case !w.OutputTokens.IsZero():
		req.MaxTokens = out
	case rec.OutputTokens > 0:
		req.MaxTokens = rec.OutputTokens // the record's answer length (vLLM's convention)
	default:
		req.MaxTokens = spec.DefaultOutputTokens
	}
	return req, rec.ID, nil
}

// promptID is request seq's prompt id, for its row.
func (q *requests) promptID(seq int64) int64 {
	if q.prompts == nil {
		return syntheticDraw(q.worker, seq)
	}
	return q.record(seq).ID
}

// clientCount says how the requests' InputTokens were counted.
func (q *requests) clientCount() string {
	if q.tokens != nil {
		return "tokenizer"
	}
	return "words"
}

// synthetic is the synthetic prompt of n tokens (exact with a tokenizer,
// words without) of (level, worker, seq).
func (q *requests) synthetic(level, worker int, seq int64, n int) (string, error) {
	if q.tokens != nil {
		return q.tokens.prompt(q.seed, level, worker, seq, n)
	}
	return q.gen.PromptOf(level, worker, seq, n), nil
}

// prefixLevel numbers the shared prefixes apart from every level: prefix
// k is the synthetic prompt of "level" prefixLevel+k, the same in every
// level and worker of the run.
const prefixLevel = 1 << 20

// prefixOf draws which of count shared prefixes request seq begins with.
func prefixOf(seed int64, level, worker int, seq int64, count int) int {
	r := rand.New(rand.NewPCG(uint64(seed)^0x70726566697865^uint64(level)<<40^uint64(worker)<<20, uint64(seq)))
	return r.IntN(count)
}
