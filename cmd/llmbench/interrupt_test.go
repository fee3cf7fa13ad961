package main

import (
	"net/http"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/simllm"
)

// TestTwoInterrupts is two Ctrl-C with requests in flight (a server that
// never sends its first token): the run exits 130 with a summary, and
// every request the server received is a row, canceled.
func TestTwoInterrupts(t *testing.T) {
	p, _ := simllm.LookupProfile("fixed")
	p.TTFT = time.Hour
	var received atomic.Int64
	sim, err := simllm.Start(simllm.Options{Profile: p, Fault: func(int64, *http.Request) simllm.Fault {
		received.Add(1)
		return simllm.FaultNone
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	out := t.TempDir()
	spec := writeSpec(t, `{"name":"ctrl-c","target":{"kind":"openai","url":"`+sim.URL+`","model":"m"},
	  "load":{"levels":[3],"duration":"1h"}}`)
	go func() {
		for received.Load() < 3 {
			time.Sleep(5 * time.Millisecond)
		}
		// runCmd has taken SIGINT (signal.Notify): the test binary lives.
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		time.Sleep(100 * time.Millisecond)
		syscall.Kill(os.Getpid(), syscall.SIGINT)
	}()
	code, _, errs := cli(t, nil, "run", "--quiet", "--out", out, spec)
	if code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, errs)
	}
	l := readSummary(t, out).Levels[0]
	if l.Requests != int(received.Load()) || l.ErrorsByStatus["canceled"] != l.Requests {
		t.Errorf("%d rows, by status %v, for %d requests received; want all canceled", l.Requests, l.ErrorsByStatus, received.Load())
	}
}
