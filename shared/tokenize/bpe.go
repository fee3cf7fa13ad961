package tokenize

import (
	"container/heap"
	"strings"
	"sync"
)

// bpe is the model: byte-level symbols merged by the rank of their pair.
type bpe struct {
	vocab        map[string]int    // byte-level spelling -> id
	merges       map[uint64]merged // pair of ids -> what merging them gives
	byteID       [256]int          // id of each byte's symbol, -1 if the vocabulary lacks it
	unk          int               // id for a byte the vocabulary lacks, -1 to drop it (as the reference does)
	fuseUnk      bool              // consecutive unknown bytes are one unk
	ignoreMerges bool              // a piece that is itself in the vocabulary is one token

	mu    sync.RWMutex
	cache map[string][]int // piece -> ids
}

type merged struct{ rank, id int }

// maxCache bounds the cache of pieces already encoded; a prompt's words
// are far fewer.
const maxCache = 1 << 16

func pairKey(a, b int) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// encode returns the ids of one piece. The slice is shared: callers must
// not change it.
func (m *bpe) encode(piece string) []int {
	m.mu.RLock()
	ids, ok := m.cache[piece]
	m.mu.RUnlock()
	if ok {
		return ids
	}
	ids = m.encodeUncached(piece)
	m.mu.Lock()
	if len(m.cache) < maxCache {
		m.cache[strings.Clone(piece)] = ids
	}
	m.mu.Unlock()
	return ids
}

func (m *bpe) encodeUncached(piece string) []int {
	if m.ignoreMerges {
		var buf [64]byte
		if id, ok := m.vocab[string(appendByteLevel(buf[:0], piece))]; ok {
			return []int{id}
		}
	}
	syms := make([]int, 0, len(piece))
	for i := 0; i < len(piece); i++ {
		switch id := m.byteID[piece[i]]; {
		case id >= 0:
			syms = append(syms, id)
		case m.unk >= 0 && !(m.fuseUnk && i > 0 && m.byteID[piece[i-1]] < 0):
			syms = append(syms, m.unk)
		}
	}
	if len(syms) <= 16 {
		return m.mergeShort(syms)
	}
	return m.mergeLong(syms)
}

// mergeShort merges, while any pair has a merge, the pair of lowest rank
// (the leftmost of equals): the reference's order, found by scanning,
// which beats a heap on the short pieces text is mostly made of.
func (m *bpe) mergeShort(syms []int) []int {
	for len(syms) > 1 {
		best, at := merged{rank: -1}, -1
		for i := 0; i+1 < len(syms); i++ {
			if mg, ok := m.merges[pairKey(syms[i], syms[i+1])]; ok && (at < 0 || mg.rank < best.rank) {
				best, at = mg, i
			}
		}
		if at < 0 {
			break
		}
		syms[at] = best.id
		syms = append(syms[:at+1], syms[at+2:]...)
	}
	return syms
}

// mergeLong merges in the same order with a heap of candidate pairs over
// a linked list, so that a long piece (a run of spaces, a long word) costs
// n log n rather than n².
func (m *bpe) mergeLong(syms []int) []int {
	n := len(syms)
	prev, next := make([]int, n), make([]int, n)
	for i := range syms {
		prev[i], next[i] = i-1, i+1
	}
	next[n-1] = -1
	h := &pairHeap{}
	push := func(i int) {
		if i < 0 || next[i] < 0 {
			return
		}
		if mg, ok := m.merges[pairKey(syms[i], syms[next[i]])]; ok {
			heap.Push(h, candidate{rank: mg.rank, pos: i, left: syms[i], right: syms[next[i]], id: mg.id})
		}
	}
	for i := 0; i < n-1; i++ {
		push(i)
	}
	for h.Len() > 0 {
		c := heap.Pop(h).(candidate)
		j := next[c.pos]
		// Skip a pair that an earlier merge changed or removed.
		if syms[c.pos] != c.left || j < 0 || syms[j] != c.right {
			continue
		}
		syms[c.pos] = c.id
		syms[j] = -1
		next[c.pos] = next[j]
		if next[j] >= 0 {
			prev[next[j]] = c.pos
		}
		push(prev[c.pos])
		push(c.pos)
	}
	out := syms[:0]
	for i := 0; i >= 0; i = next[i] {
		out = append(out, syms[i])
	}
	return out
}

// candidate is a pair that could be merged: the lowest rank first, then
// the leftmost.
type candidate struct{ rank, pos, left, right, id int }

type pairHeap []candidate

func (h pairHeap) Len() int { return len(h) }
func (h pairHeap) Less(i, j int) bool {
	if h[i].rank != h[j].rank {
		return h[i].rank < h[j].rank
	}
	return h[i].pos < h[j].pos
}
func (h pairHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pairHeap) Push(x any)   { *h = append(*h, x.(candidate)) }
func (h *pairHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}
