// Package terraform holds the AWS deployment of llmbench as Terraform files
// (*.tf in this folder, sql/ for the Athena views) and, in its tests, the
// static checks that keep them in step with the Go code: the Lambda
// packaging of the Makefile, the state machine's template variables, the
// Glue table and the Parquet schema of sample.Row, and each IAM role
// against the AWS calls its function's code can make. The checks need no
// AWS account and no Terraform registry: go test ./terraform/...
package terraform
