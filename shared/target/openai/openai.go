package openai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/target"
)

// The APIs a Client speaks.
const (
	APIChat        = "chat"        // POST {base}/chat/completions with messages
	APICompletions = "completions" // POST {base}/completions with prompt
)

const (
	maxErrorBody = 64 << 10  // read at most this much of an error body for its message
	maxDrain     = 256 << 10 // read at most this much more to let a connection be reused
	maxBody      = 64 << 20  // a non-streamed answer larger than this is refused
	maxHeaderLen = 512       // a captured header value is truncated to this many bytes
)

// Config configures a Client.
type Config struct {
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
	// Sign, when set, signs each request just before it is sent, with its
	// headers final and body the exact bytes sent (SigV4 below). It runs
	// before Result.Start: signing is not measured. An error fails the
	// request as transport, with the error scrubbed like any other.
	Sign func(req *http.Request, body []byte) error
	// Client sends the requests; nil means target.NewHTTPClient(64).
	// Close closes its idle connections.
	Client *http.Client
}

// Client is a client for an OpenAI-compatible endpoint. It is safe for
// concurrent use; its configuration is fixed at construction.
type Client struct {
	cfg      Config
	endpoint string
	host     string // a Host header override, if any
	header   http.Header
	scrub    *strings.Replacer
	describe string
}

// New validates cfg and returns a client. Errors name the faulty field,
// never a header value. Call Close when done with it.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the url.Error would repeat the URL, credentials and all
		}
		return nil, fmt.Errorf("openai: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("openai: base URL must be an http:// or https:// URL with a host, got %q", safeURL(u))
	}
	switch cfg.API {
	case "":
		cfg.API = APIChat
	case APIChat, APICompletions:
	default:
		return nil, fmt.Errorf("openai: api must be %s or %s, got %q", APIChat, APICompletions, cfg.API)
	}
	if cfg.Model == "" {
		return nil, errors.New("openai: model is required")
	}
	c := &Client{header: make(http.Header)}
	c.header.Set("Content-Type", "application/json")
	c.header.Set("User-Agent", "llmbench")
	if cfg.Stream {
		c.header.Set("Accept", "text/event-stream")
	} else {
		c.header.Set("Accept", "application/json")
	}
	// Without Accept-Encoding any coding is acceptable (RFC 9110 12.5.3),
	// and a compressing proxy blurs chunk timing: ask for none. A body
	// compressed anyway is decoded (body.go).
	c.header.Set("Accept-Encoding", "identity")
	var secrets []string
	for name, value := range cfg.Headers {
		if !spec.ValidHeaderName(name) {
			return nil, fmt.Errorf("openai: header name %q is not a valid token", name)
		}
		if strings.ContainsAny(value, "\r\n\x00") {
			return nil, fmt.Errorf("openai: header %s: value contains a control character", name)
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
		cfg.Client = target.NewHTTPClient(64)
	}
	cfg.Headers = nil // kept in c.header only, so a stray %v of the config shows no secret
	cfg.CaptureHeaders = append([]string(nil), cfg.CaptureHeaders...)
	c.cfg = cfg

	mode := "nostream"
	if cfg.Stream {
		mode = "stream"
	}
	c.describe = fmt.Sprintf("openai %s %s model=%s %s", safeURL(u), cfg.API, cfg.Model, mode)
	if cfg.Sign != nil {
		c.describe += " signed"
	}
	return c, nil
}

// Describe returns a human description without secrets, such as
// "openai http://127.0.0.1:8000/v1 chat model=m stream".
func (c *Client) Describe() string { return c.describe }

// Close closes the idle connections of the client's HTTP client, so that
// a finished run leaves no sockets behind. Requests in flight are not
// interrupted; a later Do dials again.
func (c *Client) Close() { c.cfg.Client.CloseIdleConnections() }

// Do sends one request and measures it. It always returns a Result; ctx
// bounds the whole request, body included.
func (c *Client) Do(ctx context.Context, req target.Request) *sample.Result {
	res := target.NewResult(req, c.cfg.Stream)
	body, err := c.requestBody(req)
	if err != nil {
		res.Start = time.Now()
		res.End = res.Start
		c.fail(res, sample.StatusTransport, "encode request: %v", err)
		return res
	}

	var tr target.ConnTrace
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
			c.fail(res, sample.StatusTransport, "%v", target.TransportErr(err))
		}
		return res
	}
	if res.FirstByte.IsZero() {
		res.FirstByte = returned // a transport that does not report it (a test RoundTripper)
	}
	res.HTTPStatus = resp.StatusCode
	c.capture(res, resp.Header)
	target.SetServerTTFTHeader(res, resp.Header.Get(target.ServerTTFTHeader))
	if resp.StatusCode >= 400 {
		res.RetryAfter = target.RetryAfter(resp.Header, returned)
	}
	wire := &countReader{r: resp.Body}
	defer func() {
		resp.Body.Close()
		res.Bytes = wire.n
	}()
	c.readResponse(ctx, resp, wire, req.KeepText, res)
	return res
}

// readResponse reads the body of resp, whose bytes come through wire, by
// what the status and the headers say it is; keepText keeps the answer's
// visible text in res.Text.
func (c *Client) readResponse(ctx context.Context, resp *http.Response, wire *countReader, keepText bool, res *sample.Result) {
	codings := contentEncoding(resp.Header)
	decoded, unknown := decodeBody(wire, codings)
	body := wire
	if len(codings) > 0 && unknown == "" {
		body = &countReader{r: decoded}
	}
	mt := mediaType(resp.Header)
	switch {
	case resp.StatusCode >= 400:
		if unknown != "" {
			res.End = time.Now()
			c.fail(res, sample.StatusHTTPError, "HTTP %d: %s (body in Content-Encoding %s, not decoded)",
				res.HTTPStatus, http.StatusText(res.HTTPStatus), strings.Join(codings, ", "))
		} else {
			c.readHTTPError(body, res)
		}
		drain(wire)
	case unknown != "":
		res.End = time.Now()
		c.fail(res, sample.StatusProtocol, "cannot decode Content-Encoding %s (%d %s)", strings.Join(codings, ", "), res.HTTPStatus, mt)
	case c.cfg.Stream && (mt == "text/event-stream" || mt == "" || mt == "text/plain"):
		// No type, or text/plain (a server that forgot it, a proxy that
		// rewrote it): the events decide.
		if c.readStream(ctx, body, wire, mt, keepText, res) {
			drain(wire)
		}
	case c.cfg.Stream && !isJSONType(mt):
		c.notSSE(body, res, mt, codings)
	default:
		// A non-streamed answer, or a server that answered a stream request
		// with plain JSON (typically an error object with status 200).
		if c.readWhole(ctx, body, mt, keepText, res) {
			drain(wire)
		}
	}
}

// requestBody encodes the JSON body: the OpenAI schema, the generation
// parameters of req under their OpenAI (and vLLM) names.
func (c *Client) requestBody(req target.Request) ([]byte, error) {
	return target.OpenAIBody(req, c.cfg.Model, c.cfg.API == APIChat, c.cfg.Stream)
}

// capture copies the configured response headers. They end up in stored
// rows, so they are scrubbed like Err (a server may echo a request header)
// and bounded in length.
func (c *Client) capture(res *sample.Result, h http.Header) {
	for _, name := range c.cfg.CaptureHeaders {
		if v := h.Values(name); len(v) > 0 {
			if res.Headers == nil {
				res.Headers = make(map[string]string, len(c.cfg.CaptureHeaders))
			}
			res.Headers[name] = target.Truncate(c.scrub.Replace(strings.Join(v, ", ")), maxHeaderLen)
		}
	}
}
