package main

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/llmbench/llmbench/shared/proxy"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/target/openai"
	"github.com/llmbench/llmbench/shared/target/sagemaker"
	"github.com/llmbench/llmbench/shared/workflow"
)

// proxied is a slice's target with target.proxy: llmbench's proxy
// (package proxy, what functions/proxy serves) on a loopback port in
// front of the SageMaker runtime api, measured with the OpenAI client, so
// the client → proxy → SageMaker path runs as it does in AWS.
type proxied struct {
	*openai.Client
	h   *proxy.Handler
	srv *http.Server
}

var _ workflow.Doer = (*proxied)(nil)

// openProxied starts the proxy for s in front of api (whose HTTP client is
// hc) and returns the OpenAI client that measures through it.
func openProxied(api sagemaker.API, hc *http.Client, s *spec.Spec, maxConns int) (*proxied, error) {
	h, err := proxy.New(api, proxy.Config{
		Endpoint: s.Target.Endpoint, InferenceComponent: s.Target.InferenceComponent, TargetVariant: s.Target.TargetVariant,
		Format: s.Target.Format, Model: s.Target.Model,
		USDPerHour: s.Pricing.USDPerHour, Instances: s.Pricing.Instances,
		HTTPClient: hc,
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("target.proxy: listen: %w", err)
	}
	p := &proxied{h: h, srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	// Serve returns ErrServerClosed after Close; a broken listener fails
	// the requests instead, each in its row.
	go p.srv.Serve(ln)
	model := s.Target.Model
	if model == "" {
		model = s.Target.Endpoint // echoed by the proxy; lmi and tgi carry none
	}
	p.Client, err = openai.New(openai.Config{
		BaseURL: "http://" + ln.Addr().String() + "/v1", API: s.Target.API, Model: model,
		Stream: s.Workload.Streaming(), Client: target.NewHTTPClient(maxConns),
	})
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Describe names the endpoint and the proxy, not the loopback port.
func (p *proxied) Describe() string {
	return "llmbench proxy (in-process) in front of " + p.h.Describe()
}

// Close closes the client, then the proxy and its connections.
func (p *proxied) Close() {
	if p.Client != nil {
		p.Client.Close()
	}
	p.srv.Close()
	p.h.Close()
}

// viaProxy is what a target description adds for target.proxy.
func viaProxy(s *spec.Spec) string {
	if s.Target.Proxy {
		return ", through llmbench's proxy (in-process)"
	}
	return ""
}
