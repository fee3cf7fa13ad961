package simllm

import (
	"slices"
	"time"
)

// RequestIDHeader keys the ground truth of a request.
const RequestIDHeader = "X-Request-Id"

// Truth is the server's own record of one request: what a client measured
// can be checked against it.
type Truth struct {
	Received time.Time // when ServeHTTP was entered
	// Chunks holds the time each token-bearing chunk was written and
	// flushed, in order (the role-only chunk is not one). A non-streaming
	// response has one entry: when its body was written and flushed.
	Chunks       []time.Time
	InputTokens  int // prompt_tokens as reported
	CachedTokens int // prompt tokens found in the prefix cache (cached_tokens), set at the first token
	// StoredTokens is how many tokens of the prompt followed by the answer
	// (whole blocks) the prefix cache took in when the answer completed:
	// a next turn resending the answer as received can hit at most these.
	StoredTokens int
	OutputTokens int // tokens actually sent
	// StopString is the stop string that ended the answer (finish_reason
	// "stop", or "stop_sequence" in lmi and tgi), "" if it ran to its
	// length; what was planned, sent only if Completed.
	StopString string
	// ReasoningTokens is how many of the answer's tokens are reasoning
	// (reasoning_tokens as reported); the first ones sent.
	ReasoningTokens int
	Fault           Fault // the fault injected, FaultNone normally
	Completed       bool  // every token was sent and the response ended normally ([DONE] or the full JSON body)
}

// truthRec is a request's live Truth; nil when not recording, and all its
// methods are then no-ops so handlers need no branches.
type truthRec struct {
	s *Server
	t *Truth
}

// beginTruth starts recording for r's X-Request-Id, replacing any earlier
// record with the same id.
func (s *Server) beginTruth(id string, received time.Time) *truthRec {
	if !s.opts.RecordTruth || id == "" {
		return nil
	}
	t := &Truth{Received: received}
	s.mu.Lock()
	s.truth[id] = t
	s.mu.Unlock()
	return &truthRec{s: s, t: t}
}

func (tr *truthRec) update(f func(t *Truth)) {
	if tr == nil {
		return
	}
	tr.s.mu.Lock()
	f(tr.t)
	tr.s.mu.Unlock()
}

// chunk stamps one token-bearing chunk, right after its flush.
func (tr *truthRec) chunk(tokens int) {
	if tr == nil {
		return
	}
	now := time.Now()
	tr.update(func(t *Truth) {
		t.Chunks = append(t.Chunks, now)
		t.OutputTokens += tokens
	})
}

// Truth returns a copy of the ground truth of the request whose
// X-Request-Id was requestID. It is final once the client has read the end
// of the response.
func (s *Server) Truth(requestID string) (Truth, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.truth[requestID]
	if !ok {
		return Truth{}, false
	}
	c := *t
	c.Chunks = slices.Clone(t.Chunks)
	return c, true
}

// TakeTruth is Truth, and forgets the record so a long run's memory stays
// flat.
func (s *Server) TakeTruth(requestID string) (Truth, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.truth[requestID]
	if !ok {
		return Truth{}, false
	}
	delete(s.truth, requestID)
	c := *t
	c.Chunks = slices.Clone(t.Chunks)
	return c, true
}
