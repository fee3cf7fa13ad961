# Scheduled benchmarks: one EventBridge Scheduler schedule per entry of
# var.schedules, starting the state machine with the run spec file as the
# execution input. No retries: a retried start is a second benchmark.

resource "aws_scheduler_schedule" "benchmark" {
  for_each = var.schedules

  name                         = "${local.name}-${each.key}"
  description                  = "llmbench: ${each.value.events_file}"
  schedule_expression          = each.value.schedule_expression
  schedule_expression_timezone = each.value.timezone

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sfn_state_machine.benchmark.arn
    role_arn = aws_iam_role.scheduler.arn
    input    = file(each.value.events_file)

    retry_policy {
      maximum_retry_attempts = 0
    }
  }

  lifecycle {
    precondition {
      condition     = can(jsondecode(file(each.value.events_file)).name)
      error_message = "schedules: events_file ${each.value.events_file} is not a JSON run spec."
    }

    precondition {
      condition     = trimsuffix(try(jsondecode(file(each.value.events_file)).output, ""), "/") == local.output_url
      error_message = "schedules: the spec in ${each.value.events_file} must have \"output\": \"${local.output_url}\" (the run store; the roles can write nowhere else)."
    }

    precondition {
      condition     = can(regex("^(env:|arn:aws[a-z-]*:secretsmanager:)", try(jsondecode(file(each.value.events_file)).target.auth.secret, "env:")))
      error_message = "schedules: the spec in ${each.value.events_file} gives target.auth.secret as a value: give a reference (a Secrets Manager ARN listed in secret_arns), never the secret itself."
    }
  }
}
