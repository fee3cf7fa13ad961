package sagemaker

import "github.com/llmbench/llmbench/shared/spec"

// FromSpec builds the target a run spec describes, over a runtime client
// already set for the spec's region.
func FromSpec(api API, s *spec.Spec) (*Target, error) {
	t := s.Target
	return New(api, Config{
		Endpoint:           t.Endpoint,
		InferenceComponent: t.InferenceComponent,
		TargetVariant:      t.TargetVariant,
		Format:             t.Format,
		Stream:             s.Workload.Streaming(),
		Model:              t.Model,
	})
}
