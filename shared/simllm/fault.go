package simllm

import (
	"fmt"
	"net/http"
)

// Fault is a failure the server injects into one response.
type Fault int

// Faults. The mid-stream ones act after half of max_tokens (rounded up,
// so at least one token) has been sent.
const (
	FaultNone           Fault = iota
	FaultHTTP429              // 429 with an OpenAI error body and Retry-After: 1
	FaultHTTP500              // 500 with an OpenAI error body
	FaultCutMidStream         // some token chunks, then the connection is aborted: no [DONE]
	FaultMalformedChunk       // a `data: {not json` event mid-stream, then the stream goes on normally
	FaultStall                // headers (and the chat role chunk), then nothing until the client goes away
	FaultErrorInStream        // a `data: {"error":{...}}` event mid-stream, then [DONE] as vLLM does
)

// FaultHeader is the request header that injects a fault ad hoc; its values
// are those of Fault.String.
const FaultHeader = "X-Sim-Fault"

var faultNames = [...]string{
	FaultNone:           "none",
	FaultHTTP429:        "429",
	FaultHTTP500:        "500",
	FaultCutMidStream:   "cut",
	FaultMalformedChunk: "malformed",
	FaultStall:          "stall",
	FaultErrorInStream:  "error",
}

// String returns the X-Sim-Fault header value of f.
func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// ParseFault parses an X-Sim-Fault header value: none, 429, 500, cut,
// malformed, stall or error.
func ParseFault(s string) (Fault, error) {
	for f, name := range faultNames {
		if s == name {
			return Fault(f), nil
		}
	}
	return FaultNone, fmt.Errorf("simllm: parse fault: unknown fault %q (valid: none, 429, 500, cut, malformed, stall, error)", s)
}

// faultFor decides the fault of request n: the header wins over
// Options.Fault so a person can force one on any server.
func (s *Server) faultFor(n int64, r *http.Request) (Fault, error) {
	if h := r.Header.Get(FaultHeader); h != "" {
		return ParseFault(h)
	}
	if s.opts.Fault != nil {
		return s.opts.Fault(n, r), nil
	}
	return FaultNone, nil
}

// faultPoint is how many tokens are sent before a mid-stream fault acts.
func faultPoint(maxTokens int) int { return (maxTokens + 1) / 2 }
