package simllm

import (
	"container/list"
	"strings"
	"sync"
)

// cacheBlock is the prefix cache's granularity in prompt tokens, vLLM's
// default block size: only whole blocks are cached and matched.
const cacheBlock = 16

// DefaultPrefixCacheTokens is the prefix cache size of the preset
// profiles, in prompt tokens: 12,500 blocks, about what vLLM keeps for an
// 8B model on a 24 GB GPU once the weights are loaded.
const DefaultPrefixCacheTokens = 200_000

// blockHasher turns a prompt's tokens into the hashes of its whole
// blocks. The hash is chained over every token since the start, so a
// block's hash names the whole prefix that ends with it, as vLLM's does.
type blockHasher struct {
	h      uint64
	n      int
	blocks []uint64
}

// add appends one token, given by its own hash.
func (b *blockHasher) add(token uint64) {
	b.h = splitmix64(b.h ^ token)
	b.n++
	if b.n%cacheBlock == 0 {
		b.blocks = append(b.blocks, b.h)
	}
}

// addWords appends the words of text; the first is tagged with tag (a
// message's role), so the same words under another role, or split into
// messages differently, are another prefix.
func (b *blockHasher) addWords(tag, text string) {
	first := true
	for _, w := range strings.Fields(text) {
		h := hashString(w)
		if first {
			h ^= splitmix64(hashString(tag) + 1)
			first = false
		}
		b.add(h)
	}
}

// addMore appends the words of text untagged: the continuation of the
// same text (a completions prompt's answer).
func (b *blockHasher) addMore(text string) {
	for _, w := range strings.Fields(text) {
		b.add(hashString(w))
	}
}

// prefixCache is an LRU set of prompt blocks bounded by their total
// tokens, shared by every request of a server. Its methods are safe for
// concurrent use.
type prefixCache struct {
	mu     sync.Mutex
	max    int                      // most blocks kept
	lru    *list.List               // of uint64 block hashes, most recent first
	blocks map[uint64]*list.Element // hash -> its element in lru
}

// newPrefixCache returns a cache of tokens prompt tokens, or nil (no
// cache) if that is not even one block.
func newPrefixCache(tokens int) *prefixCache {
	if tokens < cacheBlock {
		return nil
	}
	return &prefixCache{max: tokens / cacheBlock, lru: list.New(), blocks: map[uint64]*list.Element{}}
}

// admit is the prefill of a prompt of input tokens whose whole blocks
// hash to blocks: it returns how many leading tokens were already cached
// (whole blocks), and caches all the prompt's blocks. Like vLLM, it always
// leaves at least one token to compute, so a prompt seen before in full
// still pays for its last block. A nil cache caches nothing.
func (c *prefixCache) admit(blocks []uint64, input int) int {
	if c == nil || input < 1 {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	usable := min(len(blocks), (input-1)/cacheBlock)
	hits := 0
	for hits < usable {
		if _, ok := c.blocks[blocks[hits]]; !ok {
			break
		}
		hits++
	}
	c.put(blocks)
	return hits * cacheBlock
}

// store caches the blocks of a finished sequence, its prompt followed by
// the answer it generated: vLLM keeps the KV blocks of generated tokens
// too, so the next turn of a conversation, which resends them, finds
// them. A nil cache stores nothing.
func (c *prefixCache) store(blocks []uint64) {
	if c == nil || len(blocks) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.put(blocks)
}

// put touches or inserts blocks and evicts down to the bound; c.mu held.
func (c *prefixCache) put(blocks []uint64) {
	// Touch or insert the blocks last first, so the prompt's first block
	// is the most recent and eviction eats prompts from their tails (as
	// vLLM frees blocks): a prefix with a hole in front is worthless.
	for i := len(blocks) - 1; i >= 0; i-- {
		if e, ok := c.blocks[blocks[i]]; ok {
			c.lru.MoveToFront(e)
			continue
		}
		c.blocks[blocks[i]] = c.lru.PushFront(blocks[i])
	}
	for c.lru.Len() > c.max {
		e := c.lru.Back()
		delete(c.blocks, c.lru.Remove(e).(uint64))
	}
}
