package sfnfake

import (
	"strconv"
	"time"
)

// The JSON shapes of the operations, as the SDK's serializers and
// deserializers (service/sfn) write and read them: lowerCamelCase members,
// timestamps as epoch seconds.

type startExecutionInput struct {
	StateMachineArn string  `json:"stateMachineArn"`
	Name            string  `json:"name"`
	Input           *string `json:"input"`
	TraceHeader     string  `json:"traceHeader"`
}

type startExecutionOutput struct {
	ExecutionArn string    `json:"executionArn"`
	StartDate    epochTime `json:"startDate"`
}

type executionArnInput struct {
	ExecutionArn string `json:"executionArn"`
}

type describeExecutionOutput struct {
	ExecutionArn    string       `json:"executionArn"`
	StateMachineArn string       `json:"stateMachineArn"`
	Name            string       `json:"name"`
	Status          string       `json:"status"`
	StartDate       epochTime    `json:"startDate"`
	StopDate        *epochTime   `json:"stopDate,omitempty"`
	Input           string       `json:"input"`
	InputDetails    *dataDetails `json:"inputDetails,omitempty"`
	Output          *string      `json:"output,omitempty"`
	OutputDetails   *dataDetails `json:"outputDetails,omitempty"`
	Error           *string      `json:"error,omitempty"`
	Cause           *string      `json:"cause,omitempty"`
}

type dataDetails struct {
	Included  *bool `json:"included,omitempty"`
	Truncated *bool `json:"truncated,omitempty"`
}

type getExecutionHistoryInput struct {
	ExecutionArn         string `json:"executionArn"`
	IncludeExecutionData *bool  `json:"includeExecutionData"`
	MaxResults           int    `json:"maxResults"`
	NextToken            string `json:"nextToken"`
	ReverseOrder         bool   `json:"reverseOrder"`
}

type getExecutionHistoryOutput struct {
	Events    []historyEvent `json:"events"`
	NextToken string         `json:"nextToken,omitempty"`
}

type stopExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	Error        string `json:"error"`
	Cause        string `json:"cause"`
}

type stopExecutionOutput struct {
	StopDate epochTime `json:"stopDate"`
}

type mapRunArnInput struct {
	MapRunArn string `json:"mapRunArn"`
}

type describeMapRunOutput struct {
	MapRunArn                  string       `json:"mapRunArn"`
	ExecutionArn               string       `json:"executionArn"`
	Status                     string       `json:"status"`
	StartDate                  epochTime    `json:"startDate"`
	StopDate                   *epochTime   `json:"stopDate,omitempty"`
	MaxConcurrency             int          `json:"maxConcurrency"`
	ToleratedFailurePercentage float64      `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      int64        `json:"toleratedFailureCount"`
	ItemCounts                 mapRunCounts `json:"itemCounts"`
	ExecutionCounts            mapRunCounts `json:"executionCounts"`
	RedriveCount               int          `json:"redriveCount"`
}

// mapRunCounts is MapRunItemCounts and MapRunExecutionCounts (the same
// members).
type mapRunCounts struct {
	Pending               int64 `json:"pending"`
	Running               int64 `json:"running"`
	Succeeded             int64 `json:"succeeded"`
	Failed                int64 `json:"failed"`
	TimedOut              int64 `json:"timedOut"`
	Aborted               int64 `json:"aborted"`
	Total                 int64 `json:"total"`
	ResultsWritten        int64 `json:"resultsWritten"`
	FailuresNotRedrivable int64 `json:"failuresNotRedrivable"`
	PendingRedrive        int64 `json:"pendingRedrive"`
}

type errorBody struct {
	Type         string `json:"__type"`
	Message      string `json:"message"`
	ResourceName string `json:"resourceName,omitempty"` // ResourceNotFound
}

// historyEvent is one HistoryEvent; exactly one details member is set,
// the one its type calls for (none for LambdaFunctionStarted).
type historyEvent struct {
	Timestamp       epochTime `json:"timestamp"`
	Type            string    `json:"type"`
	ID              int64     `json:"id"`
	PreviousEventID int64     `json:"previousEventId"`

	ExecutionStarted   *executionStartedDetails `json:"executionStartedEventDetails,omitempty"`
	ExecutionSucceeded *outputDetails           `json:"executionSucceededEventDetails,omitempty"`
	ExecutionFailed    *errorDetails            `json:"executionFailedEventDetails,omitempty"`
	ExecutionTimedOut  *errorDetails            `json:"executionTimedOutEventDetails,omitempty"`
	ExecutionAborted   *errorDetails            `json:"executionAbortedEventDetails,omitempty"`

	StateEntered *stateDetails `json:"stateEnteredEventDetails,omitempty"`
	StateExited  *stateDetails `json:"stateExitedEventDetails,omitempty"`

	TaskScheduled *taskScheduledDetails `json:"taskScheduledEventDetails,omitempty"`
	TaskStarted   *taskDetails          `json:"taskStartedEventDetails,omitempty"`
	TaskSucceeded *taskDetails          `json:"taskSucceededEventDetails,omitempty"`
	TaskFailed    *taskDetails          `json:"taskFailedEventDetails,omitempty"`
	TaskTimedOut  *taskDetails          `json:"taskTimedOutEventDetails,omitempty"`

	LambdaScheduled *lambdaScheduledDetails `json:"lambdaFunctionScheduledEventDetails,omitempty"`
	LambdaSucceeded *outputDetails          `json:"lambdaFunctionSucceededEventDetails,omitempty"`
	LambdaFailed    *errorDetails           `json:"lambdaFunctionFailedEventDetails,omitempty"`
	LambdaTimedOut  *errorDetails           `json:"lambdaFunctionTimedOutEventDetails,omitempty"`

	MapIterationStarted   *mapIterationDetails `json:"mapIterationStartedEventDetails,omitempty"`
	MapIterationSucceeded *mapIterationDetails `json:"mapIterationSucceededEventDetails,omitempty"`
	MapIterationFailed    *mapIterationDetails `json:"mapIterationFailedEventDetails,omitempty"`

	MapRunStarted *mapRunStartedDetails `json:"mapRunStartedEventDetails,omitempty"`
	MapRunFailed  *errorDetails         `json:"mapRunFailedEventDetails,omitempty"`
}

type mapRunStartedDetails struct {
	MapRunArn string `json:"mapRunArn"`
}

type executionStartedDetails struct {
	Input        *string      `json:"input,omitempty"`
	InputDetails *dataDetails `json:"inputDetails,omitempty"`
	RoleArn      string       `json:"roleArn"`
}

type outputDetails struct {
	Output        *string      `json:"output,omitempty"`
	OutputDetails *dataDetails `json:"outputDetails,omitempty"`
}

type errorDetails struct {
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
}

type stateDetails struct {
	Name string `json:"name"`
}

type taskScheduledDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
	Region       string `json:"region"`
	Parameters   string `json:"parameters,omitempty"` // not reported by sfnlocal
}

type taskDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

type lambdaScheduledDetails struct {
	Resource string `json:"resource"`
}

type mapIterationDetails struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
}

// epochTime is a timestamp on the wire: seconds since the Unix epoch, with
// milliseconds, as a JSON number (e.g. 1700000000.123).
type epochTime time.Time

func (t epochTime) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(time.Time(t).UnixMilli())/1000, 'f', -1, 64), nil
}
