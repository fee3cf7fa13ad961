// Package spec is the run spec: the JSON document that says what to
// benchmark (target), with what requests (workload), under what load
// (levels, duration, warm-up), at what price and against which SLOs, and
// where to write the results.
//
// Load parses a spec, fills defaults and validates it, reporting every
// problem at once with its field path ("load.levels[2]: must be > 0").
// Secrets appear only as references (env:NAME, a Secrets Manager ARN); the
// spec never holds a secret value, so writing it out is always safe.
package spec
