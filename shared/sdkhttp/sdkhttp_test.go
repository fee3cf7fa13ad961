package sdkhttp

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

type recorder struct{ body io.ReadCloser }

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.body = req.Body
	return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
}

// writerToBody is a body with WriteTo, like the SDK's.
type writerToBody struct{ *bytes.Reader }

func (writerToBody) Close() error { return nil }

func TestGuardHidesWriteTo(t *testing.T) {
	rec := &recorder{}
	req, _ := http.NewRequest("POST", "http://127.0.0.1/", nil)
	req.Body = writerToBody{bytes.NewReader([]byte("payload"))}
	if _, ok := req.Body.(io.WriterTo); !ok {
		t.Fatal("test body lacks WriteTo")
	}
	if _, err := Guard(rec).Do(req); err != nil {
		t.Fatal(err)
	}
	if _, ok := rec.body.(io.WriterTo); ok {
		t.Error("the guarded body still offers WriteTo to net/http")
	}
	b, _ := io.ReadAll(rec.body)
	if string(b) != "payload" {
		t.Errorf("body read %q, want payload", b)
	}
	// A request without a body passes as it is.
	req2, _ := http.NewRequest("GET", "http://127.0.0.1/", nil)
	if _, err := Guard(rec).Do(req2); err != nil || rec.body != nil {
		t.Errorf("GET: body %v, err %v", rec.body, err)
	}
}
