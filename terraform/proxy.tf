# The seeds' serving path (optional, deploy_proxy): functions/proxy, the
# OpenAI API in front of one SageMaker endpoint, from a Lambda Function URL
# with response streaming. IAM auth by default, so that only signed
# callers (llmbench's SigV4 target: events/aws-proxy.json) reach it;
# NONE only when proxy_url_auth asks for it. Its EMF metrics
# (CompletionTokens by EndpointName, …) in namespace
# seed_scaling_metric_namespace are what the seed endpoint's scaling
# policy reads (sagemaker.tf).
#
# No API Gateway in front: REST API response streaming needs a newer AWS
# provider than this configuration's ~> 5.80, and an HTTP API buffers the
# whole answer, which would hide the tokens' timing.

locals {
  proxy              = var.deploy_proxy ? 1 : 0
  proxy_endpoint     = var.proxy_endpoint_name != "" ? var.proxy_endpoint_name : local.seed_name
  proxy_endpoint_arn = "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:endpoint/${lower(local.proxy_endpoint)}"
}

resource "aws_cloudwatch_log_group" "proxy" {
  count             = local.proxy
  name              = "/aws/lambda/${local.name}-proxy"
  retention_in_days = var.log_retention_days
}

resource "aws_iam_role" "proxy" {
  count              = local.proxy
  name               = "${local.name}-proxy"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

# The endpoint it fronts, and nothing else; its logs (which carry the EMF
# metrics: no PutMetricData).
data "aws_iam_policy_document" "proxy" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${local.name}-proxy:*"]
  }

  statement {
    sid       = "InvokeEndpoint"
    actions   = ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]
    resources = [local.proxy_endpoint_arn]
  }
}

resource "aws_iam_role_policy" "proxy" {
  count  = local.proxy
  name   = "proxy"
  role   = aws_iam_role.proxy[0].id
  policy = data.aws_iam_policy_document.proxy.json
}

resource "aws_lambda_function" "proxy" {
  count            = local.proxy
  function_name    = "${local.name}-proxy"
  description      = "llmbench proxy: OpenAI chat/completions streamed from SageMaker endpoint ${local.proxy_endpoint}, EMF metrics for its autoscaling"
  role             = aws_iam_role.proxy[0].arn
  filename         = "${path.module}/../build/proxy.zip"
  source_code_hash = filebase64sha256("${path.module}/../build/proxy.zip")
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  memory_size      = var.lambda_memory_mb["proxy"]
  timeout          = var.lambda_timeout_s["proxy"]

  environment {
    variables = {
      LLMBENCH_PROXY_ENDPOINT     = local.proxy_endpoint
      LLMBENCH_PROXY_FORMAT       = var.proxy_format
      LLMBENCH_PROXY_MODEL        = var.proxy_model
      LLMBENCH_PROXY_USD_PER_HOUR = var.proxy_usd_per_hour
      LLMBENCH_PROXY_INSTANCES    = var.proxy_instances
      LLMBENCH_EMF_NAMESPACE      = var.seed_scaling_metric_namespace
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.proxy[0].name
  }

  depends_on = [aws_iam_role_policy.proxy]
}

resource "aws_lambda_function_url" "proxy" {
  count              = local.proxy
  function_name      = aws_lambda_function.proxy[0].function_name
  authorization_type = var.proxy_url_auth
  invoke_mode        = "RESPONSE_STREAM"
}

# proxy_url_auth NONE: anyone with the URL may call it. Lambda also wants
# lambda:InvokeFunction, restricted to calls through the URL
# (lambda:InvokedViaFunctionUrl), for Function URLs made since October
# 2025; aws_lambda_permission of provider ~> 5.80 cannot express that
# condition, so add that statement by hand (README: The proxy).
resource "aws_lambda_permission" "proxy_public" {
  count                  = var.deploy_proxy && var.proxy_url_auth == "NONE" ? 1 : 0
  statement_id           = "PublicFunctionURL"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.proxy[0].function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}
