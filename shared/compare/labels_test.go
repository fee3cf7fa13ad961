package compare

import (
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

// TestLabels: the default label is the spec's name and the platform; the
// run ID only where names collide; given labels win, and labels that
// would make two rows alike are refused.
func TestLabels(t *testing.T) {
	run := func(id, name, platform string, sim bool) *summary.Summary {
		return &summary.Summary{RunID: id, Name: name, Platform: platform, Simulated: sim}
	}
	a1 := run("local-sim-20261204T040000Z-0001", "local-sim", "sim", true)
	a2 := run("local-sim-20261204T041000Z-0002", "local-sim", "sim", true)
	aws := run("aws-1", "seeds-aws", "aws", false)
	awsSim := run("aws-2", "seeds-aws", "aws", true)
	tests := []struct {
		name    string
		runs    []*summary.Summary
		given   []string
		want    []string
		wantErr string // in the error; "" for none
	}{
		// Different specs: name and platform, nothing more.
		{"distinct", []*summary.Summary{a1, aws}, nil, []string{"local-sim · Sim", "seeds-aws · AWS"}, ""},
		// Two runs of one spec: each names its run ID instead of the name.
		{"same spec", []*summary.Summary{a1, a2}, nil,
			[]string{"local-sim-20261204T040000Z-0001 · Sim", "local-sim-20261204T041000Z-0002 · Sim"}, ""},
		// Given labels replace the defaults, and then nothing collides.
		{"given", []*summary.Summary{a1, a2}, []string{"before", "after"}, []string{"before", "after"}, ""},
		// One given: the other keeps its default, which no longer collides.
		{"one given", []*summary.Summary{a1, a2}, []string{"", "after"}, []string{"local-sim · Sim", "after"}, ""},
		// A given label equal to another run's default: the default names its run ID.
		{"given equals a default", []*summary.Summary{a1, aws}, []string{"", "local-sim · Sim"},
			[]string{"local-sim-20261204T040000Z-0001 · Sim", "local-sim · Sim"}, ""},
		// Two given labels alike: refused, naming both runs.
		{"given collide", []*summary.Summary{a1, a2}, []string{"x", "x"}, nil, `runs 1 and 2 would both be labelled "x"`},
		// The same run twice: its place tells the rows apart.
		{"same run twice", []*summary.Summary{a1, a1}, nil,
			[]string{"local-sim-20261204T040000Z-0001 · Sim", "local-sim-20261204T040000Z-0001 · Sim #2"}, ""},
		// A simulated run on a real platform says it was simulated.
		{"simulated on aws", []*summary.Summary{awsSim}, nil, []string{"seeds-aws · AWS (simulated)"}, ""},
		// Without a name the platform alone; without either the run ID.
		{"no name", []*summary.Summary{run("g-1", "", "gcp", false), run("x-1", "", "", false)}, nil, []string{"GCP", "x-1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Labels(tt.runs, tt.given)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("labels %q, want %q", got, tt.want)
			}
			rows := Executive(tt.runs, Rules{Labels: tt.given})
			for i, r := range rows {
				if r.Label != tt.want[i] {
					t.Errorf("row %d label %q, want %q", i, r.Label, tt.want[i])
				}
			}
		})
	}
}
