package target

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
)

// The APIs an OpenAI target speaks.
const (
	APIChat        = "chat"        // POST {base}/chat/completions with messages
	APICompletions = "completions" // POST {base}/completions with prompt
)

const (
	maxErrorBody = 64 << 10  // read at most this much of an error body for its message
	maxDrain     = 256 << 10 // read at most this much more to let a connection be reused
	maxBody      = 64 << 20  // a non-streamed answer larger than this is refused
	maxErrLen    = 300       // Result.Err is truncated to this many bytes
	maxHeaderLen = 512       // a captured header value is truncated to this many bytes
	tokensHint   = 1024      // Tokens capacity reserved up front, at most
)

// Request is one request to send.
type Request struct {
	ID          string // sent as X-Request-Id when set
	Prompt      string
	InputTokens int // the intended prompt length, reported when the server gives no usage
	MaxTokens   int // max_tokens; 0 leaves it to the server
}

// OpenAIConfig configures an OpenAI-compatible target.
type OpenAIConfig struct {
	BaseURL string // e.g. http://127.0.0.1:8000/v1, with or without a trailing slash
	API     string // APIChat (the default when empty) or APICompletions
	Model   string
	Stream  bool
	// Headers are extra request headers, a resolved auth header included.
	// Their values are secrets: they never appear in errors, Err or
	// Describe.
	Headers map[string]string
	// CaptureHeaders names response headers to copy into Result.Headers,
	// keyed by the name as given here.
	CaptureHeaders []string
	// IgnoreEOS sends "ignore_eos": true (a vLLM extension) so that the
	// output length is exactly max_tokens.
	IgnoreEOS bool
	// Sign, when set, signs each request just before it is sent, with its
	// headers final and body the exact bytes sent (SigV4 below). It runs
	// before Result.Start: signing is not measured. An error fails the
	// request as transport, with the error scrubbed like any other.
	Sign func(req *http.Request, body []byte) error
	// Client sends the requests; nil means NewHTTPClient(64).
	Client *http.Client
}

// OpenAI is a client for an OpenAI-compatible endpoint. It is safe for
// concurrent use; its configuration is fixed at construction.
type OpenAI struct {
	cfg      OpenAIConfig
	endpoint string
	host     string // a Host header override, if any
	header   http.Header
	scrub    *strings.Replacer
	describe string
}

// NewOpenAI validates cfg and returns a client. Errors name the faulty
// field, never a header value.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the url.Error would repeat the URL, credentials and all
		}
		return nil, fmt.Errorf("target: openai: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("target: openai: base URL must be an http:// or https:// URL with a host, got %q", safeURL(u))
	}
	switch cfg.API {
	case "":
		cfg.API = APIChat
	case APIChat, APICompletions:
	default:
		return nil, fmt.Errorf("target: openai: api must be %s or %s, got %q", APIChat, APICompletions, cfg.API)
	}
	if cfg.Model == "" {
		return nil, errors.New("target: openai: model is required")
	}
	c := &OpenAI{header: make(http.Header)}
	c.header.Set("Content-Type", "application/json")
	c.header.Set("User-Agent", "llmbench")
	if cfg.Stream {
		c.header.Set("Accept", "text/event-stream")
	} else {
		c.header.Set("Accept", "application/json")
	}
	var secrets []string
	for name, value := range cfg.Headers {
		if !validHeaderName(name) {
			return nil, fmt.Errorf("target: openai: header name %q is not a valid token", name)
		}
		if strings.ContainsAny(value, "\r\n\x00") {
			return nil, fmt.Errorf("target: openai: header %s: value contains a control character", name)
		}
		if strings.EqualFold(name, "Host") {
			c.host = value // net/http ignores a Host entry in Header
		} else {
			c.header.Set(name, value)
		}
		secrets = append(secrets, secretParts(value)...)
	}
	if pw, ok := u.User.Password(); ok {
		secrets = append(secrets, secretParts(pw)...)
	}
	c.scrub = newScrubber(secrets)

	path := "chat/completions"
	if cfg.API == APICompletions {
		path = "completions"
	}
	c.endpoint = u.JoinPath(path).String()
	if cfg.Client == nil {
		cfg.Client = NewHTTPClient(64)
	}
	cfg.Headers = nil // kept in c.header only, so a stray %v of the config shows no secret
	cfg.CaptureHeaders = append([]string(nil), cfg.CaptureHeaders...)
	c.cfg = cfg

	mode := "nostream"
	if cfg.Stream {
		mode = "stream"
	}
	c.describe = fmt.Sprintf("openai %s %s model=%s %s", safeURL(u), cfg.API, cfg.Model, mode)
	if cfg.IgnoreEOS {
		c.describe += " ignore_eos"
	}
	if cfg.Sign != nil {
		c.describe += " signed"
	}
	return c, nil
}

// Describe returns a human description without secrets, such as
// "openai http://127.0.0.1:8000/v1 chat model=m stream".
func (c *OpenAI) Describe() string { return c.describe }

// Do sends one request and measures it. It always returns a Result; ctx
// bounds the whole request, body included.
func (c *OpenAI) Do(ctx context.Context, req Request) *sample.Result {
	res := &sample.Result{InputTokens: req.InputTokens, TokenSource: sample.TokensFromChunks}
	if c.cfg.Stream && req.MaxTokens > 0 {
		res.Tokens = make([]time.Time, 0, min(req.MaxTokens, tokensHint))
	}
	body, err := c.requestBody(req)
	if err != nil {
		res.Start = time.Now()
		res.End = res.Start
		c.fail(res, sample.StatusTransport, "encode request: %v", err)
		return res
	}

	var tr ConnTrace
	hreq, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, tr.ClientTrace()),
		http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		res.Start = time.Now()
		res.End = res.Start
		c.fail(res, sample.StatusTransport, "new request: %v", err)
		return res
	}
	hreq.Header = c.header.Clone()
	if req.ID != "" {
		hreq.Header.Set("X-Request-Id", req.ID)
	}
	if c.host != "" {
		hreq.Host = c.host
	}
	if c.cfg.Sign != nil {
		if err := c.cfg.Sign(hreq, body); err != nil {
			res.Start = time.Now()
			res.End = res.Start
			c.fail(res, sample.StatusTransport, "sign request: %v", err)
			return res
		}
	}

	res.Start = time.Now()
	resp, err := c.cfg.Client.Do(hreq)
	returned := time.Now()
	tr.Record(res)
	if err != nil {
		res.End = returned
		if !c.failCtx(ctx, res, err, "before the response") {
			c.fail(res, sample.StatusTransport, "%v", transportErr(err))
		}
		return res
	}
	if res.FirstByte.IsZero() {
		res.FirstByte = returned // a transport that does not report it (a test RoundTripper)
	}
	cr := &countReader{r: resp.Body}
	defer func() {
		resp.Body.Close()
		res.Bytes = cr.n
	}()
	res.HTTPStatus = resp.StatusCode
	c.capture(res, resp.Header)

	switch {
	case resp.StatusCode >= 400:
		c.readHTTPError(cr, res)
		drain(cr)
	case c.cfg.Stream && !isJSON(resp.Header):
		if c.readStream(ctx, cr, res) {
			drain(cr)
		}
	default:
		// A non-streamed answer, or a server that answered a stream request
		// with plain JSON (typically an error object with status 200).
		if c.readWhole(ctx, cr, res) {
			drain(cr)
		}
	}
	return res
}

// requestBody encodes the JSON body.
func (c *OpenAI) requestBody(req Request) ([]byte, error) {
	type message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	type streamOptions struct {
		IncludeUsage bool `json:"include_usage"`
	}
	body := struct {
		Model         string         `json:"model"`
		Messages      []message      `json:"messages,omitempty"`
		Prompt        *string        `json:"prompt,omitempty"`
		MaxTokens     int            `json:"max_tokens,omitempty"`
		Temperature   float64        `json:"temperature"`
		Stream        bool           `json:"stream"`
		StreamOptions *streamOptions `json:"stream_options,omitempty"`
		IgnoreEOS     bool           `json:"ignore_eos,omitempty"`
	}{
		Model:     c.cfg.Model,
		MaxTokens: req.MaxTokens,
		Stream:    c.cfg.Stream,
		IgnoreEOS: c.cfg.IgnoreEOS,
	}
	if c.cfg.API == APICompletions {
		body.Prompt = &req.Prompt
	} else {
		body.Messages = []message{{Role: "user", Content: req.Prompt}}
	}
	if c.cfg.Stream {
		// Without it OpenAI-compatible servers send no usage in a stream.
		body.StreamOptions = &streamOptions{IncludeUsage: true}
	}
	return json.Marshal(body)
}

// capture copies the configured response headers. They end up in stored
// rows, so they are scrubbed like Err (a server may echo a request header)
// and bounded in length.
func (c *OpenAI) capture(res *sample.Result, h http.Header) {
	for _, name := range c.cfg.CaptureHeaders {
		if v := h.Values(name); len(v) > 0 {
			if res.Headers == nil {
				res.Headers = make(map[string]string, len(c.cfg.CaptureHeaders))
			}
			res.Headers[name] = truncate(c.scrub.Replace(strings.Join(v, ", ")), maxHeaderLen)
		}
	}
}

// readHTTPError reads the start of an error body for its message.
// The status is the server's answer even if ctx ends while the body is
// read, so a read error only shortens the message.
func (c *OpenAI) readHTTPError(r io.Reader, res *sample.Result) {
	b, _ := io.ReadAll(io.LimitReader(r, maxErrorBody))
	res.End = time.Now()
	msg := errorMessage(b)
	if msg == "" {
		msg = http.StatusText(res.HTTPStatus)
	}
	c.fail(res, sample.StatusHTTPError, "HTTP %d: %s", res.HTTPStatus, msg)
}

// readWhole reads a non-streamed answer. It reports whether the body was
// read to its end (so that draining can keep the connection).
func (c *OpenAI) readWhole(ctx context.Context, r io.Reader, res *sample.Result) bool {
	b, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	res.End = time.Now()
	if err != nil {
		if !c.failCtx(ctx, res, err, fmt.Sprintf("while reading the response (%d bytes)", len(b))) {
			c.fail(res, sample.StatusProtocol, "reading response: %v", err)
		}
		return false
	}
	if len(b) > maxBody {
		c.fail(res, sample.StatusProtocol, "response body exceeds %d bytes", maxBody)
		return false
	}
	var body struct {
		Choices []Choice `json:"choices"`
		Usage   *usage   `json:"usage"`
		errorFlags
	}
	if err := json.Unmarshal(b, &body); err != nil {
		c.fail(res, sample.StatusProtocol, "malformed response: %v: %q", err, excerpt(b))
		return true
	}
	if body.isError() {
		c.streamError(res, b, "error in response")
		return true
	}
	res.Chunks = 1
	if len(body.Choices) == 0 {
		c.fail(res, sample.StatusProtocol, "response without choices: %q", excerpt(b))
		return true
	}
	words, content, reasoning := 0, false, false
	for _, ch := range body.Choices {
		w, c, r := ch.Count()
		words, content, reasoning = words+w, content || c, reasoning || r
	}
	// The tokens arrived all at once, when the body was complete.
	if content || reasoning {
		res.FirstToken = res.End
		res.Tokens = append(res.Tokens, res.End)
	}
	if content {
		res.FirstContent = res.End
	}
	if body.Usage != nil {
		setUsage(res, body.Usage)
	} else {
		res.OutputTokens = words
	}
	if c.cfg.Stream {
		c.fail(res, sample.StatusProtocol, "stream requested but the server answered %s", "application/json")
		return true
	}
	res.Status = sample.StatusOK
	return true
}

// fail sets an error status and a scrubbed, truncated message.
func (c *OpenAI) fail(res *sample.Result, st sample.Status, format string, args ...any) {
	res.Status = st
	res.Err = truncate(c.scrub.Replace(fmt.Sprintf(format, args...)), maxErrLen)
}

// streamError reports an error object the server sent in place of an
// answer: http_error, with the error's own code when it is an HTTP status.
func (c *OpenAI) streamError(res *sample.Result, b []byte, prefix string) {
	msg, code := parseErrorObject(b)
	if code >= 400 && code <= 599 {
		res.HTTPStatus = code
	}
	if msg == "" {
		msg = string(excerpt(b))
	}
	c.fail(res, sample.StatusHTTPError, "%s: %s", prefix, msg)
}

// failCtx reports err as timeout or canceled when the request's context
// explains it, and tells whether it did. ctx.Err() decides first: once ctx
// is done the transport's own error text is incidental. Otherwise a deadline
// inside the stack (a dial timeout: net's timeout errors match
// context.DeadlineExceeded) is a timeout too, with its cause kept in Err.
func (c *OpenAI) failCtx(ctx context.Context, res *sample.Result, err error, where string) bool {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			c.fail(res, sample.StatusTimeout, "timed out %s", where)
		} else {
			c.fail(res, sample.StatusCanceled, "canceled %s", where)
		}
		return true
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		c.fail(res, sample.StatusTimeout, "timed out %s: %v", where, transportErr(err))
	case errors.Is(err, context.Canceled):
		c.fail(res, sample.StatusCanceled, "canceled %s: %v", where, transportErr(err))
	default:
		return false
	}
	return true
}

// transportErr strips the url.Error wrapper: its URL could carry a query
// secret, and the operation is always the same POST.
func transportErr(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// countReader counts the body bytes read, drained ones included.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// drain reads what is left of a finished response, within a bound, so that
// the transport can put the connection back in its pool: an HTTP/1 body
// closed before its end closes the connection. A response cut short is
// closed without draining: nothing useful remains, and a server still
// generating would hold the caller.
func drain(r io.Reader) {
	_, _ = io.CopyN(io.Discard, r, maxDrain)
}

func isJSON(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// notNull records whether a JSON value is there and not null.
type notNull bool

func (p *notNull) UnmarshalJSON(b []byte) error {
	*p = notNull(!bytes.Equal(b, []byte("null")))
	return nil
}

// isErrorString records whether a JSON value is the string "error".
type isErrorString bool

func (p *isErrorString) UnmarshalJSON(b []byte) error {
	*p = isErrorString(bytes.Equal(b, []byte(`"error"`)))
	return nil
}

// errorFlags spots an error object in a decoded body: {"error": …}
// (OpenAI, TGI) or {"object": "error", …} (vLLM). The message is parsed
// only then, by parseErrorObject.
type errorFlags struct {
	Error  notNull       `json:"error"`
	Object isErrorString `json:"object"`
}

func (f errorFlags) isError() bool { return bool(f.Error) || bool(f.Object) }

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// errorMessage extracts a server's message from an error body, falling back
// to the body text.
func errorMessage(b []byte) string {
	if msg, _ := parseErrorObject(b); msg != "" {
		return msg
	}
	return strings.Join(strings.Fields(string(excerpt(b))), " ")
}

// parseErrorObject understands the error shapes OpenAI-compatible servers
// send:
//
//	OpenAI:  {"error":{"message":"…","type":"…","code":"…"|429}}
//	vLLM:    {"object":"error","message":"…","type":"…","code":400}
//	TGI:     {"error":"…","error_type":"…"}
//	FastAPI: {"detail":"…"} or {"detail":[…]}
func parseErrorObject(b []byte) (msg string, code int) {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message json.RawMessage `json:"message"`
		Code    json.RawMessage `json:"code"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(b, &e) != nil {
		return "", 0
	}
	msg, code = rawText(e.Message), rawInt(e.Code)
	if len(e.Error) > 0 {
		var inner struct {
			Message json.RawMessage `json:"message"`
			Code    json.RawMessage `json:"code"`
		}
		if json.Unmarshal(e.Error, &inner) == nil && len(inner.Message) > 0 {
			msg = rawText(inner.Message)
			if c := rawInt(inner.Code); c != 0 {
				code = c
			}
		} else if s := rawText(e.Error); s != "" && msg == "" {
			msg = s
		}
	}
	if msg == "" {
		msg = rawText(e.Detail)
	}
	return msg, code
}

// rawText returns a JSON string's value, or other JSON as compact text.
func rawText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return string(raw)
}

// rawInt reads a JSON number, or a string of digits, as an int.
func rawInt(raw json.RawMessage) int {
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && json.Unmarshal([]byte(s), &n) == nil {
		return n
	}
	return 0
}

// excerpt bounds the bytes quoted in an error.
func excerpt(b []byte) []byte {
	const n = 120
	if len(b) > n {
		return b[:n]
	}
	return b
}

// truncate cuts s to at most n bytes, on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - len("…")
	for i > 0 && !utf8RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// safeURL shows a URL without its password or query (either may hold a
// key).
func safeURL(u *url.URL) string {
	v := *u
	v.RawQuery, v.ForceQuery, v.Fragment, v.RawFragment = "", false, "", ""
	s := strings.TrimSuffix(v.Redacted(), "/")
	if u.RawQuery != "" {
		s += "?…"
	}
	return s
}

// secretParts lists what to scrub for one secret value: the value itself
// and, for "Bearer sk-…" style values, the token alone. Very short strings
// are left alone: scrubbing "1" would garble every message and such values
// are not credentials.
func secretParts(v string) []string {
	var out []string
	if len(v) >= 4 {
		out = append(out, v)
	}
	if f := strings.Fields(v); len(f) > 1 {
		for _, p := range f {
			if len(p) >= 8 {
				out = append(out, p)
			}
		}
	}
	return out
}

func newScrubber(secrets []string) *strings.Replacer {
	// Longest first, so that a value wins over a token inside it.
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		pairs = append(pairs, s, "[REDACTED]")
	}
	return strings.NewReplacer(pairs...)
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
