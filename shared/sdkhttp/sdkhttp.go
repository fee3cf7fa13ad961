// Package sdkhttp is the HTTP client llmbench gives every AWS SDK client.
//
// It works around a race between the SDK (v1.47) and net/http, seen as
// "use of closed network connection" while a response is read — a few
// requests in a thousand against a fast server: the SDK wraps a request
// body in a reader that answers WriteTo with io.EOF once closed, and closes
// it as soon as the response headers are in; net/http, after sending
// Content-Length bytes, copies from the body once more to check that
// nothing is left, through WriteTo when there is one. When the server
// answers before that check runs, the check gets io.EOF as an error and the
// transport closes the connection under the response being read. Read
// alone (no WriteTo) reports a closed body as a clean end.
package sdkhttp

import (
	"io"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Doer is the SDK's HTTP client interface.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Guard returns c with request bodies reduced to Read and Close.
func Guard(c Doer) Doer { return guard{c} }

// Client is the SDK's default client, guarded.
func Client() Doer { return Guard(awshttp.NewBuildableClient()) }

type guard struct{ c Doer }

func (g guard) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = readCloserOnly{r.Body}
	}
	return g.c.Do(r)
}

// readCloserOnly exposes Read and Close, nothing else.
type readCloserOnly struct{ io.ReadCloser }
