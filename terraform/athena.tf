# The workgroup the aggregator's and the sweeper's queries run in, and the
# two views.
#
# The views are created by DDL queries, which Terraform cannot run without
# a provisioner: they are saved as named queries of the workgroup, to run
# once after apply and again after a change (see the README, "Deploy to
# AWS"). DDL queries scan nothing and cost nothing.

resource "aws_athena_workgroup" "bench" {
  name          = local.athena_workgroup
  description   = "llmbench: summaries of benchmark runs"
  force_destroy = true

  configuration {
    # The workgroup's result location and limits win over the client's.
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location = local.athena_results_url

      encryption_configuration {
        encryption_option = "SSE_S3"
      }
    }
  }
}

locals {
  athena_views = {
    run_level_summary = templatefile("${path.module}/sql/run_level_summary.sql", {
      metrics     = ["ttft", "tpot", "itl", "e2e"]
      percentiles = [0.5, 0.9, 0.95, 0.99]
    })
    trend = file("${path.module}/sql/trend.sql")
  }
}

resource "aws_athena_named_query" "views" {
  for_each = local.athena_views

  name        = "${local.name}-create-view-${each.key}"
  description = "DDL: CREATE OR REPLACE VIEW ${each.key}. Run once after terraform apply."
  workgroup   = aws_athena_workgroup.bench.id
  database    = aws_glue_catalog_database.bench.name
  query       = each.value
}
