package s3store

import (
	"context"
	"fmt"

	"github.com/llmbench/llmbench/shared/store"
)

// Opener returns a function that opens the Store an s3:// output URL names,
// sharing one client: what the Lambda functions hand to the workflow.
func Opener(api API) func(ctx context.Context, output string) (store.Store, error) {
	return func(_ context.Context, output string) (store.Store, error) {
		bucket, prefix, err := ParseURL(output)
		if err != nil {
			return nil, fmt.Errorf("s3store: output %q: %w", output, err)
		}
		return New(api, bucket, prefix), nil
	}
}
