package simllm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SimulatedHeader is set on every response, to the profile name, so numbers
// measured against the simulator are always labelled as simulated.
const SimulatedHeader = "X-Llmbench-Simulated"

// Options configure a Server.
type Options struct {
	Profile     Profile
	Seed        int64  // token text (and any randomness) is deterministic under the seed
	Model       string // model name reported; default "sim-<profile name>"
	RecordTruth bool   // keep per-request ground truth, see Truth
	// Fault, if set, picks a fault for each completion request; n counts
	// completion requests on this server from 0. It is called from many
	// handler goroutines at once. The X-Sim-Fault header, when present, wins.
	Fault func(n int64, r *http.Request) Fault
	// SageMaker configures the SageMaker runtime routes (sagemaker.go).
	SageMaker SageMakerOptions
}

// Server is the simulated LLM endpoint, an http.Handler.
type Server struct {
	opts      Options
	engine    *engine      // batching profiles only
	cache     *prefixCache // nil when the profile has none
	quit      chan struct{}
	closeOnce sync.Once
	created   int64 // unix seconds, reported by /v1/models

	requests atomic.Int64 // completion requests seen: n of Options.Fault
	serving  atomic.Int64 // completion requests being answered (metrics.go)
	inFlight atomic.Int64

	mu    sync.Mutex
	truth map[string]*Truth
}

// New validates opts and returns a Server; for a batching profile it starts
// the engine goroutine, which Close stops.
func New(opts Options) (*Server, error) {
	if opts.Profile.Name == "" {
		opts.Profile.Name = opts.Profile.Kind
	}
	if err := opts.Profile.validate(); err != nil {
		return nil, fmt.Errorf("simllm: new: profile %q: %w", opts.Profile.Name, err)
	}
	if opts.Model == "" {
		opts.Model = "sim-" + opts.Profile.Name
	}
	s := &Server{
		opts:    opts,
		quit:    make(chan struct{}),
		created: time.Now().Unix(),
		truth:   map[string]*Truth{},
		cache:   newPrefixCache(opts.Profile.PrefixCacheTokens),
	}
	if opts.Profile.Kind == KindBatching {
		s.engine = newEngine(opts.Profile, s.cache, s.quit)
		go s.engine.run()
	}
	return s, nil
}

// Close stops the engine and makes every waiting handler return; later
// completion requests get 503. It is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.quit) })
	if s.engine != nil {
		<-s.engine.done
	}
}

// Profile returns the profile the server runs.
func (s *Server) Profile() Profile { return s.opts.Profile }

// Model returns the model name the server reports.
func (s *Server) Model() string { return s.opts.Model }

// InFlight is the number of requests whose handler has not returned yet;
// tests use it to see that a client going away frees its handler.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// ServeHTTP routes the OpenAI-compatible endpoints, and the SageMaker
// runtime ones under /endpoints/ (sagemaker.go).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	w.Header().Set(SimulatedHeader, s.opts.Profile.Name)
	switch r.URL.Path {
	case "/v1/chat/completions":
		defer s.serve()()
		s.completion(w, r, received, true)
	case "/v1/completions":
		defer s.serve()()
		s.completion(w, r, received, false)
	case "/metrics":
		if methodIs(w, r, http.MethodGet) {
			s.metrics(w)
		}
	case "/v1/models":
		if methodIs(w, r, http.MethodGet) {
			s.models(w)
		}
	case "/health":
		if methodIs(w, r, http.MethodGet) {
			w.WriteHeader(http.StatusOK) // vLLM: 200, empty body
		}
	default:
		if strings.HasPrefix(r.URL.Path, "/endpoints/") {
			defer s.serve()()
			s.sagemaker(w, r, received)
			return
		}
		writeError(w, http.StatusNotFound, "NotFoundError", fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
	}
}

// methodIs answers 405 unless r uses method.
func methodIs(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method || (method == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	w.Header().Set("Allow", method)
	writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", fmt.Sprintf("%s %s: use %s", r.Method, r.URL.Path, method))
	return false
}

func (s *Server) models(w http.ResponseWriter) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	writeJSON(w, http.StatusOK, struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{"list", []model{{ID: s.opts.Model, Object: "model", Created: s.created, OwnedBy: "llmbench-simllm"}}})
}

// writeJSON writes v with an explicit Content-Length.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil { // only our own types are passed; this is a programming error
		panic(fmt.Sprintf("simllm: encode response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// apiError is the OpenAI error object.
type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    int     `json:"code"`
}

// writeError answers with an OpenAI-style {"error": {...}} body.
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, struct {
		Error apiError `json:"error"`
	}{apiError{Message: msg, Type: typ, Code: status}})
}
