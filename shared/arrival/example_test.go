package arrival_test

import (
	"fmt"
	"time"

	"github.com/llmbench/llmbench/shared/arrival"
)

// A worker of a level at 1,000 requests per second among the W the planner
// sized, walking only its own arrivals.
func Example() {
	spec := arrival.Spec{Level: 0, Rate: 1000, Duration: time.Minute, Seed: 2026}
	w, err := arrival.Workers(spec.Peak(), 25)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d workers, %.0f arrivals expected\n", w, spec.Expected(spec.Duration))

	share, err := arrival.NewShare(spec, 3, w)
	if err != nil {
		panic(err)
	}
	for range 3 {
		i, at, _ := share.Next()
		fmt.Println(i, at) // the worker sleeps until start+at, then sends
	}
	// Output:
	// 40 workers, 60000 arrivals expected
	// 3 1.669093ms
	// 43 37.987906ms
	// 83 85.675779ms
}

func ExampleSchedule_Next() {
	sc, err := arrival.New(arrival.Spec{Rate: 4, Process: arrival.Constant, Duration: time.Second})
	if err != nil {
		panic(err)
	}
	for {
		i, at, ok := sc.Next()
		if !ok {
			break
		}
		fmt.Println(i, at)
	}
	// Output:
	// 0 0s
	// 1 250ms
	// 2 500ms
	// 3 750ms
}

func ExampleSpec_Validate() {
	s := arrival.Spec{Level: 1, Rate: 8, Process: arrival.Gamma, Duration: time.Minute,
		Ramp: &arrival.Ramp{From: 1, To: 8, Over: 90 * time.Second}}
	fmt.Println(s.Validate())
	// Output:
	// arrival: invalid schedule: load.rates[1]: not allowed here: load.ramp sets the rate, got 8 as well; load.burstiness: must be a finite number > 0 (the gamma shape: 1 is poisson, < 1 burstier), got 0; load.ramp.over: longer than the level: 1m30s > load.duration 1m0s
}
