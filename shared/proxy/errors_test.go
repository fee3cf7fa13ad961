package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/target/openai"
	"github.com/llmbench/llmbench/shared/target/sagemaker"
)

// TestFaultsArriveClassified: a fault the simulated SageMaker runtime
// injects reaches a row through the proxy as an http_error with the
// status an OpenAI client expects (before the first token: the response's
// own; after it: the error event's code), and the error names what the
// direct SageMaker target saw. Every request gives one row, and the
// proxy writes no metric for a failure.
func TestFaultsArriveClassified(t *testing.T) {
	tests := []struct {
		fault       simllm.SageMakerFault
		stream      bool
		status      int    // the HTTP status in the row
		directIn    string // in the direct target's error
		afterTokens bool   // the proxy's stream had begun
	}{
		{simllm.SageMakerFaultThrottling, true, 429, "ThrottlingException", false},
		{simllm.SageMakerFaultThrottling, false, 429, "ThrottlingException", false},
		{simllm.SageMakerFaultValidation, true, 400, "ValidationError", false},
		{simllm.SageMakerFaultModelError, false, 500, "ModelError", false},
		{simllm.SageMakerFaultModelNotReady, true, 429, "ModelNotReadyException", false},
		{simllm.SageMakerFaultUnavailable, false, 503, "ServiceUnavailable", false},
		// mid-stream: an exception frame, a container error line, a cut
		// connection, a malformed line
		{simllm.SageMakerFaultModelStreamError, true, 502, "ModelStreamError", true},
		{simllm.SageMakerFaultInternalStreamFailure, true, 502, "InternalStreamFailure", true},
		{simllm.SageMakerFaultErrorLine, true, 0, "error in stream", true},
		{simllm.SageMakerFaultCut, true, 502, "event stream broken", true},
		{simllm.SageMakerFaultMalformed, true, 502, "malformed line", true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/stream=%v", tc.fault, tc.stream), func(t *testing.T) {
			fault := func(int64, *http.Request) simllm.SageMakerFault { return tc.fault }
			direct := startSim(t, sagemaker.FormatChat, fault)
			behind := startSim(t, sagemaker.FormatChat, fault)
			dt, err := sagemaker.New(newAPI(direct.SageMakerEndpoint()), sagemaker.Config{Endpoint: endpoint, Stream: tc.stream})
			if err != nil {
				t.Fatal(err)
			}
			var metrics strings.Builder
			client := openaiClient(t, startProxy(t, behind, Config{Metrics: &metrics}).URL, openai.APIChat, tc.stream)
			req := request(1)
			want := dt.Do(context.Background(), req)
			got := client.Do(context.Background(), req)
			if want.Status == sample.StatusOK || !strings.Contains(want.Err, tc.directIn) {
				t.Fatalf("direct: %s %q, want a failure naming %q", want.Status, want.Err, tc.directIn)
			}
			if got.Status != sample.StatusHTTPError || !strings.Contains(got.Err, tc.directIn) {
				t.Errorf("through the proxy: %s %q, want http_error naming %q", got.Status, got.Err, tc.directIn)
			}
			wantStatus := tc.status
			if wantStatus == 0 {
				wantStatus = want.HTTPStatus // the container's error line: its own code
				if wantStatus < 400 {
					wantStatus = 502
				}
			}
			if got.HTTPStatus != wantStatus {
				t.Errorf("through the proxy: HTTP %d, want %d (%q)", got.HTTPStatus, wantStatus, got.Err)
			}
			if started := len(got.Tokens) > 0; started != tc.afterTokens {
				t.Errorf("through the proxy: %d tokens before the error, want some: %v", len(got.Tokens), tc.afterTokens)
			}
			if metrics.Len() != 0 {
				t.Errorf("a failed request wrote metrics: %s", metrics.String())
			}
		})
	}
}

// TestBadRequests: what the proxy refuses, in OpenAI's error shape
// ({"error":{"message","type","param","code"}}) with the right status and
// the member named, before any SageMaker call.
func TestBadRequests(t *testing.T) {
	tests := []struct {
		name, method, path, format, body string
		status                           int
		param                            string // "" for none
		msgIn                            string
	}{
		{"not JSON", "POST", ChatPath, "", `{"messages":`, 400, "", "JSON object"},
		{"not an object", "POST", ChatPath, "", `[1,2]`, 400, "", "JSON object"},
		{"null", "POST", ChatPath, "", `null`, 400, "", "JSON object"},
		{"no messages", "POST", ChatPath, "", `{"model":"m"}`, 400, "messages", "required"},
		{"content parts", "POST", ChatPath, "", `{"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`, 400, "messages[0].content", "string"},
		{"bad role", "POST", ChatPath, "", `{"messages":[{"role":"robot","content":"hi"}]}`, 400, "messages[0].role", "robot"},
		{"max_tokens a string", "POST", ChatPath, "", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":"8"}`, 400, "max_tokens", "whole number"},
		{"negative max_tokens", "POST", ChatPath, "", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":-1}`, 400, "max_tokens", "whole number"},
		{"n of 2", "POST", ChatPath, "", `{"messages":[{"role":"user","content":"hi"}],"n":2}`, 400, "n", "only 1"},
		{"five stops", "POST", ChatPath, "", `{"messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","d","e"]}`, 400, "stop", "at most 4"},
		{"top_p 0", "POST", ChatPath, "", `{"messages":[{"role":"user","content":"hi"}],"top_p":0}`, 400, "top_p", "range"},
		{"stream a string", "POST", ChatPath, "", `{"messages":[{"role":"user","content":"hi"}],"stream":"yes"}`, 400, "stream", "wrong type"},
		{"messages on completions", "POST", CompletionsPath, "", `{"messages":[{"role":"user","content":"hi"}]}`, 400, "messages", "prompt"},
		{"prompt list", "POST", CompletionsPath, "", `{"prompt":["a","b"]}`, 400, "prompt", "one string"},
		{"no prompt", "POST", CompletionsPath, "", `{"max_tokens":4}`, 400, "prompt", "required"},
		// a member TGI would ignore, refused by spec.ExtraBodyRefusal's rule
		{"tgi unknown member", "POST", ChatPath, sagemaker.FormatTGI, `{"messages":[{"role":"user","content":"hi"}],"presence_penalty":1}`, 400, "presence_penalty", "TGI"},
		{"lmi stop_sequences", "POST", ChatPath, sagemaker.FormatLMI, `{"messages":[{"role":"user","content":"hi"}],"stop_sequences":["x"]}`, 400, "stop_sequences", "stop"},
		{"unknown route", "POST", "/v1/embeddings", "", `{}`, 404, "", "no route"},
		{"GET", "GET", ChatPath, "", ``, 405, "", "only POST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := startSim(t, tc.format, nil)
			srv := startProxy(t, rs, Config{Format: tc.format})
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var e struct {
				Error *struct {
					Message string  `json:"message"`
					Type    string  `json:"type"`
					Param   *string `json:"param"`
					Code    int     `json:"code"`
				} `json:"error"`
			}
			if err := json.Unmarshal(b, &e); err != nil || e.Error == nil {
				t.Fatalf("HTTP %d, body %s: not an OpenAI error object (%v)", resp.StatusCode, b, err)
			}
			if resp.StatusCode != tc.status || e.Error.Code != tc.status {
				t.Errorf("HTTP %d code %d, want %d", resp.StatusCode, e.Error.Code, tc.status)
			}
			if wantType := errorType(tc.status); e.Error.Type != wantType {
				t.Errorf("type %q, want %q", e.Error.Type, wantType)
			}
			if param := ""; e.Error.Param != nil {
				param = *e.Error.Param
				if param != tc.param {
					t.Errorf("param %q, want %q", param, tc.param)
				}
			} else if tc.param != "" {
				t.Errorf("no param, want %q", tc.param)
			}
			if !strings.Contains(e.Error.Message, tc.msgIn) {
				t.Errorf("message %q does not say %q", e.Error.Message, tc.msgIn)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}
