// Package telemetry scrapes a server's Prometheus endpoint while a level
// runs and stores what it read as Parquet rows, one per sample of every
// scrape (Row: time, metric, labels, value), beside the requests' rows.
//
// A Scraper reads the endpoint every interval on an absolute schedule from
// the level's start (a slow scrape delays no later one: each has the
// interval as its timeout), parses the answer with the Prometheus
// project's own text parser (github.com/prometheus/common/expfmt) and
// flattens it as Prometheus does: a histogram's _bucket (with le), _sum
// and _count, a summary's quantiles, _sum and _count. Values that are not
// finite (NaN, ±Inf) are left out: DuckDB and Trino compare NaN
// differently, and no figure is computed from them.
//
// A scrape that fails (unreachable, an HTTP error, an answer that is not
// Prometheus text) is counted and the first failure described in Result;
// it never stops the scrapes or the level. Descriptions name the endpoint
// without its query string (which may hold a token).
package telemetry
