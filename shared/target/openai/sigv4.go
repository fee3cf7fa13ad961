package openai

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SigV4 returns a signer for Config.Sign that adds an AWS Signature
// Version 4 to each request (Authorization, X-Amz-Date and, for temporary
// credentials, X-Amz-Security-Token), for service ("execute-api" for API
// Gateway with IAM authorization) in region. The payload hash is the
// SHA-256 of the body. creds is wrapped in an aws.CredentialsCache unless
// it is one already, so that requests do not each fetch credentials; the
// request's context bounds a fetch.
//
// The signer is safe for concurrent use. Its errors never contain a key.
func SigV4(creds aws.CredentialsProvider, service, region string) (func(*http.Request, []byte) error, error) {
	switch {
	case creds == nil:
		return nil, errors.New("openai: sigv4: no AWS credentials provider")
	case service == "":
		return nil, errors.New("openai: sigv4: service is required (execute-api for API Gateway)")
	case region == "":
		return nil, errors.New("openai: sigv4: region is required")
	}
	if _, ok := creds.(*aws.CredentialsCache); !ok {
		creds = aws.NewCredentialsCache(creds)
	}
	signer := v4.NewSigner()
	return func(req *http.Request, body []byte) error {
		c, err := creds.Retrieve(req.Context())
		if err != nil {
			return fmt.Errorf("sigv4: retrieve AWS credentials: %w", err)
		}
		sum := sha256.Sum256(body)
		if err := signer.SignHTTP(req.Context(), c, req, hex.EncodeToString(sum[:]), service, region, time.Now().UTC()); err != nil {
			return fmt.Errorf("sigv4: %w", err)
		}
		return nil
	}, nil
}
