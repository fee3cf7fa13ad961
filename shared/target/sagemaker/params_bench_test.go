package sagemaker

import (
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/target"
)

// BenchmarkPayload measures encoding one request's body in each format,
// the per-request work the target does before the SDK call.
func BenchmarkPayload(b *testing.B) {
	prompt := strings.TrimSpace(strings.Repeat("the ", 256))
	base := target.Request{Prompt: prompt, InputTokens: 256, MaxTokens: 64}
	temp, topP, minTokens := 0.7, 0.9, 16
	all := base
	all.Temperature, all.TopP, all.Stop = &temp, &topP, []string{"\n\n", "</s>"}
	all.ExtraBody = []byte(`{"seed":7,"top_k":20,"repetition_penalty":1.05}`)
	for _, format := range []string{FormatChat, FormatLMI, FormatTGI} {
		full := all
		if format != FormatTGI { // TGI has neither
			full.MinTokens, full.IgnoreEOS = &minTokens, true
		}
		for _, bc := range []struct {
			name string
			req  target.Request
		}{{format, base}, {format + "-all-params", full}} {
			b.Run(bc.name, func(b *testing.B) {
				tg, err := New(&fakeAPI{}, Config{Endpoint: "e", Format: format, Model: "m", Stream: true})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := tg.payload(bc.req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
