package dataset

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// The orders in which a Sampler walks the records (workload.dataset.sample).
const (
	Shuffle    = "shuffle"    // a seeded permutation per pass
	Sequential = "sequential" // the file's order, over and over
)

// Sampler picks the record of each request of a level. It is immutable
// once made, so the goroutines of a worker share one.
type Sampler struct {
	n          int
	sigma, rho []int32 // nil for Sequential
}

// NewSampler returns the Sampler of a level (its 0-based index) over n
// records, in mode Shuffle or Sequential, under the run's seed. Shuffle
// computes two permutations of n up front: O(n) time, 8n bytes.
func NewSampler(n int, mode string, seed int64, level int) (*Sampler, error) {
	if n < 1 || n > math.MaxInt32 {
		return nil, fmt.Errorf("dataset: sampler over %d records: want 1 to %d", n, math.MaxInt32)
	}
	s := &Sampler{n: n}
	switch mode {
	case Sequential:
	case Shuffle:
		src := rand.NewPCG(mix(uint64(seed)^0x243f6a8885a308d3), mix(uint64(level)^0x13198a2e03707344))
		s.sigma, s.rho = permutation(src, n), permutation(src, n)
	default:
		return nil, fmt.Errorf("dataset: sampler mode %q, want %q or %q", mode, Shuffle, Sequential)
	}
	return s, nil
}

// Len returns the number of records the Sampler picks from.
func (s *Sampler) Len() int { return s.n }

// Index returns the record (an index into the records, 0 to Len()-1) of
// request k ≥ 0 of the level's global request sequence: a pure function
// of the seed, the level and k, whichever worker asks and in whatever
// order. Requests k of one pass, ⌊k/n⌋, use every record once.
//
// Sequential returns k mod n. Shuffle returns σ((ρ(k mod n) + p) mod n)
// in pass p, σ and ρ being the level's two seeded permutations: each pass
// is a permutation, uniformly random over the seeds, and any n
// consecutive passes are in n different orders, at the cost of two
// lookups rather than a fresh shuffle per pass.
func (s *Sampler) Index(k int64) int {
	if k < 0 {
		panic(fmt.Sprintf("dataset: Sampler.Index(%d): negative request index", k))
	}
	n := int64(s.n)
	j, p := k%n, k/n%n
	if s.sigma == nil {
		return int(j)
	}
	return int(s.sigma[(int64(s.rho[j])+p)%n])
}

// permutation returns a uniformly random permutation of 0..n-1 drawn by
// Fisher-Yates from src's raw output, so the result depends on no
// unspecified algorithm of math/rand/v2 (as shared/arrival does).
func permutation(src *rand.PCG, n int) []int32 {
	p := make([]int32, n)
	for i := range p {
		p[i] = int32(i)
	}
	for i := n - 1; i > 0; i-- {
		j := bounded(src, uint64(i)+1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// bounded returns a uniform integer in [0, n) by Lemire's multiply-and-
// reject ("Fast random integer generation in an interval", 2019).
func bounded(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// mix is SplitMix64's finalizer: it spreads seeds that differ in a few
// bits (1, 2, 3) over the whole 64 bits before they seed the PCG.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
