# The dashboard: the aggregator's per-level EMF metrics (namespace
# var.metrics_namespace, one datum per run and level, at the run's end)
# beside the state machine's executions and the worker's errors and
# duration. SEARCH expressions draw one line per spec without knowing the
# specs in advance.

locals {
  dashboard_name = "${local.name}-benchmarks"
  ns             = var.metrics_namespace

  # One line per spec and platform: the best of its levels for throughput,
  # the worst for latency, error rate and cost.
  by_spec = "{${local.ns},SpecName,Platform}"
  # One line per spec, platform and concurrency level.
  by_level = "{${local.ns},SpecName,Platform,Concurrency}"

  emf_widgets = [
    { title = "Output tokens/s (best level of each spec)", expr = "SEARCH('${local.by_spec} MetricName=\"OutputTokensPerSecond\"', 'Maximum', 3600)", x = 0, y = 1 },
    { title = "Output tokens/s by concurrency", expr = "SEARCH('${local.by_level} MetricName=\"OutputTokensPerSecond\"', 'Maximum', 3600)", x = 8, y = 1 },
    { title = "Cost per 1M output tokens, USD (best level)", expr = "SEARCH('${local.by_spec} MetricName=\"CostPer1MOutputTokensUSD\"', 'Minimum', 3600)", x = 16, y = 1 },
    { title = "TTFT p50, ms (by concurrency)", expr = "SEARCH('${local.by_level} MetricName=\"TTFTp50Ms\"', 'Maximum', 3600)", x = 0, y = 7 },
    { title = "TTFT p95, ms (by concurrency)", expr = "SEARCH('${local.by_level} MetricName=\"TTFTp95Ms\"', 'Maximum', 3600)", x = 8, y = 7 },
    { title = "E2E p95, ms (by concurrency)", expr = "SEARCH('${local.by_level} MetricName=\"E2Ep95Ms\"', 'Maximum', 3600)", x = 16, y = 7 },
    { title = "Error rate (worst level)", expr = "SEARCH('${local.by_spec} MetricName=\"ErrorRate\"', 'Maximum', 3600)", x = 0, y = 13 },
    { title = "Completion tokens per run level", expr = "SEARCH('${local.by_level} MetricName=\"CompletionTokens\"', 'Sum', 3600)", x = 8, y = 13 },
    { title = "TokensPerSecond (seeds' name)", expr = "SEARCH('${local.by_spec} MetricName=\"TokensPerSecond\"', 'Maximum', 3600)", x = 16, y = 13 },
  ]
}

resource "aws_cloudwatch_dashboard" "bench" {
  dashboard_name = local.dashboard_name

  dashboard_body = jsonencode({
    widgets = concat(
      [{
        type   = "text"
        x      = 0
        y      = 0
        width  = 24
        height = 1
        properties = {
          markdown = "**llmbench** — one point per run and level when the run ends (namespace `${local.ns}`); exact figures: Athena views `run_level_summary` and `trend`."
        }
      }],
      [for w in local.emf_widgets : {
        type   = "metric"
        x      = w.x
        y      = w.y
        width  = 8
        height = 6
        properties = {
          title   = w.title
          region  = local.region
          view    = "timeSeries"
          stacked = false
          period  = 3600
          metrics = [[{ expression = w.expr, id = "e1" }]]
        }
      }],
      [
        {
          type   = "metric"
          x      = 0
          y      = 19
          width  = 12
          height = 6
          properties = {
            title  = "State machine executions"
            region = local.region
            view   = "timeSeries"
            period = 300
            stat   = "Sum"
            metrics = [
              ["AWS/States", "ExecutionsSucceeded", "StateMachineArn", aws_sfn_state_machine.benchmark.arn],
              ["AWS/States", "ExecutionsFailed", "StateMachineArn", aws_sfn_state_machine.benchmark.arn],
              ["AWS/States", "ExecutionsTimedOut", "StateMachineArn", aws_sfn_state_machine.benchmark.arn],
            ]
          }
        },
        {
          type   = "metric"
          x      = 12
          y      = 19
          width  = 12
          height = 6
          properties = {
            title  = "Worker Lambda"
            region = local.region
            view   = "timeSeries"
            period = 300
            metrics = [
              ["AWS/Lambda", "Errors", "FunctionName", aws_lambda_function.worker.function_name, { stat = "Sum" }],
              ["AWS/Lambda", "Throttles", "FunctionName", aws_lambda_function.worker.function_name, { stat = "Sum" }],
              ["AWS/Lambda", "Duration", "FunctionName", aws_lambda_function.worker.function_name, { stat = "Maximum", yAxis = "right" }],
            ]
          }
        },
      ],
    )
  })
}

# Example alarm: any level of any spec ended with an error rate above the
# threshold. A Metrics Insights query covers every spec without one alarm
# per dimension value.
resource "aws_cloudwatch_metric_alarm" "error_rate" {
  alarm_name          = "${local.name}-error-rate"
  alarm_description   = "A benchmark level ended with an error rate above ${var.error_rate_alarm_threshold} (see the ${local.dashboard_name} dashboard and the run's report.md)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_alarm_threshold
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions

  metric_query {
    id          = "worst"
    expression  = "SELECT MAX(ErrorRate) FROM SCHEMA(\"${local.ns}\", Platform, SpecName)"
    period      = 300
    label       = "worst error rate of any spec"
    return_data = true
  }
}
