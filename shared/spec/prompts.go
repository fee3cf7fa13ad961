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
		if d.Path == "" {
			add("workload.dataset.path", "is required: a local file or s3://bucket/key")
		} else if msg := checkSource(d.Path, s.Output); msg != "" {
			add("workload.dataset.path", "%s", msg)
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
	if sp := w.SharedPrefix; sp != nil {
		if sp.Count < 1 || sp.Count > 100_000 {
			add("workload.shared_prefix.count", "must be between 1 and 100000, got %d", sp.Count)
		}
		if sp.Tokens < 1 || sp.Tokens > 1_000_000 {
			add("workload.shared_prefix.tokens", "must be between 1 and 1000000, got %d", sp.Tokens)
		}
		if w.Prompts != PromptsSynthetic {
			add("workload.shared_prefix", "is for synthetic prompts; a dataset's prompts are its own")
		}
	}
	if w.Tokenizer != "" {
		if msg := checkSource(w.Tokenizer, s.Output); msg != "" {
			add("workload.tokenizer", "%s", msg)
		}
	}
	return p
}

// checkSource checks the path of a file the planner reads (a dataset, a
// tokenizer): a local file, or s3://bucket/key; "" when it is fine.
func checkSource(path, output string) string {
	switch {
	case strings.HasPrefix(path, "s3://"):
		if rest := strings.TrimPrefix(path, "s3://"); !strings.Contains(rest, "/") || strings.HasPrefix(rest, "/") || strings.HasSuffix(rest, "/") {
			return fmt.Sprintf("must be s3://bucket/key, got %q", path)
		}
	case strings.Contains(path, "://"):
		return fmt.Sprintf("must be a local file or s3://bucket/key, got %q", path)
	case strings.HasPrefix(output, "s3://"):
		return fmt.Sprintf("must be s3://bucket/key when the run's output is in S3 (the planner runs in AWS), got %q", path)
	}
	return ""
}
