// Package stats estimates how noisy a figure is from repeated
// measurements of it (load.repeats): the sample mean and standard
// deviation, the coefficient of variation, a Student-t confidence interval
// of the mean, and Welch's two-sample t-test, which compare uses to tell a
// regression from noise.
//
// It is pure computation over float64s; the t distribution comes from
// gonum (stat/distuv), not from hand-written special functions.
package stats
