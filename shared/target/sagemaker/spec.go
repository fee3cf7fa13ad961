package sagemaker

import (
	"net/http"

	"github.com/llmbench/llmbench/shared/spec"
)

// FromSpec builds the target a run spec describes, over a runtime client
// already set for the spec's region. hc is the HTTP client api sends
// through (the one given to ClientOptions), released by Close; nil leaves
// Close nothing to do.
func FromSpec(api API, s *spec.Spec, hc *http.Client) (*Target, error) {
	t := s.Target
	return New(api, Config{
		Endpoint:           t.Endpoint,
		InferenceComponent: t.InferenceComponent,
		TargetVariant:      t.TargetVariant,
		Format:             t.Format,
		Stream:             s.Workload.Streaming(),
		Model:              t.Model,
		HTTPClient:         hc,
	})
}
