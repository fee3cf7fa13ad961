package lengths_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/llmbench/llmbench/shared/lengths"
)

// Prompt lengths skewed to the right, between 16 and 4096 tokens. The
// output is also a contract: the same seed gives these lengths on every
// platform.
func ExampleDist_Draw() {
	d := lengths.Dist{Kind: lengths.Lognormal, Mean: 512, Stddev: 256, Min: 16, Max: 4096}
	if err := d.Validate(); err != nil {
		panic(err)
	}
	fmt.Printf("%v: %.1f tokens on average\n", d, d.Expected())
	r := rand.New(rand.NewPCG(2026, 0))
	for range 5 {
		fmt.Println(d.Draw(r))
	}
	// Output:
	// lognormal(mean 512, stddev 256) in 16..4096: 512.0 tokens on average
	// 820
	// 579
	// 596
	// 255
	// 828
}
