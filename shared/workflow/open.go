package workflow

import (
	"context"
	"fmt"

	"github.com/llmbench/llmbench/shared/spec"
)

// ByKind opens targets with the opener registered for the spec's target
// kind: the composition roots register what their process can reach.
func ByKind(openers map[string]OpenTarget) OpenTarget {
	return func(ctx context.Context, s *spec.Spec, maxConns int) (Doer, error) {
		open, ok := openers[s.Target.Kind]
		if !ok {
			return nil, fmt.Errorf("workflow: target kind %q cannot be reached from here", s.Target.Kind)
		}
		return open(ctx, s, maxConns)
	}
}
