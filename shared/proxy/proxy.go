package proxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmbench/llmbench/shared/emf"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/target/sagemaker"
)

// MaxBody bounds a request body: a Function URL's request payload is at
// most 6 MB.
const MaxBody = 6 << 20

// The routes served.
const (
	ChatPath        = "/v1/chat/completions"
	CompletionsPath = "/v1/completions"
)

// Response headers of a whole answer: the seeds' names.
const (
	HeaderTTFT            = target.ServerTTFTHeader // "X-TTFT-MS", which the OpenAI client reads into server_ttft_ms
	HeaderTokensPerSecond = "X-Tokens-Per-Second"
	HeaderCostPer1K       = "X-Cost-Per-1K-USD"
)

// MetricsField is the extension member of a stream's last chunk that
// holds the proxy's figures (Figures).
const MetricsField = target.ServerMetricsField

// Config configures a Handler.
type Config struct {
	Endpoint           string // the SageMaker endpoint's name (required)
	InferenceComponent string // optional
	TargetVariant      string // optional
	Format             string // sagemaker.FormatChat (default), FormatLMI or FormatTGI
	Model              string // sent as model in format chat when set (the endpoint's own model name)
	USDPerHour         float64
	Instances          int // of the endpoint, for the cost figure; 0 means 1
	// Namespace is the EMF namespace; "" means emf.DefaultNamespace.
	Namespace string
	// Metrics receives one EMF line per successful request (Lambda: its
	// standard output); nil writes none.
	Metrics io.Writer
	// HTTPClient is the HTTP client api sends through, for Close; may be nil.
	HTTPClient *http.Client
}

// Handler is the proxy: an http.Handler, safe for concurrent use.
type Handler struct {
	cfg           Config
	stream, whole *sagemaker.Target
	mu            sync.Mutex // serializes Metrics writes: one line per write
	seq           atomic.Int64
}

// New returns a Handler calling the endpoint of cfg through api.
func New(api sagemaker.API, cfg Config) (*Handler, error) {
	if cfg.Format == "" {
		cfg.Format = sagemaker.FormatChat
	}
	if cfg.Instances == 0 {
		cfg.Instances = 1
	}
	if cfg.Namespace == "" {
		cfg.Namespace = emf.DefaultNamespace
	}
	if cfg.USDPerHour < 0 || math.IsNaN(cfg.USDPerHour) || math.IsInf(cfg.USDPerHour, 0) || cfg.Instances < 0 {
		return nil, fmt.Errorf("proxy: new: price %v $/h for %d instances: want a finite price >= 0 and instances >= 1", cfg.USDPerHour, cfg.Instances)
	}
	h := &Handler{cfg: cfg}
	sc := sagemaker.Config{Endpoint: cfg.Endpoint, InferenceComponent: cfg.InferenceComponent, TargetVariant: cfg.TargetVariant,
		Format: cfg.Format, Model: cfg.Model, HTTPClient: cfg.HTTPClient}
	var err error
	if h.whole, err = sagemaker.New(api, sc); err != nil {
		return nil, fmt.Errorf("proxy: new: %w", err)
	}
	sc.Stream = true
	if h.stream, err = sagemaker.New(api, sc); err != nil {
		return nil, fmt.Errorf("proxy: new: %w", err)
	}
	// The namespace and the endpoint's name are the event's only inputs
	// that could make it invalid: check them once, here.
	if _, err := h.event(&sample.Result{OutputTokens: 1}, Figures{}, time.Unix(1, 0)).Lines(); err != nil {
		return nil, fmt.Errorf("proxy: new: metrics: %w", err)
	}
	return h, nil
}

// Describe names the endpoint, as the SageMaker target does:
// "sagemaker endpoint=llama format=chat".
func (h *Handler) Describe() string {
	return strings.TrimSuffix(h.whole.Describe(), " nostream")
}

// Close releases the idle connections of Config.HTTPClient.
func (h *Handler) Close() { h.whole.Close() }

// ServeHTTP serves one OpenAI request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var chat bool
	switch r.URL.Path {
	case ChatPath:
		chat = true
	case CompletionsPath:
	default:
		writeError(w, http.StatusNotFound, "", fmt.Sprintf("no route %s: the proxy serves POST %s and %s", r.URL.Path, ChatPath, CompletionsPath), 0)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "", r.Method+" "+r.URL.Path+": only POST", 0)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "", fmt.Sprintf("the body exceeds %d bytes", MaxBody), 0)
			return
		}
		writeError(w, http.StatusBadRequest, "", "read the body: "+err.Error(), 0)
		return
	}
	c, err := decodeCall(body, chat, h.cfg.Format)
	if err != nil {
		var br *badRequest
		errors.As(err, &br)
		writeError(w, http.StatusBadRequest, br.param, br.Error(), 0)
		return
	}
	c.req.ID = r.Header.Get("X-Request-Id")
	if c.model == "" {
		c.model = h.cfg.Model
	}
	a := answer{call: c, created: time.Now().Unix(), id: h.answerID(c)}
	if c.stream {
		h.serveStream(w, r, &a)
	} else {
		h.serveWhole(w, r, &a)
	}
}

// answerID is the answer's id: chatcmpl- or cmpl- and the request's
// X-Request-Id, else a counter.
func (h *Handler) answerID(c *call) string {
	p := "cmpl-"
	if c.chat {
		p = "chatcmpl-"
	}
	if c.req.ID != "" {
		return p + c.req.ID
	}
	return p + strconv.FormatInt(h.seq.Add(1), 10)
}

// serveStream relays a streamed answer as OpenAI SSE chunks. The headers
// leave with the first token, so that a failure before it is still an
// HTTP error of its own status.
func (h *Handler) serveStream(w http.ResponseWriter, r *http.Request, a *answer) {
	rc := http.NewResponseController(w)
	started := false
	start := func() {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		started = true
	}
	var buf []byte
	first := true
	res := h.stream.Relay(r.Context(), a.req, func(text string) {
		if !started {
			start()
		}
		buf = a.appendTextChunk(buf[:0], text, first)
		first = false
		// A client gone away shows as the request's context, which ends
		// the SageMaker call: write errors add nothing.
		w.Write(buf)
		rc.Flush()
	})
	fig := figuresOf(res, h.cfg)
	if res.Status != sample.StatusOK {
		status, typ := errorStatus(res)
		if !started {
			writeErrorType(w, status, typ, "", res.Err, res.RetryAfter)
			return
		}
		w.Write(sseData(nil, errorBody(status, typ, "", res.Err)))
		rc.Flush()
		return
	}
	if !started {
		start()
	}
	w.Write(a.appendEnd(buf[:0], res, fig))
	rc.Flush()
	h.record(res, fig)
}

// serveWhole answers a request without streaming, the figures in headers.
func (h *Handler) serveWhole(w http.ResponseWriter, r *http.Request, a *answer) {
	var text string
	res := h.whole.Relay(r.Context(), a.req, func(t string) { text = t })
	fig := figuresOf(res, h.cfg)
	if res.Status != sample.StatusOK {
		status, typ := errorStatus(res)
		writeErrorType(w, status, typ, "", res.Err, res.RetryAfter)
		return
	}
	fig.setHeaders(w.Header())
	w.Header().Set("Content-Type", "application/json")
	b := a.whole(text, res)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	h.record(res, fig)
}

// Figures are the proxy's own measurements of one request (see the
// package comment); nil for a figure that does not exist.
type Figures struct {
	TTFTMs          *float64 `json:"ttft_ms"`
	E2EMs           float64  `json:"e2e_ms"`
	TokensPerSecond *float64 `json:"tokens_per_second"`
	CostPer1KUSD    *float64 `json:"cost_per_1k_tokens_usd,omitempty"`
}

func figuresOf(res *sample.Result, cfg Config) Figures {
	last := res.End
	if n := len(res.Tokens); n > 0 {
		last = res.Tokens[n-1]
	}
	e2e := last.Sub(res.Start).Seconds()
	f := Figures{E2EMs: round3(e2e * 1000)}
	if !res.FirstToken.IsZero() {
		f.TTFTMs = ptr(round3(float64(res.FirstToken.Sub(res.Start)) / float64(time.Millisecond)))
	}
	if e2e > 0 && res.OutputTokens > 0 {
		f.TokensPerSecond = ptr(round3(float64(res.OutputTokens) / e2e))
		if cfg.USDPerHour > 0 {
			f.CostPer1KUSD = ptr(cfg.USDPerHour * float64(cfg.Instances) / 3600 * e2e / float64(res.OutputTokens) * 1000)
		}
	}
	return f
}

func (f Figures) setHeaders(h http.Header) {
	if f.TTFTMs != nil {
		h.Set(HeaderTTFT, strconv.FormatFloat(*f.TTFTMs, 'f', -1, 64))
	}
	if f.TokensPerSecond != nil {
		h.Set(HeaderTokensPerSecond, strconv.FormatFloat(*f.TokensPerSecond, 'f', -1, 64))
	}
	if f.CostPer1KUSD != nil {
		h.Set(HeaderCostPer1K, strconv.FormatFloat(*f.CostPer1KUSD, 'g', 6, 64))
	}
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func ptr(f float64) *float64 { return &f }

// errorStatus is the HTTP status and OpenAI error type of a failed
// request (see the package comment).
func errorStatus(res *sample.Result) (int, string) {
	status := http.StatusBadGateway
	switch res.Status {
	case sample.StatusHTTPError:
		if res.HTTPStatus >= 400 && res.HTTPStatus <= 599 {
			status = res.HTTPStatus
		}
	case sample.StatusTimeout:
		status = http.StatusGatewayTimeout
	case sample.StatusCanceled:
		status = 499 // the client went away: nobody reads it
	}
	return status, errorType(status)
}

func errorType(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status == http.StatusNotFound:
		return "not_found_error"
	case status < 500:
		return "invalid_request_error"
	}
	return "server_error"
}

// errorBody is OpenAI's error object, code the HTTP status.
func errorBody(status int, typ, param, msg string) []byte {
	type object struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    int     `json:"code"`
	}
	o := object{Message: msg, Type: typ, Code: status}
	if param != "" {
		o.Param = &param
	}
	b, _ := json.Marshal(struct {
		Error object `json:"error"`
	}{o}) // strings and ints always encode
	return b
}

// writeError answers with an error object; typ "" is derived from status.
func writeError(w http.ResponseWriter, status int, param, msg string, retryAfter time.Duration) {
	typ := errorType(status)
	writeErrorType(w, status, typ, param, msg, retryAfter)
}

func writeErrorType(w http.ResponseWriter, status int, typ, param, msg string, retryAfter time.Duration) {
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter.Seconds()))))
	}
	b := append(errorBody(status, typ, param, msg), '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
