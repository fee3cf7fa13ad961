package simllm

import (
	"fmt"
	"net/http"
	"strings"
)

// Fault is a failure the server injects into one response.
type Fault int

// Faults. The mid-stream ones act after half of max_tokens (rounded up,
// so at least one token) has been sent. What each does to a non-streamed
// answer is said in brackets.
const (
	FaultNone           Fault = iota
	FaultHTTP429              // 429 with an OpenAI error body and Retry-After: 1
	FaultHTTP500              // 500 with an OpenAI error body
	FaultCutMidStream         // some token chunks, then the connection is aborted: no [DONE] (half the body, then abort)
	FaultMalformedChunk       // a `data: {not json` event mid-stream, then the stream goes on normally (a 200 body that is not JSON)
	FaultStall                // headers (and the chat role chunk), then nothing until the client goes away
	FaultErrorInStream        // a `data: {"error":{...}}` event mid-stream, then [DONE] as vLLM does (a 500)
	FaultHTTP503              // 503 with an OpenAI error body and Retry-After: 1, an overloaded server
	FaultReset                // some token chunks, then a TCP reset (RST), as a crashed proxy or a killed process gives (a reset instead of the answer)
	FaultHTML                 // 200 text/html: a login page, as a wrong URL or a proxy in front gives
	FaultGzip                 // a valid answer, gzip-encoded with Content-Encoding: gzip although the client did not ask
	FaultEndless              // tokens past max_tokens, never a finish_reason, until the client goes away (blanks until then)
	FaultAfterDone            // a valid stream, then more events and garbage after [DONE] (a valid answer)
	FaultDrip                 // a valid answer whose mid-stream chunk is written one byte at a time, with pauses (the whole body so)
	FaultCutShort             // some token chunks, then a clean end: no finish_reason, no [DONE], as Ollama now and then (a short body, its Content-Length honoured)
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
	FaultHTTP503:        "503",
	FaultReset:          "reset",
	FaultHTML:           "html",
	FaultGzip:           "gzip",
	FaultEndless:        "endless",
	FaultAfterDone:      "after-done",
	FaultDrip:           "drip",
	FaultCutShort:       "cut-short",
}

// Faults lists every fault, FaultNone first.
func Faults() []Fault {
	out := make([]Fault, len(faultNames))
	for i := range out {
		out[i] = Fault(i)
	}
	return out
}

// String returns the X-Sim-Fault header value of f.
func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// ParseFault parses an X-Sim-Fault header value, a Fault's String: none,
// 429, 500, cut, malformed, stall, error, 503, reset, html, gzip, endless,
// after-done, drip or cut-short.
func ParseFault(s string) (Fault, error) {
	for f, name := range faultNames {
		if s == name {
			return Fault(f), nil
		}
	}
	return FaultNone, fmt.Errorf("simllm: parse fault: unknown fault %q (valid: %s)", s, strings.Join(faultNames[:], ", "))
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
