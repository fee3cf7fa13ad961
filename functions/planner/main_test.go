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
