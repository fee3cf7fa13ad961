# The seeds' endpoint (optional, deploy_seed_endpoint): Llama 3.1 8B
# Instruct AWQ INT4 on an LMI (DJL Serving) container with the vLLM
# backend, ml.g5.2xlarge (one A10G, 24 GB), 8,192 tokens of context, and
# target-tracking autoscaling on completion tokens per minute per instance
# (the seeds' 54,000, about 900 tok/s).
#
# The Hugging Face token, when the model needs one, is read from Secrets
# Manager at apply time and becomes the container's HF_TOKEN: it is then in
# the Terraform state and in the model's description (DescribeModel), as
# with any SageMaker model environment; keep the state private.

locals {
  seed       = var.deploy_seed_endpoint ? 1 : 0
  seed_name  = "${local.name}-llama31-8b-awq-g5"
  seed_token = var.deploy_seed_endpoint && var.seed_hf_token_secret_arn != "" ? 1 : 0

  # <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]
  seed_image_parts = try(regex("^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^:@]+)", var.seed_image_uri), ["", "", ""])
  seed_repo_arn    = "arn:${local.partition}:ecr:${local.seed_image_parts[1]}:${local.seed_image_parts[0]}:repository/${local.seed_image_parts[2]}"
  seed_log_group   = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/sagemaker/Endpoints/${local.seed_name}"
}

data "aws_secretsmanager_secret_version" "seed_hf_token" {
  count     = local.seed_token
  secret_id = var.seed_hf_token_secret_arn
}

data "aws_iam_policy_document" "assume_sagemaker" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "seed_endpoint" {
  count              = local.seed
  name               = "${local.name}-seed-endpoint"
  assume_role_policy = data.aws_iam_policy_document.assume_sagemaker.json
}

data "aws_iam_policy_document" "seed_endpoint" {
  statement {
    sid       = "PullImage"
    actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
    resources = [local.seed_repo_arn]
  }

  # No resource-level permission exists for these two (documented
  # exceptions); PutMetricData is held to SageMaker's namespace.
  statement {
    sid       = "EcrToken"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "Metrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/Endpoints"]
    }
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [local.seed_log_group, "${local.seed_log_group}:*"]
  }
}

resource "aws_iam_role_policy" "seed_endpoint" {
  count  = local.seed
  name   = "seed-endpoint"
  role   = aws_iam_role.seed_endpoint[0].id
  policy = data.aws_iam_policy_document.seed_endpoint.json
}

resource "aws_sagemaker_model" "seed" {
  count              = local.seed
  name               = local.seed_name
  execution_role_arn = aws_iam_role.seed_endpoint[0].arn

  primary_container {
    image = var.seed_image_uri

    environment = merge(
      {
        HF_MODEL_ID          = var.seed_model_id
        OPTION_ROLLING_BATCH = "vllm"
        OPTION_MAX_MODEL_LEN = tostring(var.seed_max_model_len)
      },
      var.seed_extra_env,
      # HF_TOKEN only when a token secret is given.
      { for k, v in { HF_TOKEN = one(data.aws_secretsmanager_secret_version.seed_hf_token[*].secret_string) } : k => v if v != null },
    )
  }

  lifecycle {
    precondition {
      condition     = local.seed_image_parts[0] != ""
      error_message = "deploy_seed_endpoint needs seed_image_uri: an LMI image, <account>.dkr.ecr.<region>.amazonaws.com/djl-inference:<tag>."
    }
  }

  depends_on = [aws_iam_role_policy.seed_endpoint]
}

resource "aws_sagemaker_endpoint_configuration" "seed" {
  count = local.seed
  name  = local.seed_name

  production_variants {
    variant_name                                      = "AllTraffic"
    model_name                                        = aws_sagemaker_model.seed[0].name
    instance_type                                     = var.seed_instance_type
    initial_instance_count                            = var.seed_min_instances
    container_startup_health_check_timeout_in_seconds = 900
    model_data_download_timeout_in_seconds            = 900
  }
}

resource "aws_sagemaker_endpoint" "seed" {
  count                = local.seed
  name                 = local.seed_name
  endpoint_config_name = aws_sagemaker_endpoint_configuration.seed[0].name
}

resource "aws_appautoscaling_target" "seed" {
  count              = local.seed
  service_namespace  = "sagemaker"
  resource_id        = "endpoint/${aws_sagemaker_endpoint.seed[0].name}/variant/AllTraffic"
  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"
  min_capacity       = var.seed_min_instances
  max_capacity       = var.seed_max_instances
}

# Target tracking needs a metric that falls as instances are added: the
# endpoint's completion tokens per minute divided by its instance count.
# SageMaker publishes no instance count, but Invocations /
# InvocationsPerInstance is one, so tokens per instance =
# CompletionTokens x InvocationsPerInstance / Invocations. CompletionTokens
# (namespace var.seed_scaling_metric_namespace, dimension EndpointName,
# unit Count) is published by the client, as the seeds' proxy did.
resource "aws_appautoscaling_policy" "seed_tokens" {
  count              = local.seed
  name               = "${local.seed_name}-completion-tokens"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.seed[0].service_namespace
  resource_id        = aws_appautoscaling_target.seed[0].resource_id
  scalable_dimension = aws_appautoscaling_target.seed[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.seed_target_completion_tokens_per_minute
    scale_out_cooldown = 60
    scale_in_cooldown  = 600

    customized_metric_specification {
      metrics {
        id          = "per_instance"
        label       = "completion tokens per minute per instance"
        expression  = "tokens * per_instance_invocations / IF(invocations > 0, invocations, 1)"
        return_data = true
      }

      metrics {
        id          = "tokens"
        return_data = false

        metric_stat {
          stat = "Sum"

          metric {
            namespace   = var.seed_scaling_metric_namespace
            metric_name = "CompletionTokens"

            dimensions {
              name  = "EndpointName"
              value = aws_sagemaker_endpoint.seed[0].name
            }
          }
        }
      }

      metrics {
        id          = "invocations"
        return_data = false

        metric_stat {
          stat = "Sum"

          metric {
            namespace   = "AWS/SageMaker"
            metric_name = "Invocations"

            dimensions {
              name  = "EndpointName"
              value = aws_sagemaker_endpoint.seed[0].name
            }

            dimensions {
              name  = "VariantName"
              value = "AllTraffic"
            }
          }
        }
      }

      metrics {
        id          = "per_instance_invocations"
        return_data = false

        metric_stat {
          stat = "Sum"

          metric {
            namespace   = "AWS/SageMaker"
            metric_name = "InvocationsPerInstance"

            dimensions {
              name  = "EndpointName"
              value = aws_sagemaker_endpoint.seed[0].name
            }

            dimensions {
              name  = "VariantName"
              value = "AllTraffic"
            }
          }
        }
      }
    }
  }
}
