// Package functions_test checks what `make package` relies on: each Lambda
// builds for provided.al2023 on arm64 without cgo, as a static executable.
package functions_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// lambdas are the Lambda mains, one folder each; TestEveryLambdaChecked
// keeps the list in step with the folders and the Makefile.
var lambdas = []string{"planner", "worker", "aggregator", "sweeper", "proxy"}

// TestEveryLambdaChecked: a new functions/<fn>/main.go is in lambdas (so
// the checks below cover it) and in the Makefile's FUNCTIONS (so make
// package builds its zip).
func TestEveryLambdaChecked(t *testing.T) {
	mains, err := filepath.Glob(filepath.Join("*", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, m := range mains {
		dirs = append(dirs, filepath.Dir(m))
	}
	want := slices.Sorted(slices.Values(lambdas))
	if slices.Sort(dirs); !slices.Equal(dirs, want) {
		t.Errorf("functions/*/main.go are %v; the checks of this file cover %v", dirs, want)
	}
	mk, err := os.ReadFile(filepath.Join("..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^FUNCTIONS\s*:?=\s*(.+)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("Makefile: no FUNCTIONS := line")
	}
	got := strings.Fields(string(m[1]))
	if slices.Sort(got); !slices.Equal(got, want) {
		t.Errorf("the Makefile's FUNCTIONS are %v, want %v: make package builds a zip of each", got, want)
	}
}

func TestLambdasBuildStaticArm64(t *testing.T) {
	for _, fn := range lambdas {
		t.Run(fn, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bootstrap")
			cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, "./"+fn)
			cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("build %s: %v\n%s", fn, err, b)
			}
			f, err := elf.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Machine != elf.EM_AARCH64 {
				t.Errorf("%s is built for %v, want aarch64", fn, f.Machine)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
					t.Errorf("%s is dynamically linked (%v): a Lambda must not need cgo or a libc", fn, p.Type)
				}
			}
			// DuckDB is cgo: it must never reach a Lambda.
			deps, err := exec.Command("go", "list", "-deps", "./"+fn).Output()
			if err != nil {
				t.Fatal(err)
			}
			// Nor the local runner (the States Language interpreter), the
			// simulated server or anything of the CLI's: a Lambda carries
			// its step and the core it calls, no more.
			bads := []string{
				"github.com/duckdb/duckdb-go/v2",
				"github.com/llmbench/llmbench/shared/query/duckdb",
				"github.com/llmbench/llmbench/shared/sfnlocal",
				"github.com/llmbench/llmbench/shared/localrun",
				"github.com/llmbench/llmbench/shared/simllm",
				"github.com/llmbench/llmbench/shared/cloudrun",
				"github.com/llmbench/llmbench/shared/compare",
				"github.com/llmbench/llmbench/shared/workflow/workflowtest",
				"github.com/llmbench/llmbench/statemachine",
				"github.com/llmbench/llmbench/cmd/llmbench",
			}
			if fn != "aggregator" {
				// Only the aggregator renders reports; the report and
				// charting code (and its embedded fonts) would only slow
				// the others' cold starts. The sweeper reads the same
				// summary SQL (shared/query) without rendering it.
				bads = append(bads,
					"gonum.org/v1/plot",
					"github.com/llmbench/llmbench/shared/report",
					"github.com/llmbench/llmbench/shared/report/chart")
			}
			for _, bad := range bads {
				if containsLine(string(deps), bad) {
					t.Errorf("%s links %s", fn, bad)
				}
			}
		})
	}
}

// TestHandlersDecodeStrictly: every step's Lambda main starts its
// handler with unknown fields disallowed, so a key the state machine
// misspells fails the invocation instead of reading as a zero value
// (level 0, worker 0). The proxy is not a step: its event is a Function
// URL request, which AWS sends with members aws-lambda-go does not
// declare (functions/proxy's TestFunctionURLEvent shows a strict decoder
// refusing it).
func TestHandlersDecodeStrictly(t *testing.T) {
	for _, fn := range lambdas {
		if fn == "proxy" {
			continue
		}
		src, err := os.ReadFile(filepath.Join(fn, "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		s := string(src)
		if !strings.Contains(s, "lambda.StartWithOptions(") || !strings.Contains(s, "lambda.WithDisallowUnknownFields(true)") {
			t.Errorf("%s/main.go does not start its handler with lambda.WithDisallowUnknownFields(true)", fn)
		}
		if strings.Contains(s, "lambda.Start(") {
			t.Errorf("%s/main.go calls lambda.Start, which decodes events leniently", fn)
		}
	}
}

func containsLine(s, line string) bool {
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		if s[:i] == line {
			return true
		}
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return false
}
