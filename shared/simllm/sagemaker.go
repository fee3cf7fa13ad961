package simllm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// The server also speaks the SageMaker runtime API, as a real-time endpoint
// whose container is LMI (vLLM) or TGI:
//
//	POST /endpoints/{name}/invocations                   (InvokeEndpoint)
//	POST /endpoints/{name}/invocations-response-stream   (InvokeEndpointWithResponseStream)
//
// so the AWS SDK, pointed at the server with BaseEndpoint, works unchanged.
// Request signatures are not checked; the X-Amzn-SageMaker-Inference-Component
// and -Target-Variant headers are accepted (the variant is echoed in
// x-Amzn-Invoked-Production-Variant).
//
// The payload format is SageMakerOptions.Format when set, else read from the
// body's keys: "messages" → chat, "inputs" with "parameters.details": true →
// tgi, other "inputs" → lmi. The response-stream path always streams (the
// body's "stream" flag is not needed); the invocations path always answers
// whole. Streams are AWS event-stream frames (Content-Type
// application/vnd.amazon.eventstream), each a PayloadPart event carrying
// bytes of the container's output:
//
//	chat: chat.completion.chunk JSON lines, no "data: " (LMI strips it): a role
//	      line, one line per token, a usage line when stream_options asked for
//	      it, then [DONE]
//	lmi:  {"token":{"id":…,"text":…,"log_prob":…}} lines; the last adds
//	      "generated_text" and "details" {finish_reason, generated_tokens, inputs}
//	tgi:  data:{"index":…,"token":{"id":…,"text":…,"logprob":…,"special":false},"generated_text":null,"details":null}
//	      events (blank-line separated); the last carries generated_text and
//	      details {finish_reason, generated_tokens, input_length, seed}
//
// By default each line is one PayloadPart; SageMakerOptions.Parts splits
// every line across two parts, or merges several lines into one, as
// SageMaker does with real containers. Timing comes from the same pacer as
// the OpenAI endpoints, and Truth is recorded the same way, keyed by
// X-Request-Id or, since real SageMaker drops unknown headers, by the
// request's InferenceId (X-Amzn-SageMaker-Inference-Id). A token line's
// truth stamp is the flush of the part that completes it.

// SageMaker request and response headers.
const (
	SageMakerInferenceIDHeader = "X-Amzn-SageMaker-Inference-Id"
	SageMakerComponentHeader   = "X-Amzn-SageMaker-Inference-Component"
	SageMakerVariantHeader     = "X-Amzn-SageMaker-Target-Variant"
	// SageMakerFaultHeader injects a SageMakerFault ad hoc (curl); it wins
	// over SageMakerOptions.Fault and over the generic faults.
	SageMakerFaultHeader = "X-Sim-SageMaker-Fault"
)

// SageMaker payload formats (the values of spec.Target.Format).
const (
	SageMakerChat = "chat"
	SageMakerLMI  = "lmi"
	SageMakerTGI  = "tgi"
)

// PartMode says how stream lines map to PayloadParts.
type PartMode int

// Part modes.
const (
	PartsPerLine PartMode = iota // one line (with its terminator) per PayloadPart
	PartsSplit                   // every line split in the middle across two PayloadParts
	PartsMerge                   // MergeLines consecutive lines per PayloadPart (the group leaves when its last line is due)
)

// SageMakerOptions configure the SageMaker endpoints of a Server.
type SageMakerOptions struct {
	Format     string   // SageMakerChat, SageMakerLMI or SageMakerTGI; "" reads it from the body
	Parts      PartMode // how lines map to PayloadParts
	MergeLines int      // lines per part with PartsMerge; < 2 means 3
	// Fault, if set, picks a SageMaker fault for request n (counted with
	// the OpenAI endpoints' requests). SageMakerFaultNone falls back to the
	// generic faults (X-Sim-Fault, Options.Fault), mapped to their SageMaker
	// equivalents: 429 → throttling, 500 → model-error, error →
	// model-stream-error, cut, malformed and stall as themselves.
	Fault func(n int64, r *http.Request) SageMakerFault
}

// SageMakerFault is a failure injected into a SageMaker response.
type SageMakerFault string

// SageMaker faults. The mid-stream ones act after half of the tokens
// (rounded up), as the generic ones do.
const (
	SageMakerFaultNone                  SageMakerFault = ""
	SageMakerFaultThrottling            SageMakerFault = "throttling"              // 429 ThrottlingException
	SageMakerFaultValidation            SageMakerFault = "validation"              // 400 ValidationError
	SageMakerFaultModelError            SageMakerFault = "model-error"             // 424 ModelError, OriginalStatusCode 500
	SageMakerFaultModelNotReady         SageMakerFault = "model-not-ready"         // 429 ModelNotReadyException
	SageMakerFaultUnavailable           SageMakerFault = "unavailable"             // 503 ServiceUnavailable
	SageMakerFaultModelStreamError      SageMakerFault = "model-stream-error"      // an exception frame ModelStreamError (StreamBroken) mid-stream
	SageMakerFaultInternalStreamFailure SageMakerFault = "internal-stream-failure" // an exception frame InternalStreamFailure mid-stream
	SageMakerFaultErrorLine             SageMakerFault = "error-line"              // the container's own error line mid-stream, then the stream ends
	SageMakerFaultCut                   SageMakerFault = "cut"                     // the connection is aborted in the middle of a frame
	SageMakerFaultMalformed             SageMakerFault = "malformed"               // a "{not json" line mid-stream, then the stream goes on
	SageMakerFaultStall                 SageMakerFault = "stall"                   // headers, then nothing until the client goes away
)

var sageMakerFaults = []SageMakerFault{
	SageMakerFaultNone, SageMakerFaultThrottling, SageMakerFaultValidation, SageMakerFaultModelError,
	SageMakerFaultModelNotReady, SageMakerFaultUnavailable, SageMakerFaultModelStreamError,
	SageMakerFaultInternalStreamFailure, SageMakerFaultErrorLine, SageMakerFaultCut,
	SageMakerFaultMalformed, SageMakerFaultStall,
}

// ParseSageMakerFault parses an X-Sim-SageMaker-Fault value.
func ParseSageMakerFault(s string) (SageMakerFault, error) {
	for _, f := range sageMakerFaults {
		if s == string(f) && s != "" {
			return f, nil
		}
	}
	if s == "none" {
		return SageMakerFaultNone, nil
	}
	names := make([]string, 0, len(sageMakerFaults))
	for _, f := range sageMakerFaults[1:] {
		names = append(names, string(f))
	}
	return SageMakerFaultNone, fmt.Errorf("simllm: parse sagemaker fault: unknown fault %q (valid: none, %s)", s, strings.Join(names, ", "))
}

// generic is the Fault recorded in Truth: the closest generic fault.
func (f SageMakerFault) generic() Fault {
	switch f {
	case SageMakerFaultThrottling, SageMakerFaultModelNotReady:
		return FaultHTTP429
	case SageMakerFaultModelError, SageMakerFaultUnavailable, SageMakerFaultValidation:
		return FaultHTTP500
	case SageMakerFaultModelStreamError, SageMakerFaultInternalStreamFailure, SageMakerFaultErrorLine:
		return FaultErrorInStream
	case SageMakerFaultCut:
		return FaultCutMidStream
	case SageMakerFaultMalformed:
		return FaultMalformedChunk
	case SageMakerFaultStall:
		return FaultStall
	}
	return FaultNone
}

// sageMakerFaultFor picks request n's fault: the header, then
// SageMakerOptions.Fault, then the generic faults.
func (s *Server) sageMakerFaultFor(n int64, r *http.Request) (SageMakerFault, error) {
	if h := r.Header.Get(SageMakerFaultHeader); h != "" {
		return ParseSageMakerFault(h)
	}
	if fn := s.opts.SageMaker.Fault; fn != nil {
		if f := fn(n, r); f != SageMakerFaultNone {
			return f, nil
		}
	}
	f, err := s.faultFor(n, r)
	if err != nil {
		return SageMakerFaultNone, err
	}
	switch f {
	case FaultHTTP429:
		return SageMakerFaultThrottling, nil
	case FaultHTTP500:
		return SageMakerFaultModelError, nil
	case FaultErrorInStream:
		return SageMakerFaultModelStreamError, nil
	case FaultCutMidStream:
		return SageMakerFaultCut, nil
	case FaultMalformedChunk:
		return SageMakerFaultMalformed, nil
	case FaultStall:
		return SageMakerFaultStall, nil
	case FaultHTTP503:
		return SageMakerFaultUnavailable, nil
	case FaultReset:
		return SageMakerFaultCut, nil // the nearest: the connection dies mid-stream
	}
	// The other faults act on an HTTP API that the SDK hides (a page, a
	// content coding, the stream's framing): none of their own here.
	return SageMakerFaultNone, nil
}

// SageMakerEndpoint is the base URL to give the AWS SDK (BaseEndpoint):
// http://host:port, without the /v1 of URL.
func (rs *Running) SageMakerEndpoint() string { return "http://" + rs.Addr }

// sageMakerRoute splits /endpoints/{name}/{op}.
func sageMakerRoute(path string) (name string, stream, ok bool) {
	rest, ok := strings.CutPrefix(path, "/endpoints/")
	if !ok {
		return "", false, false
	}
	i := strings.LastIndexByte(rest, '/')
	if i <= 0 || strings.Contains(rest[:i], "/") {
		return "", false, false
	}
	switch rest[i+1:] {
	case "invocations":
		return rest[:i], false, true
	case "invocations-response-stream":
		return rest[:i], true, true
	}
	return "", false, false
}

// sageMakerAccount is the account id in simulated ARNs and messages.
const sageMakerAccount = "123456789012"

// sagemaker serves the two SageMaker runtime routes.
func (s *Server) sagemaker(w http.ResponseWriter, r *http.Request, received time.Time) {
	name, streamPath, ok := sageMakerRoute(r.URL.Path)
	if !ok {
		writeSageMakerError(w, http.StatusNotFound, "UnknownOperationException", fmt.Sprintf("no route %s %s", r.Method, r.URL.Path), nil)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeSageMakerError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", fmt.Sprintf("%s %s: use POST", r.Method, r.URL.Path), nil)
		return
	}
	n := s.requests.Add(1) - 1
	select {
	case <-s.quit:
		writeSageMakerError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "simulator is shutting down", nil)
		return
	default:
	}
	fault, err := s.sageMakerFaultFor(n, r)
	if err != nil {
		writeSageMakerError(w, http.StatusBadRequest, "ValidationError", err.Error(), nil)
		return
	}
	id := r.Header.Get(RequestIDHeader)
	if id == "" {
		id = r.Header.Get(SageMakerInferenceIDHeader)
	}
	tr := s.beginTruth(id, received)
	tr.update(func(t *Truth) { t.Fault = fault.generic() })
	variant := r.Header.Get(SageMakerVariantHeader)
	if variant == "" {
		variant = "AllTraffic"
	}
	w.Header().Set("x-Amzn-Invoked-Production-Variant", variant)
	// Service-side failures come before the body reaches the container.
	switch fault {
	case SageMakerFaultThrottling:
		writeSageMakerError(w, http.StatusTooManyRequests, "ThrottlingException", "Rate exceeded (simulated)", nil)
		return
	case SageMakerFaultModelNotReady:
		writeSageMakerError(w, http.StatusTooManyRequests, "ModelNotReadyException", "Model is not ready for inference (simulated)", nil)
		return
	case SageMakerFaultUnavailable:
		writeSageMakerError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Service unavailable (simulated)", nil)
		return
	case SageMakerFaultValidation:
		writeSageMakerError(w, http.StatusBadRequest, "ValidationError",
			fmt.Sprintf("Endpoint %s of account %s not found (simulated).", name, sageMakerAccount), nil)
		return
	}
	req, format, err := s.parseSageMakerRequest(r)
	if err != nil {
		// The container rejects the body: SageMaker relays that as a
		// ModelError with the container's status.
		writeModelError(w, name, http.StatusBadRequest, err.Error())
		return
	}
	gen := s.plan(&req, tr)
	if fault == SageMakerFaultModelError {
		writeModelError(w, name, http.StatusInternalServerError, "simulated container error")
		return
	}
	x := &smExchange{
		exchange: exchange{
			s: s, w: w, ctx: r.Context(), received: received, req: req, tr: tr,
			fault: fault.generic(),
			gen:   gen,
			id:    responseID(true, s.opts.Seed, n),
		},
		format:   format,
		smFault:  fault,
		endpoint: name,
	}
	if streamPath {
		x.stream()
	} else {
		x.whole()
	}
}

// smWire is the union of the request bodies of the three formats.
type smWire struct {
	Messages   []wireMessage   `json:"messages"`
	Inputs     json.RawMessage `json:"inputs"`
	Parameters *struct {
		MaxNewTokens *int `json:"max_new_tokens"`
		Details      bool `json:"details"`
		// lmi passes these on to vLLM's SamplingParams; tgi reads stop.
		Stop           json.RawMessage `json:"stop"`
		StopSequences  json.RawMessage `json:"stop_sequences"` // LMI's documented name, an alias of stop here
		MinTokens      *int            `json:"min_tokens"`
		IgnoreEOSToken bool            `json:"ignore_eos_token"`
	} `json:"parameters"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	MinTokens           *int            `json:"min_tokens"`
	IgnoreEOS           bool            `json:"ignore_eos"`
	Stop                json.RawMessage `json:"stop"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// parseSageMakerRequest reads the body and decides its format.
func (s *Server) parseSageMakerRequest(r *http.Request) (request, string, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err != nil {
		return request{}, "", fmt.Errorf("reading body: %w", err)
	}
	var wr smWire
	if err := json.Unmarshal(body, &wr); err != nil {
		return request{}, "", fmt.Errorf("invalid JSON body: %w", err)
	}
	format := s.opts.SageMaker.Format
	if format == "" {
		switch {
		case wr.Messages != nil:
			format = SageMakerChat
		case wr.Inputs != nil && wr.Parameters != nil && wr.Parameters.Details:
			format = SageMakerTGI
		case wr.Inputs != nil:
			format = SageMakerLMI
		default:
			return request{}, "", errors.New(`body must have "messages" (chat) or "inputs" (lmi, tgi)`)
		}
	}
	req := request{chat: format == SageMakerChat, stream: true, maxTokens: defaultMaxTokens}
	switch {
	case format == SageMakerChat:
		if wr.StreamOptions != nil {
			req.includeUsage = wr.StreamOptions.IncludeUsage
		}
		switch {
		case wr.MaxCompletionTokens != nil:
			req.maxTokens = *wr.MaxCompletionTokens
		case wr.MaxTokens != nil:
			req.maxTokens = *wr.MaxTokens
		}
		err = req.readMessages(wr.Messages)
	case format == SageMakerLMI || format == SageMakerTGI:
		if wr.Parameters != nil && wr.Parameters.MaxNewTokens != nil {
			req.maxTokens = *wr.Parameters.MaxNewTokens
		}
		err = req.readInputs(wr.Inputs)
	default:
		return request{}, "", fmt.Errorf("simulator format %q is not chat, lmi or tgi", format)
	}
	if err != nil {
		return request{}, "", err
	}
	if req.maxTokens < 1 || req.maxTokens > maxMaxTokens {
		return request{}, "", fmt.Errorf("max tokens must be between 1 and %d, got %d", maxMaxTokens, req.maxTokens)
	}
	if err := req.readSageMakerLimits(format, &wr); err != nil {
		return request{}, "", err
	}
	return req, format, nil
}

// readSageMakerLimits reads min_tokens, ignore_eos and the stop strings
// where each format has them: chat at the top level, as vLLM's OpenAI
// schema; lmi in "parameters", which LMI hands to vLLM's SamplingParams
// (stop, or LMI's older stop_sequences); tgi's parameters.stop, a list,
// under TGI's own rule (stopTGI). maxTokens must be set.
func (req *request) readSageMakerLimits(format string, wr *smWire) error {
	var err error
	req.stopRule = stopVLLM
	switch format {
	case SageMakerChat:
		if err := req.readMinTokens(wr.MinTokens, wr.IgnoreEOS); err != nil {
			return err
		}
		req.stops, err = parseStop(wr.Stop)
	case SageMakerLMI:
		if p := wr.Parameters; p != nil {
			if err := req.readMinTokens(p.MinTokens, p.IgnoreEOSToken); err != nil {
				return err
			}
			raw := p.Stop
			if len(raw) == 0 || string(raw) == "null" {
				raw = p.StopSequences
			}
			req.stops, err = parseStop(raw)
		}
	case SageMakerTGI:
		req.stopRule = stopTGI
		if p := wr.Parameters; p != nil {
			req.stops, err = parseStopList(p.Stop)
		}
	}
	return err
}

// readInputs accepts "inputs" as a string or a list of one string.
func (req *request) readInputs(raw json.RawMessage) error {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var ss []string
		if json.Unmarshal(raw, &ss) != nil || len(ss) != 1 {
			return errors.New(`"inputs" must be a string or a list of one string`)
		}
		s = ss[0]
	}
	req.readText(s)
	return nil
}

// smExchange is one SageMaker request being answered.
type smExchange struct {
	exchange
	format   string
	smFault  SageMakerFault
	endpoint string
}

// begin starts the token schedule; if it cannot it has answered and
// returns nil.
func (x *smExchange) begin() pacer {
	pc, err := x.s.newPacer(x.ctx, x.received, x.req)
	if err != nil {
		if errors.Is(err, errClosed) {
			writeSageMakerError(x.w, http.StatusServiceUnavailable, "ServiceUnavailable", "simulator is shutting down", nil)
		}
		return nil
	}
	return pc
}

// stream answers InvokeEndpointWithResponseStream.
func (x *smExchange) stream() {
	var pc pacer
	if x.smFault != SageMakerFaultStall {
		if pc = x.begin(); pc == nil {
			return
		}
	}
	merge := x.s.opts.SageMaker.MergeLines
	if merge < 2 {
		merge = 3
	}
	pw := &partWriter{
		w: x.w, rc: http.NewResponseController(x.w), enc: eventstream.NewEncoder(),
		mode: x.s.opts.SageMaker.Parts, merge: merge, tr: x.tr,
	}
	h := x.w.Header()
	h.Set("Content-Type", "application/vnd.amazon.eventstream")
	if x.format == SageMakerTGI {
		h.Set("X-Amzn-SageMaker-Content-Type", "text/event-stream")
	} else {
		h.Set("X-Amzn-SageMaker-Content-Type", "application/jsonlines")
	}
	x.w.WriteHeader(http.StatusOK)
	le := newSMLineEncoder(x.format, x.id, x.received.Unix(), x.s.opts.Model, x.req, x.gen)
	if x.format == SageMakerChat {
		if pw.line(le.role(), 0) != nil {
			return
		}
	}
	if pw.rc.Flush() != nil {
		return
	}
	if x.smFault == SageMakerFaultStall {
		if pw.flush() == nil {
			x.stall()
		}
		return
	}
	tokens, faultAt := x.req.tokens, faultPoint(x.req.tokens)
	for i := range tokens {
		if pc.wait(x.ctx, i) != nil {
			return
		}
		if i == 0 {
			x.firstToken(pc)
		}
		last := i == tokens-1
		if last && x.format != SageMakerChat {
			// The final line ends lmi and tgi streams.
			x.cacheAnswer()
			x.tr.update(func(t *Truth) { t.Completed = true })
		}
		if pw.line(le.token(i, last), 1) != nil {
			x.tr.update(func(t *Truth) { t.Completed = false })
			return
		}
		if i+1 != faultAt || x.smFault == SageMakerFaultNone {
			continue
		}
		if x.smFault != SageMakerFaultMalformed {
			x.tr.update(func(t *Truth) { t.Completed = false })
		}
		switch x.smFault {
		case SageMakerFaultCut:
			if pw.flush() == nil {
				pw.cut()
			}
			return
		case SageMakerFaultMalformed:
			if pw.line([]byte("{not json\n"), 0) != nil {
				return
			}
		case SageMakerFaultModelStreamError:
			if pw.flush() == nil {
				pw.exception("ModelStreamError", fmt.Appendf(nil,
					`{"Message":"Your model's stream was broken after %d tokens (simulated).","ErrorCode":"StreamBroken"}`, i+1))
			}
			return
		case SageMakerFaultInternalStreamFailure:
			if pw.flush() == nil {
				pw.exception("InternalStreamFailure", []byte(`{"Message":"Internal stream failure (simulated)."}`))
			}
			return
		case SageMakerFaultErrorLine:
			if pw.line(le.errorLine(i+1), 0) == nil {
				pw.flush()
			}
			return
		}
	}
	if x.format == SageMakerChat {
		x.cacheAnswer()
		if x.req.includeUsage {
			if pw.line(le.usage(x.usage(pc.cachedTokens())), 0) != nil {
				return
			}
		}
		x.tr.update(func(t *Truth) { t.Completed = true })
		if pw.line([]byte("[DONE]\n"), 0) != nil {
			x.tr.update(func(t *Truth) { t.Completed = false })
			return
		}
	}
	if pw.flush() != nil {
		x.tr.update(func(t *Truth) { t.Completed = false })
	}
}

// whole answers InvokeEndpoint once every token is due.
func (x *smExchange) whole() {
	switch x.smFault {
	case SageMakerFaultStall:
		x.w.Header().Set("Content-Type", "application/json")
		x.w.WriteHeader(http.StatusOK)
		http.NewResponseController(x.w).Flush()
		x.stall()
		return
	case SageMakerFaultModelStreamError, SageMakerFaultInternalStreamFailure, SageMakerFaultErrorLine:
		// There is no stream to break: the container's error is a ModelError.
		writeModelError(x.w, x.endpoint, http.StatusInternalServerError, "simulated error during generation")
		return
	}
	pc := x.begin()
	if pc == nil {
		return
	}
	tokens := x.req.tokens
	if pc.wait(x.ctx, tokens-1) != nil {
		return
	}
	x.firstToken(pc)
	reasoning, text := x.texts() // reasoning is "" but for chat
	var body []byte
	switch x.format {
	case SageMakerChat:
		body = wholeBody(true, x.id, x.received.Unix(), x.s.opts.Model, reasoning, text, x.req.finishReason(), "", x.usage(pc.cachedTokens()))
	case SageMakerTGI:
		body = fmt.Appendf(nil, `[{"generated_text":%s,"details":{"finish_reason":%q,"generated_tokens":%d,"seed":null,"prefill":[],"tokens":[]}}]`,
			jsonString(text), x.req.containerFinish(), tokens)
	default:
		body = fmt.Appendf(nil, `{"generated_text":%s}`, jsonString(text))
	}
	switch x.smFault {
	case SageMakerFaultMalformed:
		writeMalformed(x.w)
		return
	case SageMakerFaultCut:
		writeCut(x.w, body)
	}
	x.cacheAnswer()
	writeWhole(x.w, x.tr, body, tokens)
}

// containerFinish is the finish_reason of LMI's and TGI's details.
func (req *request) containerFinish() string {
	if req.stopped != "" {
		return "stop_sequence"
	}
	return "length"
}

// writeSageMakerError answers with a restJson1 error: X-Amzn-ErrorType
// names the error shape, the body holds its members ("Message", …).
func writeSageMakerError(w http.ResponseWriter, status int, typ, msg string, extra map[string]any) {
	body := map[string]any{"Message": msg}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("X-Amzn-ErrorType", typ)
	writeJSON(w, status, body)
}

// writeModelError relays a container error as SageMaker does: 424
// ModelError with the container's status and message.
func writeModelError(w http.ResponseWriter, endpoint string, status int, msg string) {
	writeSageMakerError(w, http.StatusFailedDependency, "ModelError",
		fmt.Sprintf("Received server error (%d) from primary with message %q. See CloudWatch logs in account %s for more information.", status, msg, sageMakerAccount),
		map[string]any{
			"OriginalStatusCode": status,
			"OriginalMessage":    msg,
			"LogStreamArn":       fmt.Sprintf("arn:aws:logs:us-east-1:%s:log-group:/aws/sagemaker/Endpoints/%s", sageMakerAccount, endpoint),
		})
}

// Event-stream headers of the frames the server sends.
var (
	payloadPartHeaders = eventstream.Headers{
		{Name: ":message-type", Value: eventstream.StringValue("event")},
		{Name: ":event-type", Value: eventstream.StringValue("PayloadPart")},
		{Name: ":content-type", Value: eventstream.StringValue("application/octet-stream")},
	}
)

// partWriter frames lines as PayloadPart events and stamps the truth of
// token lines when the part completing them has been flushed.
type partWriter struct {
	w     io.Writer
	rc    *http.ResponseController
	enc   *eventstream.Encoder
	frame bytes.Buffer
	mode  PartMode
	merge int
	tr    *truthRec

	pending       []byte // PartsMerge: lines not sent yet
	pendingLines  int
	pendingTokens int
}

// line sends one line (its terminator included) that carries tokenLines
// (0 or 1) token-bearing lines. b may be reused by the caller afterwards.
func (p *partWriter) line(b []byte, tokenLines int) error {
	switch p.mode {
	case PartsSplit:
		if half := len(b) / 2; half > 0 {
			if err := p.part(b[:half]); err != nil {
				return err
			}
			b = b[half:]
		}
		if err := p.part(b); err != nil {
			return err
		}
		p.stamp(tokenLines)
	case PartsMerge:
		p.pending = append(p.pending, b...)
		p.pendingLines++
		p.pendingTokens += tokenLines
		if p.pendingLines >= p.merge {
			return p.flush()
		}
	default:
		if err := p.part(b); err != nil {
			return err
		}
		p.stamp(tokenLines)
	}
	return nil
}

// flush sends the lines PartsMerge holds back, as one part.
func (p *partWriter) flush() error {
	if len(p.pending) == 0 {
		return nil
	}
	err := p.part(p.pending)
	n := p.pendingTokens
	p.pending, p.pendingLines, p.pendingTokens = p.pending[:0], 0, 0
	if err != nil {
		return err
	}
	p.stamp(n)
	return nil
}

func (p *partWriter) stamp(tokenLines int) {
	for range tokenLines {
		p.tr.chunk(1)
	}
}

// part writes and flushes one PayloadPart frame.
func (p *partWriter) part(b []byte) error {
	return p.send(eventstream.Message{Headers: payloadPartHeaders, Payload: b})
}

func (p *partWriter) send(msg eventstream.Message) error {
	p.frame.Reset()
	if err := p.enc.Encode(&p.frame, msg); err != nil {
		return err
	}
	if _, err := p.w.Write(p.frame.Bytes()); err != nil {
		return err
	}
	return p.rc.Flush()
}

// exception sends an exception frame; the SDK's reader stores it as the
// stream's Err and closes the event channel.
func (p *partWriter) exception(typ string, payload []byte) error {
	return p.send(eventstream.Message{
		Headers: eventstream.Headers{
			{Name: ":message-type", Value: eventstream.StringValue("exception")},
			{Name: ":exception-type", Value: eventstream.StringValue(typ)},
			{Name: ":content-type", Value: eventstream.StringValue("application/json")},
		},
		Payload: payload,
	})
}

// cut writes half of a frame and aborts the connection. The SDK's decoder
// takes a frame cut short for a clean end of stream, so only the missing
// end of the answer tells the client.
func (p *partWriter) cut() {
	p.frame.Reset()
	p.enc.Encode(&p.frame, eventstream.Message{Headers: payloadPartHeaders, Payload: []byte(`{"token":{"id":0,"text":" cut"}}` + "\n")})
	b := p.frame.Bytes()
	p.w.Write(b[:len(b)/2])
	p.rc.Flush()
	panic(http.ErrAbortHandler)
}

// smLineEncoder builds one request's stream lines in its format.
type smLineEncoder struct {
	format string
	chat   *encoder
	req    request
	gen    tokenGen
	text   strings.Builder // generated so far, for the final generated_text
	buf    []byte
}

func newSMLineEncoder(format, id string, created int64, model string, req request, gen tokenGen) *smLineEncoder {
	return &smLineEncoder{format: format, chat: newEncoder(true, id, created, model), req: req, gen: gen}
}

// jsonLine turns an SSE event of the chat encoder into a JSON line, as LMI
// strips vLLM's "data: ".
func jsonLine(ev []byte) []byte {
	ev = bytes.TrimPrefix(ev, []byte("data: "))
	ev = bytes.TrimRight(ev, "\n")
	return append(ev, '\n')
}

func (e *smLineEncoder) role() []byte { return jsonLine(e.chat.role()) }

func (e *smLineEncoder) usage(u usage) []byte {
	return jsonLine(e.chat.usage(u))
}

// tokenID is token i's id: its index in the vocabulary.
func (g tokenGen) tokenID(i int) int {
	return int(splitmix64(g.key+uint64(i)*0x2545f4914f6cdd1d) % uint64(len(vocabulary)))
}

// token is the line carrying token i; the last one ends the answer.
func (e *smLineEncoder) token(i int, last bool) []byte {
	text := e.req.tokenText(e.gen, i)
	if e.format == SageMakerChat {
		finish := ""
		if last {
			finish = e.req.finishReason()
		}
		return jsonLine(e.chat.token(text, i < e.req.reasoning, finish))
	}
	e.text.WriteString(text)
	id := e.gen.tokenID(i)
	logprob := -float64(id%97+1) / 100
	b := e.buf[:0]
	if e.format == SageMakerTGI {
		b = fmt.Appendf(b, `data:{"index":%d,"token":{"id":%d,"text":`, i, id)
		b = strconv.AppendQuote(b, text) // plain ASCII vocabulary: Go and JSON quoting agree
		b = fmt.Appendf(b, `,"logprob":%.2f,"special":false}`, logprob)
		if last {
			b = append(b, `,"generated_text":`...)
			b = append(b, jsonString(e.text.String())...)
			b = fmt.Appendf(b, `,"details":{"finish_reason":%q,"generated_tokens":%d,"input_length":%d,"seed":null}}`, e.req.containerFinish(), e.req.tokens, e.req.inputTokens)
		} else {
			b = append(b, `,"generated_text":null,"details":null}`...)
		}
		b = append(b, "\n\n"...)
	} else {
		b = fmt.Appendf(b, `{"token":{"id":%d,"text":`, id)
		b = strconv.AppendQuote(b, text)
		b = fmt.Appendf(b, `,"log_prob":%.2f}`, logprob)
		if last {
			b = append(b, `,"generated_text":`...)
			b = append(b, jsonString(e.text.String())...)
			b = fmt.Appendf(b, `,"details":{"finish_reason":%q,"generated_tokens":%d,"inputs":%s}`, e.req.containerFinish(), e.req.tokens, jsonString(strings.Join(e.req.promptText, " ")))
		}
		b = append(b, "}\n"...)
	}
	e.buf = b
	return b
}

// errorLine is the container's own report of a failure after sent tokens.
func (e *smLineEncoder) errorLine(sent int) []byte {
	const msg = "simulated error in stream (X-Sim-SageMaker-Fault: error-line)"
	switch e.format {
	case SageMakerTGI:
		return []byte(`data:{"error":"` + msg + `","error_type":"generation"}` + "\n\n")
	case SageMakerLMI:
		// LMI: HTTP 200 is already sent, so the last line says it.
		return fmt.Appendf(nil, `{"token":{"id":-1,"text":"","log_prob":-1,"special_token":true},"generated_text":%q,"details":{"finish_reason":"error","generated_tokens":%d}}`+"\n", msg, sent)
	}
	return []byte(`{"error":{"message":"` + msg + `","type":"InternalServerError","param":null,"code":500}}` + "\n")
}
