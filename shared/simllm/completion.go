package simllm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
	case FaultHTTP500:
		writeError(w, http.StatusInternalServerError, "InternalServerError", "simulated server error (X-Sim-Fault: 500)")
		return
	}
	req, err := parseRequest(r, chat)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestError", err.Error())
		return
	}
	tr.update(func(t *Truth) { t.InputTokens = req.inputTokens })
	x := exchange{
		s: s, w: w, ctx: r.Context(), received: received, req: req, tr: tr, fault: fault,
		gen: newTokenGen(s.opts.Seed, req.promptText),
		id:  responseID(chat, s.opts.Seed, n),
	}
	if req.stream {
		x.stream()
	} else {
		x.whole()
	}
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
	send := func(b []byte) error {
		if _, err := x.w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	h := x.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
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
	maxTokens, faultAt := x.req.maxTokens, faultPoint(x.req.maxTokens)
	for i := range maxTokens {
		if pc.wait(x.ctx, i) != nil {
			return // the client left (its sequence leaves the batch next step) or the server closed
		}
		if send(enc.token(x.gen.text(i), i == maxTokens-1)) != nil {
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
	if x.req.includeUsage {
		if send(enc.usage(x.req.inputTokens, maxTokens)) != nil {
			return
		}
	}
	// Completed is set before [DONE] leaves, so a client that has read
	// [DONE] always finds the record final.
	x.tr.update(func(t *Truth) { t.Completed = true })
	if send(eventDone) != nil {
		x.tr.update(func(t *Truth) { t.Completed = false })
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
	pc := x.start()
	if pc == nil {
		return
	}
	maxTokens := x.req.maxTokens
	if pc.wait(x.ctx, maxTokens-1) != nil {
		return
	}
	var text strings.Builder
	for i := range maxTokens {
		text.WriteString(x.gen.text(i))
	}
	body := wholeBody(x.req.chat, x.id, x.received.Unix(), x.s.opts.Model, text.String(), x.req.inputTokens, maxTokens)
	switch x.fault {
	case FaultErrorInStream:
		writeError(x.w, http.StatusInternalServerError, "InternalServerError", "simulated error (X-Sim-Fault: error)")
		return
	case FaultMalformedChunk:
		writeMalformed(x.w)
		return
	case FaultCutMidStream:
		writeCut(x.w, body)
	}
	writeWhole(x.w, x.tr, body, maxTokens)
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

// writeWhole answers with the whole body. The truth is stamped just before
// the write, so a client that has read the body always finds it final.
func writeWhole(w http.ResponseWriter, tr *truthRec, body []byte, tokens int) {
	tr.update(func(t *Truth) {
		t.Chunks = append(t.Chunks, time.Now())
		t.OutputTokens = tokens
		t.Completed = true
	})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
