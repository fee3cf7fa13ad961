package plan_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/spec"
)

func parseSpec(t *testing.T, doc string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPlanRefusesMoreSlicesThanRunAtOnce(t *testing.T) {
	s := parseSpec(t, `{"name":"wide","target":{"kind":"sim"},"load":{"levels":[8,2000],"requests":1,"slice_concurrency":40}}`)
	_, err := plan.Make(s, "wide-20261123T000000Z-0000", time.Now())
	if err == nil || !strings.Contains(err.Error(), "level 2000 needs 50 slices") || !strings.Contains(err.Error(), "at least 50") {
		t.Fatalf("err = %v; want the level, its slices and the slice_concurrency to set", err)
	}
	s.Load.SliceConcurrency = 50
	if _, err := plan.Make(s, "wide-20261123T000000Z-0000", time.Now()); err != nil {
		t.Fatalf("40 slices of 50: %v", err)
	}
}

// TestSplit: a level's streams split as evenly as possible into slices of
// at most max, the request budget in proportion, nothing lost.
func TestSplit(t *testing.T) {
	for _, c := range []struct {
		conc, max, reqs int
		vus, budget     string
	}{
		{6, 40, 0, "[6]", "[]"},              // one slice, no budget
		{5, 3, 24, "[3 2]", "[14 10]"},       // uneven: the remainder goes first
		{6, 3, 24, "[3 3]", "[12 12]"},       // even
		{7, 2, 10, "[2 2 2 1]", "[2 2 2 4]"}, // the last slice takes the rounding
	} {
		vus, reqs := plan.Split(c.conc, c.max, c.reqs)
		if got := fmt.Sprint(vus); got != c.vus {
			t.Errorf("Split(%d, %d): vus %s, want %s", c.conc, c.max, got, c.vus)
		}
		if got := fmt.Sprint(reqs); c.reqs > 0 && got != c.budget {
			t.Errorf("Split(%d, %d, %d): requests %s, want %s", c.conc, c.max, c.reqs, got, c.budget)
		}
		sum := 0
		for _, r := range reqs {
			sum += r
		}
		if c.reqs > 0 && sum != c.reqs {
			t.Errorf("Split(%d, %d, %d): budget sums to %d", c.conc, c.max, c.reqs, sum)
		}
	}
}
