package loadgen_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/target/openai"
)

// BenchmarkClientCPU measures the client's CPU per streamed request of 64
// chunks at 256 streams (fixed profile: TTFT 100 ms, then a chunk every
// 20 ms, so that every chunk arrives on its own, as from a real server),
// beside the floor: a raw client on the same connections that writes the
// request by hand and only reads (conn.Read, time.Now per read) until the
// last chunk, with no net/http, SSE or JSON. The floor is what Go's
// network poller and the kernel cost per chunk on this machine; the
// difference is what the client's own code can still save. The two run
// in turns, 3 rounds each against one server, and each figure is the
// median of its rounds (the machine is shared: interleaving spreads its
// noise over both).
func BenchmarkClientCPU(b *testing.B) {
	const streams, perStream, tokens, rounds = 256, 2, 64, 3
	for i := 0; i < b.N; i++ {
		ch := startChildSpec(b, fmt.Sprintf("%s,%s", 100*time.Millisecond, 20*time.Millisecond))
		var client, raw []float64
		for range rounds {
			client = append(client, clientRound(b, ch.base, streams, perStream, tokens))
			raw = append(raw, rawRound(b, ch.base, streams, perStream, tokens))
		}
		ch.stop()
		c, r := median(client), median(raw)
		b.ReportMetric(c, "client_cpu_us/request")
		b.ReportMetric(r, "floor_cpu_us/request")
		b.ReportMetric(c-r, "above_floor_us/request")
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// clientRound runs streams closed-loop users of the openai client, each
// sending perStream requests, and returns the process's CPU time per
// request in µs.
func clientRound(b *testing.B, base string, streams, perStream, tokens int) float64 {
	c, err := openai.New(openai.Config{BaseURL: base + "/v1", Model: "m", Stream: true, Client: target.NewHTTPClient(streams)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var mu sync.Mutex
	failed := 0
	do := func(ctx context.Context, vu int, seq int64) *sample.Result {
		return c.Do(ctx, target.Request{Prompt: "a b c d", MaxTokens: tokens})
	}
	emit := func(is loadgen.Issued) {
		if is.Result.Status != sample.StatusOK || len(is.Result.Tokens) != tokens {
			mu.Lock()
			failed++
			mu.Unlock()
		}
	}
	n := streams * perStream
	cpu0 := cpuTime()
	ex := &loadgen.ClosedLoop{Concurrency: streams, Config: loadgen.Config{Requests: n, RequestTimeout: time.Minute}}
	if err := ex.Execute(context.Background(), do, emit); err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime() - cpu0
	if failed > 0 {
		b.Fatalf("client: %d of %d requests failed or lacked chunks", failed, n)
	}
	return float64(cpu.Microseconds()) / float64(n)
}

// chunkedEnd ends a chunked body: the last chunk, no trailers.
const chunkedEnd = "\r\n0\r\n\r\n"

// rawRound is clientRound with the floor client: per stream one
// connection, the request written by hand, the answer only read.
func rawRound(b *testing.B, base string, streams, perStream, tokens int) float64 {
	host := strings.TrimPrefix(base, "http://")
	body := fmt.Sprintf(`{"model":"m","messages":[{"role":"user","content":"a b c d"}],"max_tokens":%d,"stream":true,"stream_options":{"include_usage":true}}`, tokens)
	req := []byte(fmt.Sprintf("POST /v1/chat/completions HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: %d\r\n\r\n%s", host, len(body), body))
	end := []byte(chunkedEnd)
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	cpu0 := cpuTime()
	for range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", host)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			buf := make([]byte, 16<<10)
			for range perStream {
				if _, err := c.Write(req); err != nil {
					errs <- err
					return
				}
				var tail [len(chunkedEnd)]byte // the last bytes read, to spot the end
				nt := 0
				for !bytes.Equal(tail[:nt], end) {
					k, err := c.Read(buf)
					if err != nil {
						errs <- err
						return
					}
					_ = time.Now() // the stamp every read takes
					keep := min(nt, len(tail)-min(k, len(tail)))
					copy(tail[:], tail[nt-keep:nt])
					nt = keep + copy(tail[keep:], buf[max(0, k-(len(tail)-keep)):k])
				}
			}
		}()
	}
	wg.Wait()
	cpu := cpuTime() - cpu0
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("raw client: %v", err)
	}
	return float64(cpu.Microseconds()) / float64(streams*perStream)
}
