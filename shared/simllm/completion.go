package simllm

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// completion serves POST /v1/chat/completions (chat) and /v1/completions.
func (s *Server) completion(w http.ResponseWriter, r *http.Request, received time.Time, chat bool) {
	if !methodIs(w, r, http.MethodPost) {
		return
	}
	n := s.requests.Add(1) - 1
	select {
	case <-s.quit:
		writeError(w, http.StatusServiceUnavailable, "ServiceUnavailableError", "simulator is shutting down")
		return
	default:
	}
	fault, err := s.faultFor(n, r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestError", err.Error())
		return
	}
	tr := s.beginTruth(r.Header.Get(RequestIDHeader), received)
	tr.update(func(t *Truth) { t.Fault = fault })
	// Rate limiting and server errors come before the body is read, as
	// they do in front of a real server.
	switch fault {
	case FaultHTTP429:
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "RateLimitError", "simulated rate limit (X-Sim-Fault: 429)")
		return
	case FaultHTTP503:
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "ServiceUnavailableError", "simulated overload (X-Sim-Fault: 503)")
		return
	case FaultHTTP500:
		writeError(w, http.StatusInternalServerError, "InternalServerError", "simulated server error (X-Sim-Fault: 500)")
		return
	case FaultHTML:
		writeHTML(w) // a page in front of the server: the request never reaches it
		return
	}
	req, err := parseRequest(r, chat)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestError", err.Error())
		return
	}
	gen := s.plan(&req, tr)
	x := exchange{
		s: s, w: w, ctx: r.Context(), received: received, req: req, tr: tr, fault: fault,
		gen: gen,
		id:  responseID(chat, s.opts.Seed, n),
	}
	if req.stream {
		x.stream()
	} else {
		x.whole()
	}
}

// plan decides req's answer before its first token: how many of a chat
// answer's first tokens are reasoning (the profile's share of max_tokens
// rounded down), and where a stop string ends it (planAnswer; the
// reasoning then keeps only the tokens sent). It records the plan in the
// truth and returns the answer's token generator.
func (s *Server) plan(req *request, tr *truthRec) tokenGen {
	gen := newTokenGen(s.opts.Seed, req.promptText)
	req.planAnswer(gen)
	if req.chat {
		req.reasoning = min(int(s.opts.Profile.ReasoningShare*float64(req.maxTokens)), req.tokens)
	}
	tr.update(func(t *Truth) {
		t.InputTokens, t.ReasoningTokens, t.StopString = req.inputTokens, req.reasoning, req.stopped
	})
	return gen
}

// usage is the usage object of the whole answer, cached prompt tokens
// included.
func (x *exchange) usage(cached int) usage {
	u := usage{PromptTokens: x.req.inputTokens, CompletionTokens: x.req.tokens, TotalTokens: x.req.inputTokens + x.req.tokens}
	if x.s.cache != nil {
		u.PromptTokensDetails = &promptDetails{CachedTokens: cached}
	}
	if x.req.chat && x.s.opts.Profile.ReasoningShare > 0 {
		u.CompletionTokensDetails = &completionDetails{ReasoningTokens: x.req.reasoning}
	}
	return u
}

// texts is the whole answer as sent: its reasoning (chat only) and its
// content.
func (x *exchange) texts() (reasoning, content string) {
	var b strings.Builder
	for i := range x.req.tokens {
		if i == x.req.reasoning {
			reasoning = b.String()
			b.Reset()
		}
		b.WriteString(x.req.tokenText(x.gen, i))
	}
	if x.req.reasoning == x.req.tokens {
		return b.String(), ""
	}
	return reasoning, b.String()
}

// cacheAnswer is the end of a completed generation: the prefix cache
// keeps the blocks of the prompt followed by the answer, hashed as the
// next turn's prompt will be when it resends the answer as the client
// received it (a chat answer as an assistant message, a completions
// answer as the continuation of its prompt). The tokens are those
// generated, reasoning first: vLLM caches the reasoning's KV too, so a
// next turn that resends only the content shares the prompt's blocks and
// no more. It records the whole tokens stored in the truth.
func (x *exchange) cacheAnswer() {
	if x.s.cache == nil || !x.req.continues {
		return
	}
	b := x.req.prefix
	b.blocks = slices.Clone(b.blocks)
	reasoning, content := x.texts()
	if x.req.chat {
		b.addWords("assistant", reasoning+content)
	} else {
		b.addMore(content)
	}
	x.s.cache.store(b.blocks)
	x.tr.update(func(t *Truth) { t.StoredTokens = len(b.blocks) * cacheBlock })
}

// firstToken records what the prefix cache spared, once token 0 is due.
func (x *exchange) firstToken(pc pacer) {
	cached := pc.cachedTokens()
	x.tr.update(func(t *Truth) { t.CachedTokens = cached })
}

// responseID is the id of response n, deterministic under the seed.
func responseID(chat bool, seed int64, n int64) string {
	prefix := "cmpl-"
	if chat {
		prefix = "chatcmpl-"
	}
	return prefix + fmt.Sprintf("%016x", splitmix64(uint64(seed)^uint64(n)))
}

// exchange is one completion request being answered.
type exchange struct {
	s        *Server
	w        http.ResponseWriter
	ctx      context.Context
	received time.Time
	req      request
	tr       *truthRec
	fault    Fault
	gen      tokenGen
	id       string
}

// start begins the token schedule; if it cannot (client gone, server
// closing) it has answered and returns nil.
func (x *exchange) start() pacer {
	pc, err := x.s.newPacer(x.ctx, x.received, x.req)
	if err != nil {
		if errors.Is(err, errClosed) {
			writeError(x.w, http.StatusServiceUnavailable, "ServiceUnavailableError", "simulator is shutting down")
		}
		return nil
	}
	return pc
}

// stall holds the response open until the client goes away or the server
// closes.
func (x *exchange) stall() {
	select {
	case <-x.ctx.Done():
	case <-x.s.quit:
	}
}

// stream answers with server-sent events, one per token, each flushed as
// soon as the profile releases its token.
func (x *exchange) stream() {
	var pc pacer
	if x.fault != FaultStall {
		if pc = x.start(); pc == nil {
			return
		}
	}
	rc := http.NewResponseController(x.w)
	h := x.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	var zw *gzip.Writer
	if x.fault == FaultGzip {
		// Each event is flushed through the compressor too, as a
		// compressing proxy that knows SSE does.
		h.Set("Content-Encoding", "gzip")
		zw = gzip.NewWriter(x.w)
	}
	send := func(b []byte) error {
		var err error
		if zw != nil {
			if _, err = zw.Write(b); err == nil {
				err = zw.Flush()
			}
		} else {
			_, err = x.w.Write(b)
		}
		if err != nil {
			return err
		}
		return rc.Flush()
	}
	x.w.WriteHeader(http.StatusOK)
	enc := newEncoder(x.req.chat, x.id, x.received.Unix(), x.s.opts.Model)
	// The role chunk goes out at once, before any token, so a client that
	// wrongly counts it as the first token measures a visibly wrong TTFT.
	if x.req.chat {
		if send(enc.role()) != nil {
			return
		}
	} else if rc.Flush() != nil {
		return
	}
	if x.fault == FaultStall {
		x.stall()
		return
	}
	tokens, faultAt := x.req.tokens, faultPoint(x.req.tokens)
	// An endless stream and one cut short never say why they stop.
	finishes := x.fault != FaultEndless && x.fault != FaultCutShort
	enc.stopReason = x.req.stopped
	for i := range tokens {
		if pc.wait(x.ctx, i) != nil {
			return // the client left (its sequence leaves the batch next step) or the server closed
		}
		if i == 0 {
			x.firstToken(pc)
		}
		finish := ""
		if finishes && i == tokens-1 {
			finish = x.req.finishReason()
		}
		ev := enc.token(x.req.tokenText(x.gen, i), i < x.req.reasoning, finish)
		var err error
		if x.fault == FaultDrip && i+1 == faultAt {
			err = drip(x.ctx, x.w, ev)
		} else {
			err = send(ev)
		}
		if err != nil {
			return
		}
		x.tr.chunk(1)
		if i+1 != faultAt {
			continue
		}
		switch x.fault {
		case FaultCutMidStream:
			// Aborts the connection: no terminating chunk, no [DONE].
			panic(http.ErrAbortHandler)
		case FaultReset:
			resetConn(x.w)
			return
		case FaultCutShort:
			// Returning ends the chunked body cleanly: a server's own end,
			// without finish_reason, usage or [DONE].
			return
		case FaultMalformedChunk:
			if send(eventMalformed) != nil {
				return
			}
		case FaultErrorInStream:
			if send(eventError) == nil {
				send(eventDone)
			}
			return
		}
	}
	if x.fault == FaultEndless {
		x.endless(send, enc, tokens)
		return
	}
	x.cacheAnswer()
	if x.req.includeUsage {
		if send(enc.usage(x.usage(pc.cachedTokens()))) != nil {
			return
		}
	}
	// Completed is set before [DONE] leaves, so a client that has read
	// [DONE] always finds the record final.
	x.tr.update(func(t *Truth) { t.Completed = true })
	if send(eventDone) != nil {
		x.tr.update(func(t *Truth) { t.Completed = false })
		return
	}
	if x.fault == FaultAfterDone {
		if send(eventsAfterDone) != nil {
			return
		}
	}
	if zw != nil && zw.Close() == nil {
		rc.Flush()
	}
}

// endless goes on sending tokens from token from, at the profile's pace,
// until the client goes away or the server closes.
func (x *exchange) endless(send func([]byte) error, enc *encoder, from int) {
	gap := x.s.opts.Profile.endlessGap()
	t := time.NewTimer(gap)
	defer t.Stop()
	for i := from; ; i++ {
		select {
		case <-t.C:
		case <-x.ctx.Done():
			return
		case <-x.s.quit:
			return
		}
		if send(enc.token(x.gen.text(i), false, "")) != nil {
			return
		}
		x.tr.chunk(1)
		t.Reset(gap)
	}
}

// whole answers a non-streaming request once every token is due.
func (x *exchange) whole() {
	if x.fault == FaultStall {
		x.w.Header().Set("Content-Type", "application/json")
		x.w.WriteHeader(http.StatusOK)
		http.NewResponseController(x.w).Flush()
		x.stall()
		return
	}
	if x.fault == FaultEndless {
		x.endlessWhole()
		return
	}
	pc := x.start()
	if pc == nil {
		return
	}
	tokens := x.req.tokens
	if pc.wait(x.ctx, tokens-1) != nil {
		return
	}
	x.firstToken(pc)
	reasoning, text := x.texts()
	body := wholeBody(x.req.chat, x.id, x.received.Unix(), x.s.opts.Model, reasoning, text, x.req.finishReason(), x.req.stopped, x.usage(pc.cachedTokens()))
	switch x.fault {
	case FaultErrorInStream:
		writeError(x.w, http.StatusInternalServerError, "InternalServerError", "simulated error (X-Sim-Fault: error)")
		return
	case FaultMalformedChunk:
		writeMalformed(x.w)
		return
	case FaultCutMidStream:
		writeCut(x.w, body)
	case FaultReset:
		resetConn(x.w) // the answer never comes
		return
	case FaultCutShort:
		writeShort(x.w, body)
		return
	case FaultGzip:
		x.cacheAnswer()
		stampWhole(x.tr, tokens)
		z := gzipBytes(body)
		x.w.Header().Set("Content-Encoding", "gzip")
		writeBody(x.w, z)
		return
	case FaultDrip:
		x.cacheAnswer()
		stampWhole(x.tr, tokens)
		x.w.Header().Set("Content-Type", "application/json")
		x.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		x.w.WriteHeader(http.StatusOK)
		drip(x.ctx, x.w, body)
		return
	}
	x.cacheAnswer()
	writeWhole(x.w, x.tr, body, tokens)
}

// endlessWhole answers 200 and then a blank every gap, forever: bytes keep
// coming, the JSON never does, until the client goes away.
func (x *exchange) endlessWhole() {
	x.w.Header().Set("Content-Type", "application/json")
	x.w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(x.w)
	gap := x.s.opts.Profile.endlessGap()
	t := time.NewTimer(gap)
	defer t.Stop()
	for {
		if _, err := x.w.Write([]byte(" ")); err != nil || rc.Flush() != nil {
			return
		}
		select {
		case <-t.C:
		case <-x.ctx.Done():
			return
		case <-x.s.quit:
			return
		}
		t.Reset(gap)
	}
}

// The whole-body answers below are shared by the OpenAI and the SageMaker
// routes.

// writeMalformed answers 200 with a body that is not JSON.
func writeMalformed(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("{not json"))
}

// writeCut promises the whole body, sends half and aborts the connection:
// the client sees an unexpected EOF.
func writeCut(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body[:len(body)/2])
	http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

// writeShort promises half the body and sends it, then ends cleanly: the
// client sees a well-framed response whose JSON stops in the middle.
func writeShort(w http.ResponseWriter, body []byte) {
	writeBody(w, body[:len(body)/2])
}

// writeWhole answers with the whole body. The truth is stamped just before
// the write, so a client that has read the body always finds it final.
func writeWhole(w http.ResponseWriter, tr *truthRec, body []byte, tokens int) {
	stampWhole(tr, tokens)
	writeBody(w, body)
}

// stampWhole records a whole answer of tokens in the truth.
func stampWhole(tr *truthRec, tokens int) {
	tr.update(func(t *Truth) {
		t.Chunks = append(t.Chunks, time.Now())
		t.OutputTokens = tokens
		t.Completed = true
	})
}

// writeBody answers 200 application/json with body, its length declared.
func writeBody(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
