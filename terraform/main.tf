# Names and ARNs shared by the other files.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  name       = var.name_prefix
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  # The run store: s3://<bucket>/<store_prefix>. A spec's "output" must be
  # exactly that URL: the IAM policies and the Glue tables know its keys.
  bucket_name  = var.bucket_name != "" ? var.bucket_name : "${var.name_prefix}-${local.account_id}-${local.region}"
  store_prefix = trim(var.store_prefix, "/")
  key_prefix   = local.store_prefix == "" ? "" : "${local.store_prefix}/"
  output_url   = local.store_prefix == "" ? "s3://${aws_s3_bucket.store.bucket}" : "s3://${aws_s3_bucket.store.bucket}/${local.store_prefix}"
  # ARN prefix of the store's objects: "<bucket ARN>/<store_prefix>/".
  store_objects = "${aws_s3_bucket.store.arn}/${local.key_prefix}"

  # Glue and Athena want lower case and underscores.
  glue_database = replace(lower(var.name_prefix), "-", "_")

  athena_results_url   = "s3://${aws_s3_bucket.store.bucket}/athena-results/"
  athena_workgroup     = "${local.name}-bench"
  athena_workgroup_arn = "arn:${local.partition}:athena:${local.region}:${local.account_id}:workgroup/${local.athena_workgroup}"
}
