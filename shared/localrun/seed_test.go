package localrun_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// bodies is a proxy in front of the simulated server that keeps every
// request body it forwards, by the request's id without its run id
// (level-worker-seq).
type bodies struct {
	mu   sync.Mutex
	byID map[string]string
}

func bodyProxy(t *testing.T, target string) (*bodies, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	b := &bodies{byID: map[string]string{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1 // stream the events through as they come
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		id := r.Header.Get("X-Request-Id")
		// The id is <run id>-<level>-<worker>-<seq>; the run id has dashes.
		parts := strings.Split(id, "-")
		if len(parts) >= 3 {
			id = strings.Join(parts[len(parts)-3:], "-")
		}
		b.mu.Lock()
		b.byID[id] = string(body)
		b.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return b, srv.URL
}

// runBodies runs doc once behind a fresh proxy and returns the bodies
// sent and the plan's seed.
func runBodies(t *testing.T, doc string) (map[string]string, int64) {
	t.Helper()
	sim := workflowtest.Sim(t, simllm.Options{})
	b, url := bodyProxy(t, sim.URL)
	env := workflowtest.New(t, doc, workflowtest.Options{BaseURL: url})
	out, err := execution(env, nil).Run(context.Background(), "seed", env.Input)
	if err != nil {
		t.Fatal(err)
	}
	_, pl, err := plan.Load(context.Background(), env.Store, out.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.byID) != 6 {
		t.Fatalf("%d bodies recorded, want the 6 requests", len(b.byID))
	}
	return b.byID, pl.Seed
}

// TestSeedsMakePrompts: without a seed, each run draws its own (recorded
// in plan.json) and sends different prompts; with one, two runs send
// identical request bodies.
func TestSeedsMakePrompts(t *testing.T) {
	const load = `"workload":{"input_tokens":16,"output_tokens":3},"load":{"levels":[2],"requests":6}}`
	unseeded := `{"name":"noseed","target":{"kind":"sim","profile":"fixed"},` + load
	a, seedA := runBodies(t, unseeded)
	b, seedB := runBodies(t, unseeded)
	if seedA == 0 || seedA == seedB {
		t.Errorf("unseeded runs recorded seeds %d and %d: want two different, non-zero", seedA, seedB)
	}
	for id, body := range a {
		if b[id] == body {
			t.Errorf("request %s: two unseeded runs sent the same body %s", id, body)
		}
	}

	seeded := `{"name":"seeded","seed":42,"target":{"kind":"sim","profile":"fixed"},` + load
	c, seedC := runBodies(t, seeded)
	d, _ := runBodies(t, seeded)
	if seedC != 42 {
		t.Errorf("plan seed %d, want the spec's 42", seedC)
	}
	for id, body := range c {
		if d[id] != body {
			t.Errorf("request %s: two runs of seed 42 sent\n %s\n %s", id, body, d[id])
		}
	}
}
