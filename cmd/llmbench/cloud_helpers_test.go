package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/llmbench/llmbench/shared/sdkhttp"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// loopbackConfig is an SDK configuration that can reach only loopback:
// static credentials, a region, no retries, and a transport that refuses
// to dial anything but 127.0.0.1 and ::1 (and never uses a proxy).
func loopbackConfig() aws.Config {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return nil, fmt.Errorf("test: refusing to dial %s: the SDK must stay on loopback", addr)
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDLLMBENCHTEST", "not-a-secret", ""),
		HTTPClient:       sdkhttp.Guard(&http.Client{Transport: transport}),
		RetryMaxAttempts: 1,
	}
}

// newS3Client is the real S3 client pointed at gofakes3 (path-style).
func newS3Client(url string) *s3.Client {
	return s3.NewFromConfig(loopbackConfig(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(url)
		o.UsePathStyle = true
	})
}

// newSFNClient is the real Step Functions client pointed at sfnfake.
func newSFNClient(url string) *sfn.Client {
	return sfn.NewFromConfig(loopbackConfig(), func(o *sfn.Options) {
		o.BaseEndpoint = aws.String(url)
	})
}

// sfnProbe sits in front of sfnfake: it counts history requests and lets
// the aggregator wait until the CLI has polled while it runs.
type sfnProbe struct {
	next http.Handler
	// lateDescribe, if set, holds each DescribeExecution until the
	// execution has ended (a slow link between two calls of a poll).
	lateDescribe func(ctx context.Context, executionArn string)

	mu        sync.Mutex
	histories int  // GetExecutionHistory requests
	continued int  // of which with a nextToken
	armed     bool // the aggregator is waiting
	// Requests that started after armed and have been answered: a whole
	// poll has run when both kinds have, in either order.
	historyDone, describeDone bool
	polled                    chan struct{}
	once                      sync.Once
}

func newSFNProbe() *sfnProbe { return &sfnProbe{polled: make(chan struct{})} }

func (p *sfnProbe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var in struct {
		ExecutionArn string `json:"executionArn"`
		NextToken    string `json:"nextToken"`
	}
	json.Unmarshal(body, &in)
	if op == "DescribeExecution" && p.lateDescribe != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		p.lateDescribe(ctx, in.ExecutionArn)
		cancel()
	}
	p.mu.Lock()
	armed := p.armed
	if op == "GetExecutionHistory" {
		p.histories++
		if in.NextToken != "" {
			p.continued++
		}
	}
	p.mu.Unlock()
	p.next.ServeHTTP(w, r)
	if !armed {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch op {
	case "GetExecutionHistory":
		p.historyDone = true
	case "DescribeExecution":
		p.describeDone = true
	}
	if p.historyDone && p.describeDone {
		p.once.Do(func() { close(p.polled) })
	}
}

// waitForPoll blocks until a whole poll has run after the call (at most
// 10 s: a runner that stopped polling fails the test elsewhere).
func (p *sfnProbe) waitForPoll(ctx context.Context) {
	p.mu.Lock()
	p.armed = true
	p.mu.Unlock()
	select {
	case <-p.polled:
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
	}
}

func (p *sfnProbe) counts() (histories, continued int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.histories, p.continued
}

// Poll the fake Step Functions quickly: the runner's 2 s suits AWS's
// throttling, not a test.
func init() { cloudPoll = 150 * time.Millisecond }
