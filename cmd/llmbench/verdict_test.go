package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/summary"
)

// TestClosedPortBacksOffAndFails: against a port nobody listens on, the
// virtual users back off after each refused connection (instead of about
// 27,000 requests a second, as an immediate retry gives), every request is
// a transport row, and the run exits 1 once the summary is written.
func TestClosedPortBacksOffAndFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://%s/v1", ln.Addr())
	ln.Close()
	out := t.TempDir()
	p := writeSpec(t, `{"name":"down","target":{"kind":"openai","url":"`+url+`","model":"m"},
	  "load":{"levels":[4],"duration":"2s"}}`)
	code, _, errs := cli(t, nil, "run", "--quiet", "--out", out, p)
	if code != 1 || !strings.Contains(errs, "level 4: ") || !strings.Contains(errs, "transport") {
		t.Fatalf("exit %d, stderr %q; want 1 naming the level and its transport errors", code, errs)
	}
	s := readSummary(t, out)
	l := s.Levels[0]
	// Each user waits 50-100 ms, then 100-200, 200-400, 400-800 ms ...:
	// at most 6 requests in 2 s; 4 users, 24.
	if l.Requests > 24 || l.Requests < 4 || l.ErrorsByStatus["transport"] != l.Requests {
		t.Errorf("%d requests, by status %v; want 4 to 24, all transport", l.Requests, l.ErrorsByStatus)
	}
	if l.BackoffS <= 0 {
		t.Errorf("backoff_s %v: the users' waits are not recorded", l.BackoffS)
	}
}

// TestMaxErrorRate: a level with one request in ten failing passes the
// default budget (only an all-failed level fails) and fails a budget of
// 5%, with every row and the summary written either way.
func TestMaxErrorRate(t *testing.T) {
	p, _ := simllm.LookupProfile("fixed")
	p.TTFT, p.ITL = time.Millisecond, time.Millisecond
	sim, err := simllm.Start(simllm.Options{Profile: p, Fault: func(n int64, r *http.Request) simllm.Fault {
		if n%10 == 3 {
			return simllm.FaultHTTP500
		}
		return simllm.FaultNone
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	spec := writeSpec(t, `{"name":"budget","target":{"kind":"openai","url":"`+sim.URL+`","model":"m"},
	  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[1],"requests":20,"on_error":"immediate"}}`)
	for _, c := range []struct {
		flag []string
		code int
	}{
		{nil, 0},
		{[]string{"--max-error-rate", "0.05"}, 1},
		{[]string{"--max-error-rate", "0.5"}, 0},
	} {
		out := t.TempDir()
		args := append(append([]string{"run", "--quiet", "--out", out}, c.flag...), spec)
		code, _, errs := cli(t, nil, args...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d\n%s", c.flag, code, c.code, errs)
		}
		if s := readSummary(t, out); s.Levels[0].Requests != 20 || s.Levels[0].Errors != 2 {
			t.Errorf("%v: %d requests, %d errors; want 20 and 2", c.flag, s.Levels[0].Requests, s.Levels[0].Errors)
		}
	}
	if code, _, _ := cli(t, nil, "run", "--max-error-rate", "2", spec); code != 2 {
		t.Errorf("--max-error-rate 2: exit %d, want 2", code)
	}
}

// TestThrottledBacksOff is the case: an endpoint answering 429 with
// Retry-After: 1, four virtual users for 6 s. Each user waits the server's
// second: about 4 × 6 requests (not 100,000), all counted as throttled,
// and the run exits 1 since every request failed.
func TestThrottledBacksOff(t *testing.T) {
	instant, _ := simllm.LookupProfile("instant")
	sim, err := simllm.Start(simllm.Options{Profile: instant, Fault: func(int64, *http.Request) simllm.Fault { return simllm.FaultHTTP429 }})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	out := t.TempDir()
	spec := writeSpec(t, `{"name":"throttled","target":{"kind":"openai","url":"`+sim.URL+`","model":"m"},
	  "load":{"levels":[4],"duration":"6s"}}`)
	code, stdout, errs := cli(t, nil, "run", "--out", out, spec)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (every request failed)\n%s", code, errs)
	}
	l := readSummary(t, out).Levels[0]
	if l.Requests < 20 || l.Requests > 28 || l.Throttled != l.Requests || l.ErrorsByStatus["http_error"] != l.Requests {
		t.Errorf("%d requests, %d throttled, by status %v; want about 24, all throttled 429s", l.Requests, l.Throttled, l.ErrorsByStatus)
	}
	if l.BackoffS < 15 {
		t.Errorf("users waited %.1f s in all, want about 4 × 5 s", l.BackoffS)
	}
	if !strings.Contains(stdout, "was THROTTLED") {
		t.Errorf("the table does not say the level was throttled:\n%s", stdout)
	}
}

// TestReportMissingRun: a mistyped run path is a usage error that names
// it, and creates nothing.
func TestReportMissingRun(t *testing.T) {
	dir := t.TempDir()
	addr := dir + "/nowhere/runs/x-1"
	code, _, errs := cli(t, nil, "report", addr)
	if code != 2 || !strings.Contains(errs, "no run at "+addr) {
		t.Errorf("exit %d, stderr %q; want 2 naming the path", code, errs)
	}
	if _, err := os.Stat(dir + "/nowhere"); err == nil {
		t.Error("report created the folder of a run that does not exist")
	}
}

// TestErrorBudget: the exit code's verdict over a summary's levels: the
// error rate against --max-error-rate, and a level whose slices failed past
// load.tolerated_failure_percent, which fails the run even when every
// request it measured succeeded.
func TestErrorBudget(t *testing.T) {
	failedSlices := &summary.SliceThreshold{TolerancePercent: 10, Slices: 100, Failed: 12, Round: 0, Error: "States.ExceedToleratedFailureThreshold"}
	tests := []struct {
		name   string
		levels []summary.Level
		max    float64
		want   string // "" for no error
	}{
		{"all ok", []summary.Level{{Concurrency: 4, Requests: 10}}, 1, ""},
		{"some errors, default budget", []summary.Level{{Concurrency: 4, Requests: 10, Errors: 3, ErrorRate: 0.3}}, 1, ""},
		{"every request failed", []summary.Level{{Concurrency: 4, Requests: 10, Errors: 10, ErrorRate: 1}}, 1, "level 4: 10 of 10 requests failed"},
		{"above the budget", []summary.Level{{Concurrency: 8, Requests: 10, Errors: 3, ErrorRate: 0.3}}, 0.05, "level 8: 3 of 10 requests failed"},
		{"slices past their tolerance", []summary.Level{{Concurrency: 400, Requests: 880, SlicesFailed: failedSlices}}, 1,
			"level 400: 12 of 100 slices failed, past load.tolerated_failure_percent 10 (round 0: States.ExceedToleratedFailureThreshold)"},
		{"no requests, slices failed", []summary.Level{{Concurrency: 400, SlicesFailed: failedSlices}}, 1, "level 400: 12 of 100 slices failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := errorBudget(&summary.Summary{Levels: tc.levels}, tc.max)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got %v, want none", err)
				}
				return
			}
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want exit 1 with %q", err, tc.want)
			}
		})
	}
}
