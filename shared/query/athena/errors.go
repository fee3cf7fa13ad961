package athena

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
)

// QueryError is a query that Athena ran and failed or cancelled. Query
// returns it wrapped; errors.As finds it.
type QueryError struct {
	QueryExecutionID string
	State            string // FAILED or CANCELLED
	Reason           string // StateChangeReason: Athena's explanation, e.g. a syntax error and where

	// From AthenaError, when Athena gives it (0 and "" when not): the
	// category (1 system, 2 user, 3 other), the type (see Athena's error
	// catalog), its message, and whether a retry may succeed.
	ErrorCategory int32
	ErrorType     int32
	ErrorMessage  string
	Retryable     bool
}

func newQueryError(id string, s *types.QueryExecutionStatus) *QueryError {
	e := &QueryError{
		QueryExecutionID: id,
		State:            string(s.State),
		Reason:           aws.ToString(s.StateChangeReason),
	}
	if a := s.AthenaError; a != nil {
		e.ErrorCategory = aws.ToInt32(a.ErrorCategory)
		e.ErrorType = aws.ToInt32(a.ErrorType)
		e.ErrorMessage = aws.ToString(a.ErrorMessage)
		e.Retryable = a.Retryable
	}
	return e
}

// Error reads "query <id> FAILED: <reason> (category 2 USER, type 1000:
// <message>, retryable)", leaving out what Athena did not say and the
// message when the reason already holds it.
func (e *QueryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "query %s %s", e.QueryExecutionID, e.State)
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	if e.ErrorCategory != 0 || e.ErrorType != 0 || e.ErrorMessage != "" {
		fmt.Fprintf(&b, " (category %d %s, type %d", e.ErrorCategory, categoryName(e.ErrorCategory), e.ErrorType)
		if e.ErrorMessage != "" && e.ErrorMessage != e.Reason {
			b.WriteString(": " + e.ErrorMessage)
		}
		if e.Retryable {
			b.WriteString(", retryable")
		}
		b.WriteString(")")
	}
	return b.String()
}

// categoryName names Athena's error categories.
func categoryName(c int32) string {
	switch c {
	case 1:
		return "SYSTEM"
	case 2:
		return "USER"
	case 3:
		return "OTHER"
	}
	return "UNKNOWN"
}
