# The workflow: statemachine/benchmark.asl.json with the functions' ARNs
# filled in. STANDARD: a run lasts longer than the 5 minutes of EXPRESS,
# and a Task runs exactly once unless its Retry says otherwise.

resource "aws_cloudwatch_log_group" "sfn" {
  # /aws/vendedlogs/ keeps the log group out of the size limit of the
  # account's CloudWatch Logs resource policy.
  name              = "/aws/vendedlogs/states/${local.name}-benchmark"
  retention_in_days = var.log_retention_days
}

resource "aws_sfn_state_machine" "benchmark" {
  name     = "${local.name}-benchmark"
  type     = "STANDARD"
  role_arn = aws_iam_role.sfn.arn

  definition = templatefile("${path.module}/../statemachine/benchmark.asl.json", {
    planner_arn    = aws_lambda_function.planner.arn
    worker_arn     = aws_lambda_function.worker.arn
    aggregator_arn = aws_lambda_function.aggregator.arn
    sweeper_arn    = aws_lambda_function.sweeper.arn
  })

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.sfn.arn}:*"
    include_execution_data = false
    level                  = var.sfn_log_level
  }

  depends_on = [aws_iam_role_policy.sfn]
}
