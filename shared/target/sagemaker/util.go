package sagemaker

import (
	"context"
	"errors"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

// A SageMaker row is classified and worded like an OpenAI row: the error
// helpers are package target's.

const (
	maxErrLen  = 300  // Result.Err is truncated to this many bytes
	tokensHint = 1024 // Tokens capacity reserved up front, at most
)

// ctxStatus tells whether ctx (or a deadline inside the transport) explains
// err: timeout for a deadline, canceled for a cancellation.
func ctxStatus(ctx context.Context, err error) (sample.Status, bool) {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return sample.StatusTimeout, true
		}
		return sample.StatusCanceled, true
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return sample.StatusTimeout, true
	case errors.Is(err, context.Canceled):
		return sample.StatusCanceled, true
	}
	return "", false
}

func ctxWhat(st sample.Status) string {
	if st == sample.StatusTimeout {
		return "timed out"
	}
	return "canceled"
}

// parseErrorObject reads a container's error object; a code outside
// 400-599 is no HTTP status.
func parseErrorObject(b []byte) (msg string, code int) {
	msg, code = target.ErrorObject(b)
	if code < 400 || code > 599 {
		code = 0
	}
	return msg, code
}

var (
	transportErr = target.TransportErr
	excerpt      = target.Excerpt
	truncate     = target.Truncate
)
