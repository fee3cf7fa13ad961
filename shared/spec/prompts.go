package spec

import (
	"fmt"
	"strings"
)

// checkPrompts checks where the prompts come from: synthetic, or a
// dataset with its format, path and sampling.
func (s *Spec) checkPrompts() Problems {
	var p Problems
	add := func(path, format string, args ...any) {
		p = append(p, path+": "+fmt.Sprintf(format, args...))
	}
	w := s.Workload
	switch w.Prompts {
	case PromptsSynthetic:
		if w.Dataset != nil {
			add("workload.dataset", "is for workload.prompts %q; prompts is %q", PromptsDataset, w.Prompts)
		}
	case PromptsDataset:
		d := w.Dataset
		if d == nil {
			add("workload.dataset", "is required with workload.prompts %q: {\"format\": \"sharegpt\" or \"jsonl\", \"path\": …}", PromptsDataset)
			break
		}
		if d.Format != DatasetShareGPT && d.Format != DatasetJSONL {
			add("workload.dataset.format", "must be %q or %q, got %q", DatasetShareGPT, DatasetJSONL, d.Format)
		}
		switch {
		case d.Path == "":
			add("workload.dataset.path", "is required: a local file or s3://bucket/key")
		case strings.HasPrefix(d.Path, "s3://"):
			if rest := strings.TrimPrefix(d.Path, "s3://"); !strings.Contains(rest, "/") || strings.HasPrefix(rest, "/") || strings.HasSuffix(rest, "/") {
				add("workload.dataset.path", "must be s3://bucket/key, got %q", d.Path)
			}
		case strings.Contains(d.Path, "://"):
			add("workload.dataset.path", "must be a local file or s3://bucket/key, got %q", d.Path)
		case strings.HasPrefix(s.Output, "s3://"):
			add("workload.dataset.path", "must be s3://bucket/key when the run's output is in S3 (the planner runs in AWS), got %q", d.Path)
		}
		if d.Sample != DatasetShuffle && d.Sample != DatasetSequential {
			add("workload.dataset.sample", "must be %q or %q, got %q", DatasetShuffle, DatasetSequential, d.Sample)
		}
		if !w.InputTokens.IsZero() {
			add("workload.input_tokens", "is the length of synthetic prompts; a dataset's prompts are its own")
		}
	default:
		add("workload.prompts", "must be %q or %q, got %q", PromptsSynthetic, PromptsDataset, w.Prompts)
	}
	return p
}
