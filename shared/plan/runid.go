package plan

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
)

var unsafeRunID = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// NewRunID makes a run id that sorts by time and names the spec:
// <name>-20261123T060419Z-1a2b.
func NewRunID(name string, now time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	n := strings.Trim(unsafeRunID.ReplaceAllString(name, "-"), "-")
	if len(n) > 40 {
		n = n[:40]
	}
	return fmt.Sprintf("%s-%s-%s", n, now.UTC().Format("20060102T150405Z"), hex.EncodeToString(b[:]))
}

// ValidRunID reports whether id is safe in keys and SQL literals.
func ValidRunID(id string) bool {
	return id != "" && len(id) <= 100 && !unsafeRunID.MatchString(id)
}
