//go:build !race

package localrun_test

const raceEnabled = false
