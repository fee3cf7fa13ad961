# The Glue catalog Athena reads.
#
# samples: the Parquet rows of shared/sample.Row, one per request, at
#   <store_prefix>/samples/dt=YYYY-MM-DD/run_id=<id>/level=<index>/worker=<w>-part-<n>.parquet.
#   Partitions: dt (date projection) and run_id (injected projection): Athena
#   computes the partition locations instead of reading a partition list, and
#   every query must name its run_id (WHERE run_id = '…', as the summary SQL
#   does). level is NOT a partition key: it is a column of every row, and
#   Athena reads the level=<index>/ folders under a partition location as part of
#   it. Projecting level as an integer range too would multiply the
#   locations every query lists (days x levels); projecting it as injected
#   would make every query name its levels, which the summary SQL does not.
#   run_id is both in the files and in the path: as a partition key it is
#   left out of the columns (a table cannot have both), and Athena takes it
#   from the path, which holds the same value.
#
# level_summaries: the aggregator's per-run JSON lines, one object per level,
#   at <store_prefix>/summaries/dt=YYYY-MM-DD/run_id=<id>.json. Partitioned by dt only, so
#   queries and views over every run work (the trend view, QuickSight): the
#   injected run_id of samples forbids that.

resource "aws_glue_catalog_database" "bench" {
  name        = local.glue_database
  description = "llmbench: request samples and per-level run summaries"
}

resource "aws_glue_catalog_table" "samples" {
  name          = "samples"
  database_name = aws_glue_catalog_database.bench.name
  description   = "One row per request (shared/sample.Row); query with WHERE run_id = '<id>'"
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    EXTERNAL                      = "TRUE"
    classification                = "parquet"
    "parquet.compression"         = "ZSTD"
    "projection.enabled"          = "true"
    "projection.dt.type"          = "date"
    "projection.dt.format"        = "yyyy-MM-dd"
    "projection.dt.range"         = "${var.projection_start_date},NOW"
    "projection.dt.interval"      = "1"
    "projection.dt.interval.unit" = "DAYS"
    "projection.run_id.type"      = "injected"
    "storage.location.template"   = "s3://${aws_s3_bucket.store.bucket}/${local.key_prefix}samples/dt=$${dt}/run_id=$${run_id}/"
  }

  partition_keys {
    name    = "dt"
    type    = "string"
    comment = "UTC day of the run's start, yyyy-MM-dd"
  }

  partition_keys {
    name    = "run_id"
    type    = "string"
    comment = "the run; every query must filter on it (injected projection)"
  }

  storage_descriptor {
    location      = "s3://${aws_s3_bucket.store.bucket}/${local.key_prefix}samples/"
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      name                  = "parquet"
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    }

    columns {
      name    = "level"
      type    = "int"
      comment = "the level's target concurrency"
    }

    columns {
      name    = "worker"
      type    = "int"
      comment = "the worker (slice) that issued the request"
    }

    columns {
      name    = "seq"
      type    = "bigint"
      comment = "issue order within the worker"
    }

    columns {
      name    = "vu"
      type    = "int"
      comment = "virtual user within the worker"
    }

    columns {
      name    = "start_time"
      type    = "timestamp"
      comment = "UTC wall clock at issue"
    }

    columns {
      name    = "start_ms"
      type    = "double"
      comment = "issue, ms after the level's start instant"
    }

    columns {
      name    = "end_ms"
      type    = "double"
      comment = "end, ms after the level's start instant"
    }

    columns {
      name    = "sched_delay_ms"
      type    = "double"
      comment = "issue time minus intended issue time"
    }

    columns {
      name    = "warmup"
      type    = "boolean"
      comment = "issued during the warm-up: never summarized"
    }

    columns {
      name    = "status"
      type    = "string"
      comment = "ok, http_error, timeout, transport, protocol, canceled"
    }

    columns {
      name = "http_status"
      type = "int"
    }

    columns {
      name = "error"
      type = "string"
    }

    columns {
      name    = "ttfb_ms"
      type    = "double"
      comment = "first response byte"
    }

    columns {
      name    = "ttft_ms"
      type    = "double"
      comment = "first generated token"
    }

    columns {
      name    = "ttfc_ms"
      type    = "double"
      comment = "first visible content"
    }

    columns {
      name    = "e2e_ms"
      type    = "double"
      comment = "issue to the last token-bearing chunk"
    }

    columns {
      name    = "tpot_ms"
      type    = "double"
      comment = "(e2e - ttft) / (output_tokens - 1)"
    }

    columns {
      name    = "itl_ms"
      type    = "array<double>"
      comment = "every gap between token-bearing chunks"
    }

    columns {
      name = "input_tokens"
      type = "int"
    }

    columns {
      name = "output_tokens"
      type = "int"
    }

    columns {
      name    = "token_source"
      type    = "string"
      comment = "usage or chunks"
    }

    columns {
      name = "chunks"
      type = "int"
    }

    columns {
      name = "bytes"
      type = "bigint"
    }

    columns {
      name = "conn_reused"
      type = "boolean"
    }

    columns {
      name = "connect_ms"
      type = "double"
    }

    columns {
      name    = "headers_json"
      type    = "string"
      comment = "response headers the spec asked to capture, as a JSON object; null if none"
    }

    columns {
      name    = "backoff_ms"
      type    = "double"
      comment = "the virtual user's wait after an error before issuing this request (load.on_error backoff)"
    }

    columns {
      name    = "finish_reason"
      type    = "string"
      comment = "the server's last finish_reason; empty if none came"
    }

    columns {
      name    = "cut_short"
      type    = "boolean"
      comment = "a stream the server ended cleanly before [DONE] or a finish_reason"
    }

    columns {
      name    = "level_index"
      type    = "int"
      comment = "the level's place in the run, from 0: summaries group by it"
    }

    columns {
      name    = "mode"
      type    = "string"
      comment = "concurrency (closed loop of virtual users) or rate (open loop of arrivals)"
    }

    columns {
      name    = "request_rate"
      type    = "double"
      comment = "mode rate: the level's asked rate in requests per second (a ramp's end); 0 in mode concurrency"
    }

    columns {
      name    = "intended_ms"
      type    = "double"
      comment = "when the request was meant to be sent, ms after the level's start instant"
    }

    columns {
      name    = "queue_ms"
      type    = "double"
      comment = "mode rate: time the arrival waited for a load.max_concurrency slot"
    }

    columns {
      name    = "prompt_id"
      type    = "bigint"
      comment = "the prompt: the dataset record's 0-based index, or the synthetic draw's"
    }

    columns {
      name    = "client_input_tokens"
      type    = "int"
      comment = "the prompt's length as the client counted it (client_count says how)"
    }

    columns {
      name    = "client_count"
      type    = "string"
      comment = "tokenizer (exact, workload.tokenizer) or words (an approximation)"
    }

    columns {
      name    = "cached_tokens"
      type    = "int"
      comment = "the server's usage.prompt_tokens_details.cached_tokens (prompt tokens from its prefix cache); NULL when not sent"
    }

    columns {
      name    = "reasoning_tokens"
      type    = "int"
      comment = "the server's usage.completion_tokens_details.reasoning_tokens; NULL when not sent"
    }

    columns {
      name    = "session_id"
      type    = "bigint"
      comment = "the conversation (workload.session), unique within its level; NULL without sessions"
    }

    columns {
      name    = "turn"
      type    = "int"
      comment = "the turn's number in its conversation, from 1; NULL without sessions"
    }

    columns {
      name    = "think_ms"
      type    = "double"
      comment = "the virtual user's pause after its previous answer, before this turn"
    }

    columns {
      name    = "server_ttft_ms"
      type    = "double"
      comment = "the TTFT the server reports of itself (llmbench's proxy: proxy_metrics.ttft_ms or X-TTFT-MS); NULL when not sent"
    }

    columns {
      name    = "round"
      type    = "int"
      comment = "the level's round, from 0: a level longer than one worker invocation runs in consecutive rounds; times run on across them"
    }
  }
}

resource "aws_glue_catalog_table" "level_summaries" {
  name          = "level_summaries"
  database_name = aws_glue_catalog_database.bench.name
  description   = "One JSON object per run and level, written by the aggregator; the trend view reads it"
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    EXTERNAL                      = "TRUE"
    classification                = "json"
    "projection.enabled"          = "true"
    "projection.dt.type"          = "date"
    "projection.dt.format"        = "yyyy-MM-dd"
    "projection.dt.range"         = "${var.projection_start_date},NOW"
    "projection.dt.interval"      = "1"
    "projection.dt.interval.unit" = "DAYS"
    "storage.location.template"   = "s3://${aws_s3_bucket.store.bucket}/${local.key_prefix}summaries/dt=$${dt}/"
  }

  partition_keys {
    name    = "dt"
    type    = "string"
    comment = "UTC day of the run's start, yyyy-MM-dd"
  }

  storage_descriptor {
    location      = "s3://${aws_s3_bucket.store.bucket}/${local.key_prefix}summaries/"
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

    ser_de_info {
      name                  = "json"
      serialization_library = "org.openx.data.jsonserde.JsonSerDe"
    }

    columns {
      name = "run_id"
      type = "string"
    }

    columns {
      name    = "name"
      type    = "string"
      comment = "the spec's name"
    }

    columns {
      name = "platform"
      type = "string"
    }

    columns {
      name    = "engine"
      type    = "string"
      comment = "athena or duckdb"
    }

    columns {
      name = "simulated"
      type = "boolean"
    }

    columns {
      name    = "target"
      type    = "string"
      comment = "what was measured, without secrets"
    }

    columns {
      name    = "started_at"
      type    = "string"
      comment = "RFC 3339, UTC"
    }

    columns {
      name    = "finished_at"
      type    = "string"
      comment = "RFC 3339, UTC"
    }

    columns {
      name = "concurrency"
      type = "int"
    }

    columns {
      name    = "requests"
      type    = "bigint"
      comment = "measured requests (warm-up excluded)"
    }

    columns {
      name = "warmup_requests"
      type = "bigint"
    }

    columns {
      name = "ok"
      type = "bigint"
    }

    columns {
      name = "errors"
      type = "bigint"
    }

    columns {
      name    = "error_rate"
      type    = "double"
      comment = "errors / requests, 0 to 1"
    }

    columns {
      name    = "throttled"
      type    = "int"
      comment = "requests answered 429 or 503"
    }

    columns {
      name    = "cut_short"
      type    = "int"
      comment = "streams the server ended cleanly before [DONE] or a finish_reason"
    }

    columns {
      name    = "backoff_s"
      type    = "double"
      comment = "seconds virtual users waited after errors (load.on_error backoff)"
    }

    columns {
      name    = "duration_s"
      type    = "double"
      comment = "the measured window"
    }

    columns {
      name = "achieved_concurrency"
      type = "double"
    }

    columns {
      name    = "request_throughput"
      type    = "double"
      comment = "ok requests per second"
    }

    columns {
      name    = "output_token_throughput"
      type    = "double"
      comment = "output tokens per second"
    }

    columns {
      name = "input_token_throughput"
      type = "double"
    }

    columns {
      name = "goodput_rps"
      type = "double"
    }

    columns {
      name = "output_tokens"
      type = "bigint"
    }

    columns {
      name = "input_tokens"
      type = "bigint"
    }

    columns {
      name    = "token_source"
      type    = "string"
      comment = "usage, chunks or mixed"
    }

    columns {
      name = "ttft_p50_ms"
      type = "double"
    }

    columns {
      name = "ttft_p90_ms"
      type = "double"
    }

    columns {
      name = "ttft_p95_ms"
      type = "double"
    }

    columns {
      name = "ttft_p99_ms"
      type = "double"
    }

    columns {
      name = "tpot_p50_ms"
      type = "double"
    }

    columns {
      name = "tpot_p90_ms"
      type = "double"
    }

    columns {
      name = "tpot_p95_ms"
      type = "double"
    }

    columns {
      name = "tpot_p99_ms"
      type = "double"
    }

    columns {
      name = "itl_p50_ms"
      type = "double"
    }

    columns {
      name = "itl_p90_ms"
      type = "double"
    }

    columns {
      name = "itl_p95_ms"
      type = "double"
    }

    columns {
      name = "itl_p99_ms"
      type = "double"
    }

    columns {
      name = "e2e_p50_ms"
      type = "double"
    }

    columns {
      name = "e2e_p90_ms"
      type = "double"
    }

    columns {
      name = "e2e_p95_ms"
      type = "double"
    }

    columns {
      name = "e2e_p99_ms"
      type = "double"
    }

    columns {
      name    = "cost_per_1m_output_tokens_usd"
      type    = "double"
      comment = "null without a price"
    }

    columns {
      name = "output_tokens_per_usd_hour"
      type = "double"
    }

    columns {
      name    = "level_index"
      type    = "int"
      comment = "the level's place in the run, from 0"
    }

    columns {
      name    = "mode"
      type    = "string"
      comment = "concurrency or rate"
    }

    columns {
      name    = "request_rate"
      type    = "double"
      comment = "mode rate: the asked rate, requests/s (a ramp's end)"
    }

    columns {
      name    = "ramp"
      type    = "string"
      comment = "the ramp, when the level ramped"
    }

    columns {
      name    = "cache_hit_ratio"
      type    = "double"
      comment = "cached / input tokens over the ok requests whose server reported cached_tokens; null if none did"
    }

    columns {
      name    = "reasoning_share"
      type    = "double"
      comment = "reasoning / output tokens over the ok requests whose server reported reasoning_tokens; null if none did"
    }

    columns {
      name    = "scheduled_request_rate"
      type    = "double"
      comment = "the rate of the measured arrivals as drawn: (n - 1) / their span"
    }

    columns {
      name    = "achieved_request_rate"
      type    = "double"
      comment = "the rate of the measured sends: (sent - 1) / their span"
    }

    columns {
      name    = "not_sent"
      type    = "bigint"
      comment = "arrivals never sent before the level ended"
    }

    columns {
      name = "send_lag_p50_ms"
      type = "double"
    }

    columns {
      name = "send_lag_p90_ms"
      type = "double"
    }

    columns {
      name = "send_lag_p95_ms"
      type = "double"
    }

    columns {
      name = "send_lag_p99_ms"
      type = "double"
    }

    columns {
      name = "queue_p50_ms"
      type = "double"
    }

    columns {
      name = "queue_p90_ms"
      type = "double"
    }

    columns {
      name = "queue_p95_ms"
      type = "double"
    }

    columns {
      name = "queue_p99_ms"
      type = "double"
    }
  }
}

# telemetry: the server's Prometheus metrics (target.metrics), one row per
#   sample of every scrape (shared/telemetry.Row), written by the scraping
#   slice of each level at <store_prefix>/telemetry/dt=YYYY-MM-DD/run_id=<id>/level=<index>/part-<n>.parquet.
#   Projected as samples is (dt date, run_id injected: query WHERE run_id =
#   '…'); level is read from the level_index column, not the path.
resource "aws_glue_catalog_table" "telemetry" {
  name          = "telemetry"
  database_name = aws_glue_catalog_database.bench.name
  description   = "The server's scraped metrics (shared/telemetry.Row); query with WHERE run_id = '<id>'"
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    EXTERNAL                      = "TRUE"
    classification                = "parquet"
    "parquet.compression"         = "ZSTD"
    "projection.enabled"          = "true"
    "projection.dt.type"          = "date"
    "projection.dt.format"        = "yyyy-MM-dd"
    "projection.dt.range"         = "${var.projection_start_date},NOW"
    "projection.dt.interval"      = "1"
    "projection.dt.interval.unit" = "DAYS"
    "projection.run_id.type"      = "injected"
    "storage.location.template"   = "s3://${aws_s3_bucket.store.bucket}/${local.key_prefix}telemetry/dt=$${dt}/run_id=$${run_id}/"
  }

  partition_keys {
    name    = "dt"
    type    = "string"
    comment = "UTC day of the run's start, yyyy-MM-dd"
  }

  partition_keys {
    name    = "run_id"
    type    = "string"
    comment = "the run; every query must filter on it (injected projection)"
  }

  storage_descriptor {
    location      = "s3://${aws_s3_bucket.store.bucket}/${local.key_prefix}telemetry/"
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      name                  = "parquet"
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    }

    columns {
      name    = "level_index"
      type    = "int"
      comment = "the level's place in the run, from 0"
    }

    columns {
      name    = "scrape"
      type    = "int"
      comment = "the scrape's number within the level, from 0"
    }

    columns {
      name    = "time"
      type    = "timestamp"
      comment = "UTC wall clock when the scrape was sent"
    }

    columns {
      name    = "t_ms"
      type    = "double"
      comment = "when the scrape was sent, ms after the level's start instant"
    }

    columns {
      name    = "warmup"
      type    = "boolean"
      comment = "sent during the level's warm-up: not in the summary"
    }

    columns {
      name    = "metric"
      type    = "string"
      comment = "the sample's name, e.g. vllm:num_requests_running (histograms flattened: _bucket, _sum, _count)"
    }

    columns {
      name    = "labels"
      type    = "string"
      comment = "the sample's labels as a JSON object with sorted keys"
    }

    columns {
      name = "value"
      type = "double"
    }
  }
}
