package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/summary"
)

type fakeEnv map[string]string

func (e fakeEnv) Getenv(k string) string { return e[k] }

// cli runs the CLI in-process and returns its exit code and output.
func cli(t *testing.T, env fakeEnv, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	var err error
	if len(args) > 0 && args[0] == "run" {
		err = runCmd(context.Background(), args[1:], &out, &errb, env)
	} else {
		err = dispatch(context.Background(), args, &out, &errb)
	}
	code := 0
	if err != nil {
		code = 1
		if ee, ok := err.(*exitError); ok {
			code = ee.code
		}
		errb.WriteString(err.Error())
	}
	return code, out.String(), errb.String()
}

func writeSpec(t *testing.T, doc string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "spec.json")
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readSummary(t *testing.T, out string) *summary.Summary {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(out, "runs", "*", "summary.json"))
	if len(files) != 1 {
		t.Fatalf("want one summary.json under %s, found %v", out, files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var s summary.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func TestValidateEvents(t *testing.T) {
	// From the repository's root, as the README runs them (a dataset's
	// path is relative to the current folder).
	t.Chdir("../..")
	files, _ := filepath.Glob("events/*.json")
	if len(files) < 3 {
		t.Fatalf("found only %d event specs", len(files))
	}
	files = append(files, "statemachine/benchmark.asl.json")
	code, out, errs := cli(t, nil, append([]string{"validate"}, files...)...)
	if code != 0 {
		t.Fatalf("validate events: exit %d\n%s%s", code, out, errs)
	}
}

// TestValidateDefinitionCatchesReplays: a definition whose worker retries
// on States.ALL (a retry would replay load) or has a dangling Next fails.
func TestValidateDefinitionCatchesReplays(t *testing.T) {
	def, err := os.ReadFile("../../statemachine/benchmark.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from, to, want string
	}{
		{"retry on States.ALL", `"ErrorEquals": ["Lambda.ServiceException",`, `"ErrorEquals": ["States.ALL", "Lambda.ServiceException",`, "States.ALL"},
		{"missing next", `"Next": "Aggregate"`, `"Next": "Aggregat"`, "Aggregat"},
	}
	for _, tc := range tests {
		broken := strings.Replace(string(def), tc.from, tc.to, 1)
		if broken == string(def) {
			t.Fatalf("%s: pattern not found", tc.name)
		}
		p := filepath.Join(t.TempDir(), "broken.asl.json")
		os.WriteFile(p, []byte(broken), 0o644)
		code, _, errs := cli(t, nil, "validate", p)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, %s", tc.name, code, errs)
		}
	}
}

func TestMalformedSpecWritesNothing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "results")
	p := writeSpec(t, `{"name":"bad name!","target":{"kind":"sim"},
	  "workload":{"output_tokens":0,"input_tokens":-5},"load":{"levels":[6,-1],"duration":"abc"}}`)
	for _, cmd := range [][]string{{"validate", p}, {"run", "--out", out, p}} {
		code, _, errs := cli(t, nil, cmd...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", cmd[0], code)
		}
		for _, field := range []string{"name:", "workload.input_tokens:", "load.levels[1]: must be > 0", "load.duration:"} {
			if !strings.Contains(errs, field) {
				t.Errorf("%v: error does not name %q:\n%s", cmd[0], field, errs)
			}
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an invalid spec wrote %s", out)
	}
}

func TestHelpAndUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"help"}, 0, "llmbench run"},                 // the overview
		{[]string{"run", "--help"}, 0, "Usage: llmbench run"}, // per-command help exits 0
		{[]string{"sim", "--help"}, 0, "g5-llama31-8b-awq"},   // lists the profiles
		{[]string{"frobnicate"}, 2, "unknown command"},        // a typo is a usage error
		{[]string{"run"}, 2, "want exactly one spec file"},    // missing argument
	}
	for _, tc := range tests {
		code, out, errs := cli(t, nil, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: exit %d, output lacks %q?\n%s%s", tc.args, code, tc.want, out, errs)
		}
	}
}

// TestSecretNeverWritten runs a spec whose API key comes from the
// environment against a server that requires it, then searches every file
// the run wrote and everything it printed for the key's value.
func TestSecretNeverWritten(t *testing.T) {
	const key = "sk-test-7f3a9c1e5b2d4f6a8c0e"
	p, _ := simllm.LookupProfile("instant")
	sim, err := simllm.New(simllm.Options{Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	var denied int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("api-key") != key {
			denied++
			http.Error(w, `{"error":{"message":"bad key"}}`, http.StatusUnauthorized)
			return
		}
		sim.ServeHTTP(w, r)
	}))
	defer srv.Close()

	out := t.TempDir()
	spec := writeSpec(t, `{"name":"secret","platform":"azure","target":{"kind":"openai","url":"`+srv.URL+`/v1","model":"m",
	  "auth":{"header":"api-key","secret":"env:LLMBENCH_TEST_KEY"}},
	  "load":{"levels":[2],"requests":20}}`)
	code, stdout, errs := cli(t, fakeEnv{"LLMBENCH_TEST_KEY": key}, "run", "--out", out, spec)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if denied != 0 {
		t.Fatalf("%d requests went without the key", denied)
	}
	if s := readSummary(t, out); s.Levels[0].OK != 20 {
		t.Fatalf("ok = %d, want 20", s.Levels[0].OK)
	}
	if strings.Contains(stdout+errs, key) {
		t.Error("the key's value was printed")
	}
	n := 0
	filepath.Walk(out, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		n++
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte(key)) {
			t.Errorf("%s contains the key's value", path)
		}
		return nil
	})
	if n < 5 {
		t.Errorf("searched only %d files", n)
	}

	// Without the variable the run refuses to start, naming the reference.
	code, _, errs = cli(t, fakeEnv{}, "run", "--out", t.TempDir(), spec)
	if code != 2 || !strings.Contains(errs, "env:LLMBENCH_TEST_KEY") {
		t.Errorf("missing secret: exit %d, %s", code, errs)
	}
}

// TestLocalSageMakerEvent runs events/local-sagemaker.json as shipped: the
// real SageMaker runtime SDK client against the simulated SageMaker API.
func TestLocalSageMakerEvent(t *testing.T) {
	out := t.TempDir()
	code, stdout, errs := cli(t, nil, "run", "--quiet", "--out", out, "../../events/local-sagemaker.json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	s := readSummary(t, out)
	if !s.Simulated || !strings.Contains(s.Target, "sagemaker") || len(s.Levels) != 2 {
		t.Fatalf("summary: simulated=%v target=%q levels=%d", s.Simulated, s.Target, len(s.Levels))
	}
	for _, l := range s.Levels {
		if l.Requests == 0 || l.Errors != 0 || l.TokenSource != "usage" || l.TTFTMs.N != l.OK {
			t.Errorf("level %d: %d requests, %d errors, token source %q, %d TTFTs", l.Concurrency, l.Requests, l.Errors, l.TokenSource, l.TTFTMs.N)
		}
	}
	// The calibration (950 tok/s ± 10% at 32) is a timing check: make
	// accuracy runs it (TestAccuracyCalibratedRun). Here only its order.
	if at6, at32 := s.Levels[0].OutputTokenThroughput, s.Levels[1].OutputTokenThroughput; !(at6 > 0 && at32 > at6) {
		t.Errorf("simulated g5 through SageMaker: %.1f tok/s at 6, %.1f at 32; want more at 32", at6, at32)
	}
	if !strings.Contains(stdout, "SIMULATED") {
		t.Errorf("table not labelled simulated:\n%s", stdout)
	}
}
