package localrun_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// exchange is one request through the recording proxy: the chat body
// sent and the answer's streamed content, joined.
type exchange struct {
	messages []msg
	answer   string
}

type msg struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// exchangeProxy records every chat exchange between llmbench and the
// server, keyed by the short request id <level>-<worker>-<seq>, reading
// the SSE answer as it streams through.
func exchangeProxy(t *testing.T, target string) (map[string]*exchange, *sync.Mutex, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[string]*exchange{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1
	rp.ModifyResponse = func(r *http.Response) error {
		// The answer is copied as it streams through and read at its end:
		// buffering it here would delay the first token to the last.
		id := shortID(r.Request.Header.Get(simllm.RequestIDHeader))
		var copied bytes.Buffer
		r.Body = &teeBody{r: io.TeeReader(r.Body, &copied), c: r.Body, done: func() {
			answer := sseContent(copied.Bytes())
			mu.Lock()
			if e := got[id]; e != nil {
				e.answer = answer
			}
			mu.Unlock()
		}}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var b struct {
			Messages []msg `json:"messages"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			t.Errorf("request body: %v", err)
		}
		mu.Lock()
		got[shortID(r.Header.Get(simllm.RequestIDHeader))] = &exchange{messages: b.Messages}
		mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return got, &mu, srv.URL
}

// teeBody is a response body copied as it is read; done runs once, at
// its close.
type teeBody struct {
	r    io.Reader
	c    io.Closer
	once sync.Once
	done func()
}

func (b *teeBody) Read(p []byte) (int, error) { return b.r.Read(p) }

func (b *teeBody) Close() error {
	err := b.c.Close()
	b.once.Do(b.done)
	return err
}

// sseContent joins the choices[0].delta.content of an SSE chat stream.
func sseContent(body []byte) string {
	var answer strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		var c struct {
			Choices []struct {
				Delta struct {
					Content string `json:"content"`
				} `json:"delta"`
			} `json:"choices"`
		}
		if json.Unmarshal([]byte(data), &c) == nil && len(c.Choices) > 0 {
			answer.WriteString(c.Choices[0].Delta.Content)
		}
	}
	return answer.String()
}

// shortID is <level>-<worker>-<seq> of a request id <run id>-<level>-<worker>-<seq>.
func shortID(id string) string {
	parts := strings.Split(id, "-")
	if len(parts) < 3 {
		return id
	}
	return strings.Join(parts[len(parts)-3:], "-")
}

// TestMultiTurnEndToEnd runs conversations of three turns against the
// simulated server's prefix cache: turn k's request holds turns 1..k-1's
// prompts and the answers the server actually sent, rows carry the
// session, the turn and the think time, cached_tokens is what the server
// recorded, and the later turns' TTFT is what the model says of a cached
// history, far below what the same prompts would cost uncached.
func TestMultiTurnEndToEnd(t *testing.T) {
	p, err := simllm.LookupProfile("fixed")
	if err != nil {
		t.Fatal(err)
	}
	const (
		base    = 5 * time.Millisecond
		prefill = 200 * time.Microsecond // per uncached prompt token
	)
	p.TTFT, p.ITL, p.PrefillPerToken = base, time.Millisecond, prefill
	sim := workflowtest.Sim(t, simllm.Options{Profile: p, RecordTruth: true})
	exchanges, mu, proxyURL := exchangeProxy(t, sim.URL)
	doc := `{"name":"multiturn","seed":3,"target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":64,"output_tokens":16,"session":{"turns":3,"think_time":"50ms"}},
	  "load":{"levels":[3],"duration":"3s"}}`
	env := workflowtest.New(t, doc, workflowtest.Options{BaseURL: proxyURL})
	out, err := execution(env, nil).Run(context.Background(), "multiturn", env.Input)
	if err != nil {
		t.Fatal(err)
	}
	_, pl, err := plan.Load(context.Background(), env.Store, out.RunID)
	if err != nil {
		t.Fatal(err)
	}
	rows := workflowtest.ReadRows(t, env.Store, pl.RunID)
	mu.Lock()
	defer mu.Unlock()
	if len(rows) != len(exchanges) || len(rows) < 30 {
		t.Fatalf("%d rows for %d requests the server saw; want one row each, and at least 30", len(rows), len(exchanges))
	}

	type key struct {
		session int64
		turn    int32
	}
	byTurn := map[key]sample.Row{}
	for _, r := range rows {
		if r.Status != "ok" {
			t.Fatalf("row %d-%d: %s %s", r.Worker, r.Seq, r.Status, r.Error)
		}
		if r.SessionID == nil || r.Turn == nil {
			t.Fatalf("row %d-%d: no session_id or turn", r.Worker, r.Seq)
		}
		byTurn[key{*r.SessionID, *r.Turn}] = r
	}
	id := func(r sample.Row) string { return fmt.Sprintf("%d-%d-%d", r.LevelIndex, r.Worker, r.Seq) }
	ttft := map[int32][]float64{}
	var modelGap []float64   // measured - modelled TTFT, later turns
	var cacheSaves []float64 // the prefill the cache saves, later turns
	uncachedModel := map[int32][]float64{}
	for _, r := range rows {
		turn := *r.Turn
		ex := exchanges[id(r)]
		if ex == nil {
			t.Fatalf("row %s: no request seen", id(r))
		}
		if got := len(ex.messages); got != 2*int(turn)-1 {
			t.Fatalf("row %s (turn %d): %d messages, want %d", id(r), turn, got, 2*turn-1)
		}
		wantThink := 0.0
		if turn > 1 {
			prev, ok := byTurn[key{*r.SessionID, turn - 1}]
			if !ok {
				t.Fatalf("row %s: turn %d of session %x without turn %d", id(r), turn, *r.SessionID, turn-1)
			}
			pex := exchanges[id(prev)]
			if pex.answer == "" {
				t.Fatalf("turn %d of session %x: the proxy saw no answer", turn-1, *r.SessionID)
			}
			want := append(slices.Clone(pex.messages), msg{Role: "assistant", Content: pex.answer})
			if !slices.Equal(ex.messages[:len(want)], want) {
				t.Fatalf("turn %d of session %x does not resend turn %d and its answer:\n got %q\nwant %q", turn, *r.SessionID, turn-1, ex.messages[:len(want)], want)
			}
			if ex.messages[len(want)].Role != "user" {
				t.Errorf("turn %d of session %x ends with a %q message", turn, *r.SessionID, ex.messages[len(want)].Role)
			}
			wantThink = 50
			if r.IntendedMs < prev.EndMs+50-0.01 {
				t.Errorf("turn %d of session %x intended at %.2f ms, before the previous answer's end %.2f + 50 ms of think time", turn, *r.SessionID, r.IntendedMs, prev.EndMs)
			}
		}
		if r.ThinkMs != wantThink {
			t.Errorf("row %s (turn %d): think_ms %g, want %g", id(r), turn, r.ThinkMs, wantThink)
		}
		tr, ok := sim.Server.Truth(pl.RunID + "-" + id(r))
		if !ok {
			t.Fatalf("row %s: the server recorded no truth", id(r))
		}
		if r.CachedTokens == nil || int(*r.CachedTokens) != tr.CachedTokens {
			t.Errorf("row %s: cached_tokens %v, the server recorded %d", id(r), r.CachedTokens, tr.CachedTokens)
		}
		if turn > 1 && tr.CachedTokens == 0 {
			t.Errorf("row %s (turn %d): nothing of the history came from the cache", id(r), turn)
		}
		model := float64(base+time.Duration(int(r.InputTokens)-tr.CachedTokens)*prefill) / 1e6
		ttft[turn] = append(ttft[turn], *r.TTFTMs)
		uncachedModel[turn] = append(uncachedModel[turn], float64(base+time.Duration(r.InputTokens)*prefill)/1e6)
		if turn > 1 {
			modelGap = append(modelGap, *r.TTFTMs-model)
			cacheSaves = append(cacheSaves, float64(time.Duration(tr.CachedTokens)*prefill)/1e6)
		}
	}
	med := func(x []float64) float64 { s := slices.Clone(x); sort.Float64s(s); return s[len(s)/2] }
	if len(ttft[3]) < 5 || len(modelGap) < 10 {
		t.Fatalf("too few later turns: %d third turns, %d later ones", len(ttft[3]), len(modelGap))
	}
	// The client measures a little over the server's own delay (a few ms
	// more under -race on a busy machine); the median of the difference stays
	// well under the prefill the cache saves, which is what a server that
	// ignored the cache, or a client that mis-credited it, would add.
	if g, limit := med(modelGap), med(cacheSaves)/2; g < -0.5 || g > limit {
		t.Errorf("later turns: median TTFT - model %.2f ms, want within [-0.5, %.2f] ms (half the %.2f ms the cache saves)", g, limit, 2*limit)
	}
	saved := med(uncachedModel[3]) - med(ttft[3])
	if saved < 15 {
		t.Errorf("turn 3: median TTFT %.2f ms, the uncached model %.2f ms: the cache saved %.2f ms, want > 15", med(ttft[3]), med(uncachedModel[3]), saved)
	}
	sum := workflowtest.ReadSummary(t, env.Store, pl.RunID)
	ts := sum.Levels[0].Turns
	if len(ts) != 3 || ts[2].CacheHitRatio == nil || *ts[2].CacheHitRatio < 0.5 || ts[0].InputTokensMean >= ts[2].InputTokensMean {
		t.Errorf("summary by turn: %+v; want 3 turns, the third mostly cached and longer than the first", ts)
	}
	t.Logf("TTFT p50 by turn: %.2f, %.2f, %.2f ms; uncached model of turn 3: %.2f ms; later turns over the model by %.2f ms (the cache saves %.2f)", med(ttft[1]), med(ttft[2]), med(ttft[3]), med(uncachedModel[3]), med(modelGap), med(cacheSaves))
}
