package s3store

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ObjectGetter is what OpenObject needs of an S3 client.
type ObjectGetter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// OpenObject opens one object named by an s3://bucket/key URL for reading
// (a dataset the spec points at): the caller closes it.
func OpenObject(api ObjectGetter) func(ctx context.Context, u string) (io.ReadCloser, error) {
	return func(ctx context.Context, raw string) (io.ReadCloser, error) {
		u, err := url.Parse(raw)
		key := ""
		if err == nil {
			key = strings.TrimPrefix(u.Path, "/")
		}
		if err != nil || u.Scheme != "s3" || u.Host == "" || key == "" {
			return nil, fmt.Errorf("s3store: %q: want s3://bucket/key", raw)
		}
		out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(u.Host), Key: aws.String(key)})
		if err != nil {
			return nil, fmt.Errorf("s3store: get %s: %w", raw, err)
		}
		return out.Body, nil
	}
}
