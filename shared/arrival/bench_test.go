package arrival

import (
	"fmt"
	"testing"
	"time"
)

// benchSpecs are levels of 60,000 arrivals: 1,000 req/s for 60 s, or a
// ramp with as many.
var benchSpecs = []struct {
	name string
	spec Spec
}{
	{"poisson", Spec{Rate: 1000, Duration: time.Minute, Seed: 1}},
	{"gamma0.5", Spec{Rate: 1000, Process: Gamma, Burstiness: 0.5, Duration: time.Minute, Seed: 1}},
	{"gamma2", Spec{Rate: 1000, Process: Gamma, Burstiness: 2, Duration: time.Minute, Seed: 1}},
	{"constant", Spec{Rate: 1000, Process: Constant, Duration: time.Minute}},
	{"linear-ramp", Spec{Ramp: &Ramp{From: 500, To: 1500, Over: time.Minute}, Duration: time.Minute, Seed: 1}},
	{"exponential-ramp", Spec{Ramp: &Ramp{From: 100, To: 2000, Over: time.Minute, Strategy: Exponential}, Duration: time.Minute, Seed: 1}},
}

// BenchmarkNext reports the cost of one arrival of the global sequence.
func BenchmarkNext(b *testing.B) {
	for _, bs := range benchSpecs {
		b.Run(bs.name, func(b *testing.B) {
			s := bs.spec
			s.Duration, s.Requests = 0, b.N+1 // never ends inside the loop
			sc, err := New(s)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, _, ok := sc.Next(); !ok {
					b.Fatal("ended")
				}
			}
		})
	}
}

// BenchmarkShare walks one worker's whole share of a 60,000-arrival level:
// the work a worker does per level, whatever its share's size.
func BenchmarkShare(b *testing.B) {
	for _, bs := range benchSpecs[:2] {
		for _, w := range []int{40, 10000} {
			b.Run(fmt.Sprintf("%s/W=%d", bs.name, w), func(b *testing.B) {
				var owned, total int64
				for b.Loop() {
					sh, err := NewShare(bs.spec, w-1, w)
					if err != nil {
						b.Fatal(err)
					}
					n := int64(0)
					for {
						_, _, ok := sh.Next()
						if !ok {
							break
						}
						n++
					}
					owned += n
					total += sh.sc.next
				}
				ns := float64(b.Elapsed().Nanoseconds())
				b.ReportMetric(ns/float64(owned), "ns/owned")
				b.ReportMetric(ns/float64(total), "ns/walked")
			})
		}
	}
}
