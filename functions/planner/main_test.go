package main

import (
	"strings"
	"testing"
	"time"
)

func TestLevelLimit(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want time.Duration
		err  string
	}{
		{nil, 15*time.Minute - 10*time.Second - time.Minute, ""},
		{map[string]string{"LLMBENCH_WORKER_TIMEOUT_S": "300", "LLMBENCH_START_MARGIN": "10s"}, 5*time.Minute - 10*time.Second - time.Minute, ""},
		{map[string]string{"LLMBENCH_WORKER_TIMEOUT_S": "900", "LLMBENCH_START_MARGIN": "0s"}, 14 * time.Minute, ""},
		{map[string]string{"LLMBENCH_WORKER_TIMEOUT_S": "60"}, 0, "leaves no time for a level"},
		{map[string]string{"LLMBENCH_WORKER_TIMEOUT_S": "901"}, 0, "want whole seconds from 1 to 900"},
		{map[string]string{"LLMBENCH_START_MARGIN": "soon"}, 0, "LLMBENCH_START_MARGIN"},
	}
	for _, tt := range tests {
		got, err := levelLimit(tt.env["LLMBENCH_WORKER_TIMEOUT_S"], tt.env["LLMBENCH_START_MARGIN"])
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%v: err = %v, want %q", tt.env, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%v: %v, %v; want %v", tt.env, got, err, tt.want)
		}
	}
}

func TestWorkerQuota(t *testing.T) {
	tests := []struct {
		env  string
		want int
		err  string
	}{
		{"", 0, ""},        // unset: the spec's default (Lambda's 1,000)
		{"3000", 3000, ""}, // a raised quota
		{"0", 0, "want a whole number from 1 to 10000"},
		{"10001", 0, "want a whole number from 1 to 10000"},
		{"many", 0, "LLMBENCH_MAX_WORKERS"},
	}
	for _, tt := range tests {
		got, err := workerQuota(tt.env)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err = %v, want %q", tt.env, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %d, %v; want %d", tt.env, got, err, tt.want)
		}
	}
}
