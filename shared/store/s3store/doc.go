// Package s3store is the store.Store of a run's files in an S3 bucket,
// under an optional key prefix: the same keys as store.Local, so a run
// reads the same whether it was written locally or in the cloud.
//
// A Store talks to S3 through API, the four calls it makes, which
// *s3.Client satisfies. Put overwrites (S3 has no partial objects, so a
// reader never sees half a file, and a retried writer replaces its
// earlier object); Get of a missing key wraps store.ErrNotFound; List
// pages through ListObjectsV2 and returns the keys relative to the
// prefix, sorted; Delete of a missing key succeeds.
package s3store
