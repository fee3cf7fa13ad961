package workload

import (
	"math/rand/v2"

	"github.com/llmbench/llmbench/shared/lengths"
)

// Lengths draws the input and output token counts of every request of a
// run. Like Prompt, a request's counts are a pure function of the seed
// and (level, worker, seq): a rerun with the same seed sends the same
// lengths, and no worker depends on another's draws. The input and the
// output count come from streams of their own, so changing one
// distribution leaves the other's counts, request by request, as they
// were, and neither is correlated with the prompt's words.
type Lengths struct {
	seed          uint64
	input, output lengths.Dist
}

// NewLengths returns the lengths of a run with the given seed; input and
// output must be valid (their spec's Validate passed).
func NewLengths(seed int64, input, output lengths.Dist) *Lengths {
	return &Lengths{seed: uint64(seed), input: input, output: output}
}

// The streams' keys: the prompt's generator uses none.
const (
	inputStream  = 0x696e707574 // "input"
	outputStream = 0x6f7574707574
)

// Of returns the input and output lengths of request seq of worker w at a
// level: the same arguments always give the same lengths.
func (l *Lengths) Of(level, worker int, seq int64) (input, output int) {
	return l.draw(l.input, inputStream, level, worker, seq), l.draw(l.output, outputStream, level, worker, seq)
}

func (l *Lengths) draw(d lengths.Dist, stream uint64, level, worker int, seq int64) int {
	if d.Kind == "" {
		return d.Fixed // no generator for a fixed length
	}
	key := l.seed ^ uint64(level)<<40 ^ uint64(worker)<<20
	r := rand.New(rand.NewPCG(mix(key^stream), mix(uint64(seq)^stream)))
	return d.Draw(r)
}

// mix is SplitMix64's finalizer. PCG takes its seed words as its state:
// hashed first, the generators of requests seq, seq+1, ... do not start
// on one arithmetic progression of states (a precaution; the tests find
// no correlation between neighbours either way).
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
