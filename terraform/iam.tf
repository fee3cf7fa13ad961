# One role per function, one for the state machine, one for the scheduler
# (and one for the seed endpoint, in sagemaker.tf). Inline policies from
# aws_iam_policy_document data sources only, no managed policies: the
# static checks (checks_test.go) compare each role's actions with the AWS
# calls the Go code of its function can make.
#
# Resource "*" appears only where AWS offers no narrower resource:
#   - the Step Functions log delivery actions (logs:*LogDelivery*,
#     logs:PutResourcePolicy, logs:DescribeResourcePolicies,
#     logs:DescribeLogGroups) for the state machine's logging;
#   - ecr:GetAuthorizationToken and cloudwatch:PutMetricData for the seed
#     endpoint's execution role (sagemaker.tf).
#
# s3:ListBucket is granted on the bucket without an s3:prefix condition to
# the worker, the aggregator and the sweeper: S3 answers a GetObject of a
# missing key with 404 only to a caller allowed to list the bucket (403
# otherwise), and the worker relies on that 404 (store.ErrNotFound) to know
# a slice's first attempt; Athena lists the partitions it reads.

locals {
  bucket_arn = aws_s3_bucket.store.arn
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

# Plan: writes runs/<id>/spec.json, plan.json and dataset.jsonl; reads
# only the prompt datasets specs name (workload.dataset.path), which in
# AWS live under s3://<store bucket>/datasets/.

resource "aws_iam_role" "planner" {
  name               = "${local.name}-planner"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

data "aws_iam_policy_document" "planner" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.planner.arn}:*"]
  }

  statement {
    sid       = "WriteRun"
    actions   = ["s3:PutObject"]
    resources = ["${local.store_objects}runs/*"]
  }

  statement {
    sid       = "ReadDatasets"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.store.arn}/datasets/*"]
  }
}

resource "aws_iam_role_policy" "planner" {
  name   = "planner"
  role   = aws_iam_role.planner.id
  policy = data.aws_iam_policy_document.planner.json
}

# Work: reads the run's spec, plan and slice record; writes samples (and,
# the level's scraping slice, the server's telemetry) and the slice record;
# lists and deletes the parts of an interrupted attempt; calls the target.

resource "aws_iam_role" "worker" {
  name               = "${local.name}-worker"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

data "aws_iam_policy_document" "worker" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.worker.arn}:*"]
  }

  statement {
    sid       = "ReadRun"
    actions   = ["s3:GetObject"]
    resources = ["${local.store_objects}runs/*"]
  }

  statement {
    sid       = "WriteSliceRecords"
    actions   = ["s3:PutObject"]
    resources = ["${local.store_objects}runs/*/slices/*"]
  }

  statement {
    sid       = "WriteUsage"
    actions   = ["s3:PutObject"]
    resources = ["${local.store_objects}runs/*/usage/worker-*"]
  }

  statement {
    sid       = "WriteSamples"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.store_objects}samples/*", "${local.store_objects}telemetry/*"]
  }

  statement {
    sid       = "ListBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
  }

  dynamic "statement" {
    for_each = length(var.sagemaker_endpoint_arns) > 0 || var.deploy_seed_endpoint ? [1] : []

    content {
      sid       = "InvokeEndpoints"
      actions   = ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]
      resources = concat(var.sagemaker_endpoint_arns, aws_sagemaker_endpoint.seed[*].arn)
    }
  }

  dynamic "statement" {
    for_each = length(var.secret_arns) > 0 ? [1] : []

    content {
      sid       = "ReadTargetSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = var.secret_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.secret_kms_key_arns) > 0 ? [1] : []

    content {
      sid       = "DecryptTargetSecrets"
      actions   = ["kms:Decrypt"]
      resources = var.secret_kms_key_arns

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.execute_api_arns) > 0 ? [1] : []

    content {
      sid       = "InvokeSigV4Targets"
      actions   = ["execute-api:Invoke"]
      resources = var.execute_api_arns
    }
  }

  # The proxy's IAM-authorized Function URL (events/aws-proxy.json): since
  # October 2025 a Function URL wants both actions of its caller.
  dynamic "statement" {
    for_each = var.deploy_proxy && var.proxy_url_auth == "AWS_IAM" ? [1] : []

    content {
      sid       = "InvokeProxyURL"
      actions   = ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]
      resources = aws_lambda_function.proxy[*].arn
    }
  }
}

resource "aws_iam_role_policy" "worker" {
  name   = "worker"
  role   = aws_iam_role.worker.id
  policy = data.aws_iam_policy_document.worker.json
}

# Aggregate: reads the run's files, runs Athena over the samples (which
# reads the Glue table and the Parquet files as the aggregator, and writes
# results to athena-results/), writes summary.json, the report and the
# trend table's summaries/ file.

resource "aws_iam_role" "aggregator" {
  name               = "${local.name}-aggregator"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

data "aws_iam_policy_document" "aggregator" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.aggregator.arn}:*"]
  }

  statement {
    sid       = "ReadRun"
    actions   = ["s3:GetObject"]
    resources = ["${local.store_objects}runs/*"]
  }

  statement {
    sid       = "WriteSummaries"
    actions   = ["s3:PutObject"]
    resources = ["${local.store_objects}runs/*", "${local.store_objects}summaries/*"]
  }

  # The run's bill counts the state transitions of the execution that runs
  # the aggregator, from its history. The ARN is built from the state
  # machine's name: its definition names this function (no cycle).
  statement {
    sid       = "CountTransitions"
    actions   = ["states:GetExecutionHistory"]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.name}-benchmark:*"]
  }

  statement {
    sid = "RunQueries"
    actions = [
      "athena:StartQueryExecution",
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:StopQueryExecution",
    ]
    resources = [local.athena_workgroup_arn]
  }

  statement {
    sid     = "ReadCatalog"
    actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"]
    resources = [
      "arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog",
      "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${local.glue_database}",
      "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${local.glue_database}/${aws_glue_catalog_table.samples.name}",
      "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${local.glue_database}/${aws_glue_catalog_table.telemetry.name}",
    ]
  }

  statement {
    sid       = "QueryReadsSamples"
    actions   = ["s3:GetObject"]
    resources = ["${local.store_objects}samples/*", "${local.store_objects}telemetry/*"]
  }

  statement {
    sid       = "QueryListsBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [local.bucket_arn]
  }

  statement {
    sid       = "QueryResults"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${local.bucket_arn}/athena-results/*"]
  }
}

resource "aws_iam_role_policy" "aggregator" {
  name   = "aggregator"
  role   = aws_iam_role.aggregator.id
  policy = data.aws_iam_policy_document.aggregator.json
}

# Sweep (load.profile sweep only): reads the run's spec and plan, runs
# Athena over the first two levels' samples (as the aggregator does: the
# Glue table, the Parquet files and athena-results/ as the sweeper), and
# rewrites the plan with the rate levels (plan.SavePlan: plan.json alone),
# and nothing else under runs/: no spec, summary, report or slice record.

resource "aws_iam_role" "sweeper" {
  name               = "${local.name}-sweeper"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

data "aws_iam_policy_document" "sweeper" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.sweeper.arn}:*"]
  }

  statement {
    sid       = "ReadRun"
    actions   = ["s3:GetObject"]
    resources = ["${local.store_objects}runs/*/spec.json", "${local.store_objects}runs/*/plan.json"]
  }

  # The plan, and the slice lists of the levels it adds, which the slices
  # Map's ItemReader reads (store.MapRunItemsKey).
  statement {
    sid       = "WritePlan"
    actions   = ["s3:PutObject"]
    resources = ["${local.store_objects}runs/*/plan.json", "${local.store_objects}runs/*/maprun/*/items.json"]
  }

  statement {
    sid       = "WriteUsage"
    actions   = ["s3:PutObject"]
    resources = ["${local.store_objects}runs/*/usage/sweeper-*"]
  }

  statement {
    sid = "RunQueries"
    actions = [
      "athena:StartQueryExecution",
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:StopQueryExecution",
    ]
    resources = [local.athena_workgroup_arn]
  }

  statement {
    sid     = "ReadCatalog"
    actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"]
    resources = [
      "arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog",
      "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${local.glue_database}",
      "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${local.glue_database}/${aws_glue_catalog_table.samples.name}",
    ]
  }

  statement {
    sid       = "QueryReadsSamples"
    actions   = ["s3:GetObject"]
    resources = ["${local.store_objects}samples/*"]
  }

  statement {
    sid       = "QueryListsBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [local.bucket_arn]
  }

  statement {
    sid       = "QueryResults"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${local.bucket_arn}/athena-results/*"]
  }
}

resource "aws_iam_role_policy" "sweeper" {
  name   = "sweeper"
  role   = aws_iam_role.sweeper.id
  policy = data.aws_iam_policy_document.sweeper.json
}

# The state machine: invokes the four functions, delivers its logs.

data "aws_iam_policy_document" "assume_states" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "sfn" {
  name               = "${local.name}-state-machine"
  assume_role_policy = data.aws_iam_policy_document.assume_states.json
}

data "aws_iam_policy_document" "sfn" {
  statement {
    sid     = "InvokeSteps"
    actions = ["lambda:InvokeFunction"]
    resources = [
      aws_lambda_function.planner.arn,
      aws_lambda_function.worker.arn,
      aws_lambda_function.aggregator.arn,
      aws_lambda_function.sweeper.arn,
    ]
  }

  # The Slices state is a Distributed Map: each slice is a child execution
  # of this state machine (named <machine>/Slices), which Step Functions
  # starts, describes and stops as the execution role.
  statement {
    sid       = "DistributedMapStart"
    actions   = ["states:StartExecution"]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.name}-benchmark"]
  }

  statement {
    sid       = "DistributedMapChildren"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.name}-benchmark/Slices:*"]
  }

  # Its ItemReader reads each level's slice list (maprun/level=L/items.json)
  # and its ResultWriter exports the children's results, both under each
  # run's maprun/ folder (store.MapRunPrefix), and nowhere else.
  statement {
    sid       = "DistributedMapResults"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]
    resources = ["${local.store_objects}runs/*/maprun/*"]
  }

  # CloudWatch Logs delivery for Step Functions logging: these actions
  # support no resource narrower than "*" (documented exception).
  statement {
    sid = "LogDelivery"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "sfn" {
  name   = "state-machine"
  role   = aws_iam_role.sfn.id
  policy = data.aws_iam_policy_document.sfn.json
}

# EventBridge Scheduler: starts executions of the state machine.

data "aws_iam_policy_document" "assume_scheduler" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${local.name}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.assume_scheduler.json
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "StartBenchmark"
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.benchmark.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}
