# The four steps, from `make package`: build/<fn>.zip holding one
# executable named bootstrap, built for linux/arm64 without cgo
# (provided.al2023). Run `make package` before plan/apply.

resource "aws_cloudwatch_log_group" "planner" {
  name              = "/aws/lambda/${local.name}-planner"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "planner" {
  function_name    = "${local.name}-planner"
  description      = "llmbench Plan step: validate the spec, write spec.json and plan.json"
  role             = aws_iam_role.planner.arn
  filename         = "${path.module}/../build/planner.zip"
  source_code_hash = filebase64sha256("${path.module}/../build/planner.zip")
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  memory_size      = var.lambda_memory_mb["planner"]
  timeout          = var.lambda_timeout_s["planner"]

  # The planner refuses a level longer than what the worker's timeout
  # leaves after its start margin and a minute to drain and flush.
  environment {
    variables = {
      LLMBENCH_WORKER_TIMEOUT_S = var.lambda_timeout_s["worker"]
      LLMBENCH_START_MARGIN     = var.worker_start_margin
      LLMBENCH_MAX_WORKERS      = var.lambda_concurrency_quota
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.planner.name
  }
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = "/aws/lambda/${local.name}-worker"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "worker" {
  function_name    = "${local.name}-worker"
  description      = "llmbench Work step: drive one slice of a level, write its Parquet samples"
  role             = aws_iam_role.worker.arn
  filename         = "${path.module}/../build/worker.zip"
  source_code_hash = filebase64sha256("${path.module}/../build/worker.zip")
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  memory_size      = var.lambda_memory_mb["worker"]
  timeout          = var.lambda_timeout_s["worker"]

  environment {
    variables = {
      LLMBENCH_START_MARGIN = var.worker_start_margin
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.worker.name
  }
}

resource "aws_cloudwatch_log_group" "aggregator" {
  name              = "/aws/lambda/${local.name}-aggregator"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "aggregator" {
  function_name    = "${local.name}-aggregator"
  description      = "llmbench Aggregate step: Athena over the samples, summary.json, report, EMF metrics"
  role             = aws_iam_role.aggregator.arn
  filename         = "${path.module}/../build/aggregator.zip"
  source_code_hash = filebase64sha256("${path.module}/../build/aggregator.zip")
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  memory_size      = var.lambda_memory_mb["aggregator"]
  timeout          = var.lambda_timeout_s["aggregator"]

  environment {
    variables = {
      LLMBENCH_ATHENA_WORKGROUP = aws_athena_workgroup.bench.name
      LLMBENCH_ATHENA_DATABASE  = aws_glue_catalog_database.bench.name
      LLMBENCH_ATHENA_OUTPUT    = local.athena_results_url
      LLMBENCH_EMF_NAMESPACE    = var.metrics_namespace
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.aggregator.name
  }
}

resource "aws_cloudwatch_log_group" "sweeper" {
  name              = "/aws/lambda/${local.name}-sweeper"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "sweeper" {
  function_name    = "${local.name}-sweeper"
  description      = "llmbench Sweep step (load.profile sweep): Athena over the first two levels, the rate levels between them into plan.json"
  role             = aws_iam_role.sweeper.arn
  filename         = "${path.module}/../build/sweeper.zip"
  source_code_hash = filebase64sha256("${path.module}/../build/sweeper.zip")
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  memory_size      = var.lambda_memory_mb["sweeper"]
  timeout          = var.lambda_timeout_s["sweeper"]

  environment {
    variables = {
      LLMBENCH_ATHENA_WORKGROUP = aws_athena_workgroup.bench.name
      LLMBENCH_ATHENA_DATABASE  = aws_glue_catalog_database.bench.name
      LLMBENCH_ATHENA_OUTPUT    = local.athena_results_url
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.sweeper.name
  }
}
