package s3store

import (
	"fmt"
	"strings"
)

// ParseURL splits an s3:// address into its bucket and key prefix:
// "s3://bucket/some/prefix" gives ("bucket", "some/prefix"), and
// "s3://bucket" or "s3://bucket/" gives ("bucket", ""). Slashes at the end
// of the prefix are dropped. It is an error for the scheme not to be s3,
// for the bucket name not to follow S3's naming rules, or for the prefix to
// hold an empty, "." or ".." segment.
func ParseURL(u string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		return "", "", fmt.Errorf("s3store: parse %q: not an s3:// URL (want s3://bucket/prefix)", u)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if err := checkBucket(bucket); err != nil {
		return "", "", fmt.Errorf("s3store: parse %q: %w", u, err)
	}
	prefix = strings.TrimRight(prefix, "/")
	if prefix == "" {
		return bucket, "", nil
	}
	for _, seg := range strings.Split(prefix, "/") {
		switch seg {
		case "":
			return "", "", fmt.Errorf("s3store: parse %q: empty segment (//) in prefix %q", u, prefix)
		case ".", "..":
			return "", "", fmt.Errorf("s3store: parse %q: segment %q in prefix %q", u, seg, prefix)
		}
	}
	return bucket, prefix, nil
}

// checkBucket applies S3's rules for general purpose bucket names: 3 to 63
// lower-case letters, digits, dots and hyphens, beginning and ending with a
// letter or digit, with no two dots in a row.
func checkBucket(b string) error {
	if b == "" {
		return fmt.Errorf("no bucket name")
	}
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("bucket name %q: %d characters, want 3 to 63", b, len(b))
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '-' || c == '.':
			if i == 0 || i == len(b)-1 {
				return fmt.Errorf("bucket name %q: must begin and end with a letter or digit", b)
			}
			if c == '.' && b[i-1] == '.' {
				return fmt.Errorf("bucket name %q: two dots in a row", b)
			}
		default:
			return fmt.Errorf("bucket name %q: character %q not allowed (lower-case letters, digits, '.' and '-' only)", b, c)
		}
	}
	return nil
}
