// Package plan expands a validated run spec into what the state machine
// iterates: a run id, the levels in the order of the spec, and each
// level's worker slices (its virtual users split into slices of at most
// load.slice_concurrency, its request budget in proportion).
//
// The data flow reads spec -> plan -> work -> aggregate: the planner step
// saves the spec and the plan under runs/<run_id>/ (Save), and every later
// step reads them back from the store (Load), so only small JSON travels
// through the state machine.
package plan
