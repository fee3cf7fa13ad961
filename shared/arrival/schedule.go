package arrival

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Schedule iterates over a level's global arrival sequence. It is not safe
// for concurrent use.
type Schedule struct {
	spec  Spec
	in    intensity
	src   rand.PCG
	gamma gammaParams // Gamma gaps, shape Burstiness
	kind  int
	u     float64       // operational time of the last arrival
	next  int64         // index of the next arrival
	meas  int64         // arrivals so far at offsets >= Warmup
	last  time.Duration // offset of the last arrival
	spare float64       // a second normal deviate of the polar method
	has   bool          // whether spare is set
	done  bool
}

const (
	kindPoisson = iota
	kindGamma
	kindConstant
)

// New returns the schedule of a valid spec, or Problems.
func New(s Spec) (*Schedule, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	sc := &Schedule{spec: s, in: newIntensity(s)}
	sc.src.Seed(mix(s.Seed), mix(uint64(s.Level)^0x6c62272e07bb0142))
	switch {
	case s.Process == Constant:
		sc.kind = kindConstant
	case s.Process == Gamma && s.Burstiness != 1:
		sc.kind = kindGamma
		sc.gamma = newGammaParams(s.Burstiness)
	}
	return sc, nil
}

// Spec returns the schedule's spec.
func (sc *Schedule) Spec() Spec { return sc.spec }

// Next returns the next arrival: its index i in the global sequence (0,
// 1, 2, ...) and its intended offset from the level's start. ok is false
// once the schedule has ended, at Duration or after Requests arrivals
// past Warmup.
// Offsets never decrease.
func (sc *Schedule) Next() (i int64, at time.Duration, ok bool) {
	if sc.done || sc.spec.Requests > 0 && sc.meas >= int64(sc.spec.Requests) {
		sc.done = true
		return 0, 0, false
	}
	switch sc.kind {
	case kindConstant:
		sc.u = float64(sc.next)
	case kindGamma:
		if sc.next == 0 {
			sc.u = sc.residual()
		} else {
			sc.u += sc.gamma.draw(sc) / sc.spec.Burstiness
		}
	default:
		sc.u += sc.exp()
	}
	t := sc.in.inverse(sc.u)
	if !(t < maxSeconds) {
		sc.done = true
		return 0, 0, false
	}
	// The clamp keeps the order where a ramp's Λ⁻¹, computed in float64,
	// could step back by a rounding error between two nearly equal u.
	at = max(time.Duration(math.Round(t*1e9)), sc.last)
	if sc.spec.Duration > 0 && at >= sc.spec.Duration {
		sc.done = true
		return 0, 0, false
	}
	i, sc.last = sc.next, at
	sc.next++
	if at >= sc.spec.Warmup {
		sc.meas++
	}
	return i, at, true
}

// maxSeconds is the longest offset a time.Duration holds.
const maxSeconds = float64(math.MaxInt64) / 1e9

// Share iterates over one worker's arrivals of a level: those of the
// global sequence whose index i has i mod workers == worker.
type Share struct {
	sc      Schedule
	worker  int64
	workers int64
}

// NewShare returns worker's share, 0 <= worker < workers, of the schedule
// of a valid spec. The shares of workers 0 … workers−1 partition the
// global sequence exactly: each walks it and keeps its own arrivals.
func NewShare(s Spec, worker, workers int) (*Share, error) {
	if workers < 1 || worker < 0 || worker >= workers {
		return nil, fmt.Errorf("arrival: share %d of %d workers: want 0 <= worker < workers", worker, workers)
	}
	sc, err := New(s)
	if err != nil {
		return nil, err
	}
	return &Share{sc: *sc, worker: int64(worker), workers: int64(workers)}, nil
}

// Next returns the worker's next arrival: its index in the global
// sequence and its intended offset from the level's start, as
// Schedule.Next does.
func (sh *Share) Next() (i int64, at time.Duration, ok bool) {
	for {
		i, at, ok = sh.sc.Next()
		if !ok || i%sh.workers == sh.worker {
			return i, at, ok
		}
	}
}

// mix is SplitMix64's finalizer, a bijection that spreads nearby seeds
// (levels 0, 1, 2) over the PCG's state.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
