variable "region" {
  description = "AWS region of every resource."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix of every resource name (functions, roles, state machine, workgroup); the Glue database is its lower-case, underscored form."
  type        = string
  default     = "llmbench"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name_prefix))
    error_message = "name_prefix: 2 to 31 characters, lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "bucket_name" {
  description = "The run store bucket. Empty: <name_prefix>-<account id>-<region>."
  type        = string
  default     = ""
}

variable "store_prefix" {
  description = "Key prefix of the run store in the bucket: specs' \"output\" is s3://<bucket>/<store_prefix> (the output_url output). Empty: the top of the bucket."
  type        = string
  default     = "llmbench"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]*(/[A-Za-z0-9._-]+)*$", trim(var.store_prefix, "/")))
    error_message = "store_prefix: S3 key segments of letters, digits, . _ - separated by /."
  }
}

variable "force_destroy_bucket" {
  description = "Let terraform destroy delete the bucket with every sample and summary in it."
  type        = bool
  default     = false
}

variable "bucket_versioning" {
  description = "Keep earlier versions of overwritten objects (a retried worker overwrites its parts)."
  type        = bool
  default     = false
}

variable "samples_expiration_days" {
  description = "Delete samples/ (the per-request Parquet rows) after this many days; 0 keeps them. Summaries (runs/, summaries/) are kept, so trends outlive the samples."
  type        = number
  default     = 365

  validation {
    condition     = var.samples_expiration_days >= 0
    error_message = "samples_expiration_days: 0 (keep) or a number of days."
  }
}

variable "athena_results_expiration_days" {
  description = "Delete Athena result files (athena-results/) after this many days."
  type        = number
  default     = 7

  validation {
    condition     = var.athena_results_expiration_days >= 1
    error_message = "athena_results_expiration_days: at least 1."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of each function, MB. 1769 MB is one vCPU of credits: the worker's streams share it. The proxy's is used with deploy_proxy."
  type        = map(number)
  default = {
    planner    = 256
    worker     = 1769
    aggregator = 512
    sweeper    = 512
    proxy      = 512
  }

  validation {
    condition     = length(setsubtract(keys(var.lambda_memory_mb), ["planner", "worker", "aggregator", "sweeper", "proxy"])) == 0 && alltrue([for k in ["planner", "worker", "aggregator", "sweeper", "proxy"] : contains(keys(var.lambda_memory_mb), k)]) && alltrue([for v in values(var.lambda_memory_mb) : v >= 128 && v <= 10240])
    error_message = "lambda_memory_mb: exactly the keys planner, worker, aggregator, sweeper, proxy; values 128 to 10240."
  }
}

variable "lambda_timeout_s" {
  description = "Timeout of each function, seconds (at most 900). The worker stops issuing requests a margin before its deadline."
  type        = map(number)
  default = {
    planner    = 60
    worker     = 900
    aggregator = 600
    sweeper    = 300
    proxy      = 300
  }

  validation {
    condition     = length(setsubtract(keys(var.lambda_timeout_s), ["planner", "worker", "aggregator", "sweeper", "proxy"])) == 0 && alltrue([for k in ["planner", "worker", "aggregator", "sweeper", "proxy"] : contains(keys(var.lambda_timeout_s), k)]) && alltrue([for v in values(var.lambda_timeout_s) : v >= 1 && v <= 900])
    error_message = "lambda_timeout_s: exactly the keys planner, worker, aggregator, sweeper, proxy; values 1 to 900."
  }
}

variable "lambda_concurrency_quota" {
  description = "The account's Lambda concurrent executions quota in this region (Service Quotas: 1,000 by default). The planner refuses a level needing more workers at once (LLMBENCH_MAX_WORKERS), unless the spec's load.max_workers states another."
  type        = number
  default     = 1000

  validation {
    condition     = var.lambda_concurrency_quota >= 1 && var.lambda_concurrency_quota <= 10000 && floor(var.lambda_concurrency_quota) == var.lambda_concurrency_quota
    error_message = "lambda_concurrency_quota must be a whole number from 1 to 10000 (a Distributed Map runs at most 10,000 children at once)."
  }
}

variable "worker_start_margin" {
  description = "LLMBENCH_START_MARGIN of the worker: a level starts this long after its slices Map is entered, so cold starts do not stagger the workers (a Go duration)."
  type        = string
  default     = "10s"

  validation {
    condition     = can(regex("^[0-9]+(ms|s|m)$", var.worker_start_margin))
    error_message = "worker_start_margin: a Go duration such as 10s or 1500ms."
  }
}

variable "log_retention_days" {
  description = "Retention of the functions' and the state machine's log groups."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days: one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "sfn_log_level" {
  description = "Step Functions execution log level: ALL, ERROR, FATAL or OFF."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL", "OFF"], var.sfn_log_level)
    error_message = "sfn_log_level: ALL, ERROR, FATAL or OFF."
  }
}

variable "sagemaker_endpoint_arns" {
  description = "SageMaker endpoints the worker may invoke (targets of kind sagemaker). The seed endpoint, when deployed, is added."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.sagemaker_endpoint_arns : can(regex("^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:endpoint/[A-Za-z0-9-]+$", a))])
    error_message = "sagemaker_endpoint_arns: endpoint ARNs, arn:aws:sagemaker:<region>:<account>:endpoint/<name>."
  }
}

variable "secret_arns" {
  description = "Secrets Manager secrets the worker may read (target auth given as a secret ARN in the spec). ARNs only: never a secret value."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", a))])
    error_message = "secret_arns: Secrets Manager secret ARNs."
  }
}

variable "secret_kms_key_arns" {
  description = "Customer managed KMS keys of those secrets, if any (kms:Decrypt through Secrets Manager only). Secrets under the AWS managed key need nothing here."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.secret_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", a))])
    error_message = "secret_kms_key_arns: KMS key ARNs."
  }
}

variable "execute_api_arns" {
  description = "API Gateway execute-api ARNs the worker may call with SigV4-signed requests (arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<method>/<path>)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.execute_api_arns : can(regex("^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:[0-9]{12}:[a-z0-9]+/.+$", a))])
    error_message = "execute_api_arns: execute-api ARNs naming one API (arn:aws:execute-api:<region>:<account>:<api-id>/...)."
  }
}

variable "schedules" {
  description = "Benchmarks started by EventBridge Scheduler: name => schedule expression (rate(), cron(), at()), the run spec file passed as the execution input, and its time zone. The spec's output must be the bucket's s3:// URL."
  type = map(object({
    schedule_expression = string
    events_file         = string
    timezone            = optional(string, "UTC")
  }))
  default = {}

  validation {
    condition     = alltrue([for k, s in var.schedules : can(regex("^(rate|cron|at)\\(.+\\)$", s.schedule_expression))])
    error_message = "schedules: schedule_expression must be rate(...), cron(...) or at(...)."
  }
}

variable "athena_bytes_scanned_cutoff" {
  description = "The workgroup cancels a query that scans more than this many bytes (at least 10 MB)."
  type        = number
  default     = 10737418240 # 10 GiB, about $0.05 of scanning

  validation {
    condition     = var.athena_bytes_scanned_cutoff >= 10485760
    error_message = "athena_bytes_scanned_cutoff: at least 10485760 (10 MB), Athena's minimum."
  }
}

variable "projection_start_date" {
  description = "First day (yyyy-MM-dd, UTC) of the dt partitions Athena projects. Every query over a run looks at each day from here to today: keep it close to the first run."
  type        = string
  default     = "2026-01-01"

  validation {
    condition     = can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", var.projection_start_date))
    error_message = "projection_start_date: yyyy-MM-dd."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the aggregator's EMF metrics (LLMBENCH_EMF_NAMESPACE)."
  type        = string
  default     = "llmbench"
}

variable "error_rate_alarm_threshold" {
  description = "The example alarm fires when a level of any spec ends with an error rate (0 to 1) above this."
  type        = number
  default     = 0.05
}

variable "alarm_actions" {
  description = "ARNs (SNS topics) notified when the error-rate alarm fires."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

# The seeds' SageMaker endpoint, optional.

variable "deploy_seed_endpoint" {
  description = "Deploy the seeds' endpoint: Llama 3.1 8B AWQ on an LMI (vLLM) container, ml.g5.2xlarge, with token-based autoscaling. It costs about $1.52 an hour per instance while it exists."
  type        = bool
  default     = false
}

variable "seed_image_uri" {
  description = "The LMI (DJL Serving) container image for the seed endpoint, e.g. the djl-inference lmi image for your region from the AWS Deep Learning Containers list. Required when deploy_seed_endpoint."
  type        = string
  default     = ""
}

variable "seed_model_id" {
  description = "HF_MODEL_ID of the seed endpoint."
  type        = string
  default     = "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"
}

variable "seed_hf_token_secret_arn" {
  description = "Secrets Manager ARN of a Hugging Face token (the secret string is the token), for gated models. Empty: no token. The ARN only: Terraform reads the value at apply time."
  type        = string
  default     = ""

  validation {
    condition     = var.seed_hf_token_secret_arn == "" || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.seed_hf_token_secret_arn))
    error_message = "seed_hf_token_secret_arn: empty or a Secrets Manager secret ARN."
  }
}

variable "seed_instance_type" {
  description = "Instance type of the seed endpoint."
  type        = string
  default     = "ml.g5.2xlarge"
}

variable "seed_max_model_len" {
  description = "OPTION_MAX_MODEL_LEN: the context length vLLM serves."
  type        = number
  default     = 8192
}

variable "seed_extra_env" {
  description = "More container environment for the seed model (OPTION_* of LMI). Never a secret."
  type        = map(string)
  default     = {}
}

variable "seed_min_instances" {
  description = "Autoscaling floor of the seed endpoint."
  type        = number
  default     = 1
}

variable "seed_max_instances" {
  description = "Autoscaling ceiling of the seed endpoint."
  type        = number
  default     = 2
}

variable "seed_target_completion_tokens_per_minute" {
  description = "Target tracking value: completion tokens per minute per instance (the seeds' 54,000, about 900 tok/s)."
  type        = number
  default     = 54000
}

variable "seed_scaling_metric_namespace" {
  description = "Namespace of the CompletionTokens metric (dimension EndpointName, one datum per request or per batch, unit Count) that the client publishes for the seed endpoint."
  type        = string
  default     = "llmbench"
}

variable "deploy_proxy" {
  description = "Deploy functions/proxy: the OpenAI API in front of a SageMaker endpoint (Function URL, response streaming), publishing the CompletionTokens metric the seed endpoint scales on."
  type        = bool
  default     = false
}

variable "proxy_endpoint_name" {
  description = "The SageMaker endpoint the proxy fronts (and the only one its role may invoke); empty means the seed endpoint."
  type        = string
  default     = ""
}

variable "proxy_format" {
  description = "The endpoint's payload format: chat (LMI/vLLM OpenAI schema), lmi or tgi."
  type        = string
  default     = "chat"

  validation {
    condition     = contains(["chat", "lmi", "tgi"], var.proxy_format)
    error_message = "proxy_format must be chat, lmi or tgi."
  }
}

variable "proxy_model" {
  description = "The model name the proxy sends in format chat (empty sends none: the endpoint's own model)."
  type        = string
  default     = ""
}

variable "proxy_usd_per_hour" {
  description = "Price of one endpoint instance per hour, for the proxy's cost figure (X-Cost-Per-1K-USD, CostPer1kTokensUSD); 0 gives none."
  type        = number
  default     = 1.515
}

variable "proxy_instances" {
  description = "Instances of the endpoint, for the proxy's cost figure."
  type        = number
  default     = 1
}

variable "proxy_url_auth" {
  description = "The Function URL's authorization: AWS_IAM (SigV4-signed callers with lambda:InvokeFunctionUrl) or NONE (anyone with the URL)."
  type        = string
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "NONE"], var.proxy_url_auth)
    error_message = "proxy_url_auth must be AWS_IAM or NONE."
  }
}
