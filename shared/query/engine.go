package query

import "context"

// Relation is the name under which every Engine exposes the rows of
// sample.Row: the summary SQL reads FROM samples.
const Relation = "samples"

// Engine runs one SQL text and returns its rows as maps of column name to Go
// value. Column names are lower case, as the SQL writes them.
//
// Values follow one contract whatever the engine (querytest.Contract checks
// it):
//
//	BIGINT, INTEGER, SMALLINT, TINYINT  int64
//	DOUBLE, REAL                        float64
//	VARCHAR                             string
//	BOOLEAN                             bool
//	ARRAY / LIST                        []any of these
//	NULL                                nil
//
// Other types (timestamps, maps, structs) may come back as the engine's
// driver returns them; the summary SQL never selects them.
type Engine interface {
	Query(ctx context.Context, sql string) ([]map[string]any, error)
}
