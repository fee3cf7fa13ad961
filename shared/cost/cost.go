// Package cost turns a measured output-token throughput and an hourly price
// into the two cost figures of summary.json: dollars per million output
// tokens and output tokens per dollar-hour.
//
// Both assume the instances are busy for the whole hour at the measured
// throughput: they are the cost of the capacity, not of idle time.
//
// It also prices the benchmark itself (bill.go): the Lambda, Step
// Functions, S3 and Athena usage of a run, at a table of AWS prices with
// their source and date.
package cost

// PerMillionOutputTokens returns what one million output tokens cost at a
// sustained throughput:
//
//	usdPerHour × instances / (tokPerSec × 3600) × 1e6
//
// usdPerHour is the price of one instance; instances is how many serve the
// measured throughput together (0 means 1). ok is false, and the figure
// meaningless, when tokPerSec <= 0, usdPerHour <= 0 or instances < 0.
func PerMillionOutputTokens(usdPerHour float64, instances int, tokPerSec float64) (float64, bool) {
	n, ok := valid(usdPerHour, instances, tokPerSec)
	if !ok {
		return 0, false
	}
	return usdPerHour * n / (tokPerSec * 3600) * 1e6, true
}

// TokensPerUSDHour returns how many output tokens one dollar buys in an hour
// at a sustained throughput:
//
//	tokPerSec × 3600 / (usdPerHour × instances)
//
// The arguments and ok are as for PerMillionOutputTokens.
func TokensPerUSDHour(usdPerHour float64, instances int, tokPerSec float64) (float64, bool) {
	n, ok := valid(usdPerHour, instances, tokPerSec)
	if !ok {
		return 0, false
	}
	return tokPerSec * 3600 / (usdPerHour * n), true
}

// valid checks the arguments and returns the instance count as a float64.
// The comparisons are written so that NaN fails them.
func valid(usdPerHour float64, instances int, tokPerSec float64) (float64, bool) {
	if !(tokPerSec > 0) || !(usdPerHour > 0) || instances < 0 {
		return 0, false
	}
	if instances == 0 {
		instances = 1
	}
	return float64(instances), true
}
