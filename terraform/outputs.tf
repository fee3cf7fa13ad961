output "state_machine_arn" {
  description = "Start runs here: llmbench run --cloud, aws stepfunctions start-execution --input file://spec.json."
  value       = aws_sfn_state_machine.benchmark.arn
}

output "bucket" {
  description = "The run store bucket."
  value       = aws_s3_bucket.store.bucket
}

output "output_url" {
  description = "What every run spec's \"output\" must be in AWS."
  value       = local.output_url
}

output "athena_workgroup" {
  description = "The workgroup of the aggregator's and the sweeper's queries and of the views."
  value       = aws_athena_workgroup.bench.name
}

output "glue_database" {
  description = "The Glue database holding the samples and level_summaries tables."
  value       = aws_glue_catalog_database.bench.name
}

output "athena_view_query_ids" {
  description = "Named queries that create the views run_level_summary and trend: run each once after apply."
  value       = { for k, q in aws_athena_named_query.views : k => q.id }
}

output "dashboard_url" {
  description = "The CloudWatch dashboard."
  value       = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards:name=${aws_cloudwatch_dashboard.bench.dashboard_name}"
}

output "function_names" {
  description = "The four Lambda functions."
  value = {
    planner    = aws_lambda_function.planner.function_name
    worker     = aws_lambda_function.worker.function_name
    aggregator = aws_lambda_function.aggregator.function_name
    sweeper    = aws_lambda_function.sweeper.function_name
  }
}

output "seed_endpoint_name" {
  description = "The seed SageMaker endpoint (target kind sagemaker), or null."
  value       = one(aws_sagemaker_endpoint.seed[*].name)
}

output "proxy_url" {
  description = "The proxy's Function URL (target.url of events/aws-proxy.json, with /v1), or null without deploy_proxy."
  value       = one(aws_lambda_function_url.proxy[*].function_url)
}
