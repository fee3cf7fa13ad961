package arrival

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	type problem struct {
		field string
		err   error
	}
	min := time.Minute
	tests := []struct {
		name string
		spec Spec
		want []problem
	}{
		{"poisson by default", Spec{Rate: 2, Duration: min}, nil},
		{"poisson named, burstiness 1 is poisson's shape", Spec{Rate: 2, Process: Poisson, Burstiness: 1, Duration: min}, nil},
		{"gamma", Spec{Rate: 2, Process: Gamma, Burstiness: 0.5, Duration: min}, nil},
		{"constant", Spec{Rate: 2, Process: Constant, Duration: min}, nil},
		{"a request budget alone ends the schedule", Spec{Rate: 2, Requests: 100}, nil},
		{"linear ramp from zero, as long as the level", Spec{Ramp: &Ramp{From: 0, To: 32, Over: min}, Duration: min}, nil},
		{"exponential ramp, down", Spec{Ramp: &Ramp{From: 32, To: 1, Over: min, Strategy: Exponential}, Duration: 2 * min}, nil},
		{"a ramp with a request budget has no duration to exceed", Spec{Ramp: &Ramp{From: 1, To: 8, Over: time.Hour}, Requests: 10}, nil},

		{"zero rate names the level's rate", Spec{Level: 3, Rate: 0, Duration: min},
			[]problem{{"load.rates[3]", ErrNotPositive}}},
		{"negative rate", Spec{Rate: -2, Duration: min}, []problem{{"load.rates[0]", ErrNotPositive}}},
		{"NaN rate", Spec{Rate: math.NaN(), Duration: min}, []problem{{"load.rates[0]", ErrNotPositive}}},
		{"infinite rate", Spec{Rate: math.Inf(1), Duration: min}, []problem{{"load.rates[0]", ErrNotPositive}}},
		{"gamma without burstiness", Spec{Rate: 2, Process: Gamma, Duration: min},
			[]problem{{"load.burstiness", ErrNotPositive}}},
		{"negative burstiness", Spec{Rate: 2, Process: Gamma, Burstiness: -1, Duration: min},
			[]problem{{"load.burstiness", ErrNotPositive}}},
		{"burstiness with poisson would be ignored", Spec{Rate: 2, Burstiness: 0.5, Duration: min},
			[]problem{{"load.burstiness", ErrConflict}}},
		{"burstiness with constant would be ignored", Spec{Rate: 2, Process: Constant, Burstiness: 2, Duration: min},
			[]problem{{"load.burstiness", ErrConflict}}},
		{"misspelt process", Spec{Rate: 2, Process: "gama", Duration: min}, []problem{{"load.arrival", ErrUnknown}}},
		{"no end", Spec{Rate: 2}, []problem{{"load.duration", ErrUnbounded}}},
		{"negative duration and requests", Spec{Rate: 2, Duration: -time.Second, Requests: -1},
			[]problem{{"load.duration", ErrNegative}, {"load.requests", ErrNegative}}},
		{"negative level", Spec{Level: -1, Rate: 2, Duration: min}, []problem{{"load.rates", ErrNegative}}},

		{"ramp longer than the level", Spec{Ramp: &Ramp{From: 1, To: 32, Over: 90 * time.Second}, Duration: min},
			[]problem{{"load.ramp.over", ErrRampTooLong}}},
		{"ramp of no length", Spec{Ramp: &Ramp{From: 1, To: 32}, Duration: min},
			[]problem{{"load.ramp.over", ErrNotPositive}}},
		{"ramp and rate both set", Spec{Level: 1, Rate: 4, Ramp: &Ramp{From: 1, To: 32, Over: min}, Duration: min},
			[]problem{{"load.rates[1]", ErrConflict}}},
		{"exponential ramp from zero never grows", Spec{Ramp: &Ramp{To: 32, Over: min, Strategy: Exponential}, Duration: min},
			[]problem{{"load.ramp.from", ErrNotPositive}}},
		{"linear ramp from a negative rate", Spec{Ramp: &Ramp{From: -1, To: 32, Over: min}, Duration: min},
			[]problem{{"load.ramp.from", ErrNegative}}},
		{"ramp to zero ends the arrivals", Spec{Ramp: &Ramp{From: 1, Over: min}, Duration: min},
			[]problem{{"load.ramp.to", ErrNotPositive}}},
		{"unknown strategy", Spec{Ramp: &Ramp{From: 1, To: 2, Over: min, Strategy: "step"}, Duration: min},
			[]problem{{"load.ramp.strategy", ErrUnknown}}},
		{"every problem is listed", Spec{Level: 2, Rate: -1, Process: Gamma},
			[]problem{{"load.rates[2]", ErrNotPositive}, {"load.burstiness", ErrNotPositive}, {"load.duration", ErrUnbounded}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var p Problems
			if !errors.As(err, &p) {
				t.Fatalf("Validate = %v, want Problems", err)
			}
			if len(p) != len(tt.want) {
				t.Fatalf("Validate = %v, want %d problem(s)", err, len(tt.want))
			}
			for i, w := range tt.want {
				if p[i].Field != w.field || !errors.Is(p[i], w.err) {
					t.Errorf("problem %d = %q, want field %s with %q", i, p[i], w.field, w.err)
				}
				if !errors.Is(err, w.err) {
					t.Errorf("errors.Is(err, %q) = false through Problems", w.err)
				}
			}
			if _, nerr := New(tt.spec); nerr == nil {
				t.Error("New accepted an invalid spec")
			}
			t.Log(err)
		})
	}
}

func TestWorkers(t *testing.T) {
	tests := []struct {
		name       string
		peak, each float64
		want       int
		wantErr    bool
	}{
		{"one worker is enough", 5, 100, 1, false},
		{"exact multiple", 1000, 25, 40, false},
		{"a remainder needs one more", 1001, 25, 41, false},
		{"a rounding error above an integer is not a remainder", 0.3, 0.1, 3, false},
		{"zero peak", 0, 25, 0, true},
		{"zero per worker", 10, 0, 0, true},
		{"NaN", math.NaN(), 25, 0, true},
		{"absurdly many", 1e12, 1e-3, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Workers(tt.peak, tt.each)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("Workers(%v, %v) = %d, %v; want %d, error %v", tt.peak, tt.each, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
