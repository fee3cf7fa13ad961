package sample

import (
	"encoding/json"
	"time"
)

// Row is one request, as stored in Parquet and queried by DuckDB or Athena.
// The column names and types are a contract (DESIGN.md, the Glue table):
// change them only together with the query SQL and terraform/.
//
// Latency columns are nullable: a request that failed before its first
// token has no TTFT, and a one-token answer has no TPOT.
type Row struct {
	RunID  string `parquet:"run_id,dict"`
	Level  int32  `parquet:"level"`  // the level's concurrency: its virtual users, or (mode rate) its max_concurrency, 0 for none
	Worker int32  `parquet:"worker"` // the worker (slice) that issued the request
	Seq    int64  `parquet:"seq"`    // issue order within the worker, from 0
	VU     int32  `parquet:"vu"`     // the virtual user within the worker

	StartTime    time.Time `parquet:"start_time,timestamp(microsecond)"` // UTC wall clock at issue
	StartMs      float64   `parquet:"start_ms"`                          // issue time, ms after the level's start instant
	EndMs        float64   `parquet:"end_ms"`                            // end of the response (or the failure), ms after the level's start instant
	SchedDelayMs float64   `parquet:"sched_delay_ms"`                    // issue time minus the intended issue time
	Warmup       bool      `parquet:"warmup"`                            // issued during the warm-up: stored, never summarized

	Status     string `parquet:"status,dict"`
	HTTPStatus int32  `parquet:"http_status"`
	Error      string `parquet:"error"`

	TTFBMs *float64  `parquet:"ttfb_ms,optional"` // first response byte
	TTFTMs *float64  `parquet:"ttft_ms,optional"` // first generated token (content or reasoning)
	TTFCMs *float64  `parquet:"ttfc_ms,optional"` // first visible content
	E2EMs  *float64  `parquet:"e2e_ms,optional"`  // issue to the last token-bearing chunk
	TPOTMs *float64  `parquet:"tpot_ms,optional"` // (e2e - ttft) / (output_tokens - 1)
	ITLMs  []float64 `parquet:"itl_ms,list"`      // every gap between consecutive token-bearing chunks

	InputTokens  int32  `parquet:"input_tokens"`
	OutputTokens int32  `parquet:"output_tokens"`
	TokenSource  string `parquet:"token_source,dict"`
	Chunks       int32  `parquet:"chunks"`
	Bytes        int64  `parquet:"bytes"`

	ConnReused bool    `parquet:"conn_reused"`
	ConnectMs  float64 `parquet:"connect_ms"`

	// HeadersJSON holds the response headers the spec's capture_headers
	// named, as a JSON object of strings keyed by the spec's spelling:
	// {"X-TTFT-MS":"412","X-Tokens-Per-Second":"57.3"}. It is NULL (read
	// back as "") when none was captured. A string rather than a MAP: both
	// engines return it as a plain string, and read a key with
	// json_extract_string(headers_json, '$."X-TTFT-MS"') (DuckDB) or
	// json_extract_scalar(headers_json, '$["X-TTFT-MS"]') (Athena).
	HeadersJSON string `parquet:"headers_json,optional"`

	// Added after the first release, so at the end: readers by position
	// keep working.
	BackoffMs    float64 `parquet:"backoff_ms"`         // how long the virtual user waited after an error before issuing this request
	FinishReason string  `parquet:"finish_reason,dict"` // the server's last finish_reason, "" if none came
	CutShort     bool    `parquet:"cut_short"`          // a stream the server ended cleanly before its end ([DONE] or a finish_reason)

	// The level's identity and load model (added with open-loop load).
	LevelIndex  int32   `parquet:"level_index"`  // the level's place in the run, from 0: what the summary groups by
	Mode        string  `parquet:"mode,dict"`    // concurrency (closed loop) or rate (open loop)
	RequestRate float64 `parquet:"request_rate"` // mode rate: the level's asked rate (a ramp's end), requests/s; 0 otherwise
	IntendedMs  float64 `parquet:"intended_ms"`  // when the request was meant to be sent, ms after the level's start instant
	QueueMs     float64 `parquet:"queue_ms"`     // mode rate: time waiting for a load.max_concurrency slot

	// The prompt (added with real workloads).
	PromptID int64 `parquet:"prompt_id"` // the dataset record's 0-based index, or the synthetic draw's
	// ClientInputTokens is the prompt's length as the client counted it:
	// exactly, with the spec's tokenizer (ClientCount "tokenizer"), or in
	// words, an approximation (ClientCount "words").
	ClientInputTokens int32  `parquet:"client_input_tokens"`
	ClientCount       string `parquet:"client_count,dict"`

	// What the server reports of its cache and reasoning: NULL when it did
	// not send the count, which is not the same as 0.
	CachedTokens    *int32 `parquet:"cached_tokens,optional"`    // usage.prompt_tokens_details.cached_tokens (OpenAI, vLLM)
	ReasoningTokens *int32 `parquet:"reasoning_tokens,optional"` // usage.completion_tokens_details.reasoning_tokens

	// The conversation (workload.session): NULL without sessions.
	SessionID *int64  `parquet:"session_id,optional"` // the conversation, unique within its level: worker·2³² + the worker's count
	Turn      *int32  `parquet:"turn,optional"`       // the turn's number in its conversation, from 1
	ThinkMs   float64 `parquet:"think_ms"`            // how long the virtual user paused after its previous answer before this turn

	// The server's own TTFT (llmbench's proxy reports it): NULL when the
	// server sent none. ttft_ms minus it is the proxy's overhead plus the
	// network between client and proxy.
	ServerTTFTMs *float64 `parquet:"server_ttft_ms,optional"`

	// Round is the level's round the request ran in, from 0: a level
	// longer than one worker invocation runs in consecutive rounds, and its
	// rows' times (start_ms, intended_ms, …) run on across them.
	Round int32 `parquet:"round"`
}

// Meta places a Result in its run: the fields a load generator knows and a
// target client does not.
type Meta struct {
	RunID      string
	Level      int
	Worker     int
	Seq        int64
	VU         int
	Warmup     bool
	LevelStart time.Time     // the level's common start instant, with a monotonic reading
	Intended   time.Time     // when the request was meant to be issued
	Backoff    time.Duration // the virtual user's wait after an error, before this request
	LevelIndex int
	Mode       string        // "concurrency" or "rate"
	Rate       float64       // the level's asked rate, mode rate
	Queue      time.Duration // the wait for a max_concurrency slot
	PromptID   int64         // the dataset record, or the synthetic draw
	// ClientCount says how the client counted the prompt's tokens
	// (Result.ClientInputTokens): "tokenizer" or "words".
	ClientCount string
	// Turn is the request's turn in its conversation, from 1, and
	// SessionID the conversation's id; Turn 0: no session.
	SessionID int64
	Turn      int
	Think     time.Duration // the pause after the previous answer
	Round     int           // the level's round, from 0 (LevelStart is then round 0's start, shifted by the rounds before)
}

// FromResult derives a Row from a raw Result. Offsets are taken on the
// monotonic clock; StartTime is the wall clock for people and partitions.
func FromResult(m Meta, r *Result) Row {
	row := Row{
		RunID:        m.RunID,
		Level:        int32(m.Level),
		Worker:       int32(m.Worker),
		Seq:          m.Seq,
		VU:           int32(m.VU),
		StartTime:    r.Start.UTC().Truncate(time.Microsecond),
		StartMs:      ms(r.Start.Sub(m.LevelStart)),
		EndMs:        ms(r.End.Sub(m.LevelStart)),
		Warmup:       m.Warmup,
		Status:       string(r.Status),
		HTTPStatus:   int32(r.HTTPStatus),
		Error:        r.Err,
		InputTokens:  int32(r.InputTokens),
		OutputTokens: int32(r.OutputTokens),
		TokenSource:  r.TokenSource,
		Chunks:       int32(r.Chunks),
		Bytes:        r.Bytes,
		ConnReused:   r.ConnReused,
		ConnectMs:    ms(r.Connect),
		BackoffMs:    ms(m.Backoff),
		FinishReason: r.FinishReason,
		CutShort:     r.CutShort,
		LevelIndex:   int32(m.LevelIndex),
		Round:        int32(m.Round),
		Mode:         m.Mode,
		RequestRate:  m.Rate,
		QueueMs:      ms(m.Queue),
		PromptID:     m.PromptID,

		ClientInputTokens: int32(r.ClientInputTokens),
		ClientCount:       m.ClientCount,
	}
	if !m.Intended.IsZero() {
		row.SchedDelayMs = ms(r.Start.Sub(m.Intended))
		row.IntendedMs = ms(m.Intended.Sub(m.LevelStart))
	}
	if len(r.Headers) > 0 {
		// A map of strings always encodes, with its keys sorted.
		b, _ := json.Marshal(r.Headers)
		row.HeadersJSON = string(b)
	}
	if !r.FirstByte.IsZero() {
		row.TTFBMs = msp(r.FirstByte.Sub(r.Start))
	}
	if !r.FirstToken.IsZero() {
		row.TTFTMs = msp(r.FirstToken.Sub(r.Start))
	}
	if !r.FirstContent.IsZero() {
		row.TTFCMs = msp(r.FirstContent.Sub(r.Start))
	}
	if n := len(r.Tokens); n > 0 {
		row.E2EMs = msp(r.Tokens[n-1].Sub(r.Start))
		row.ITLMs = make([]float64, 0, n-1)
		for i := 1; i < n; i++ {
			row.ITLMs = append(row.ITLMs, ms(r.Tokens[i].Sub(r.Tokens[i-1])))
		}
	} else if r.Status == StatusOK {
		// A complete answer with no token (max_tokens 0, an empty reply):
		// its latency is the whole response.
		row.E2EMs = msp(r.End.Sub(r.Start))
	}
	if m.Turn > 0 {
		id := m.SessionID
		row.SessionID, row.Turn, row.ThinkMs = &id, ptr32(m.Turn), ms(m.Think)
	}
	if r.HasCached {
		row.CachedTokens = ptr32(r.CachedTokens)
	}
	if r.HasReasoning {
		row.ReasoningTokens = ptr32(r.ReasoningTokens)
	}
	if r.HasServerTTFT {
		row.ServerTTFTMs = ptr(r.ServerTTFTMs)
	}
	if row.TTFTMs != nil && row.E2EMs != nil && r.OutputTokens > 1 {
		row.TPOTMs = ptr((*row.E2EMs - *row.TTFTMs) / float64(r.OutputTokens-1))
	}
	return row
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func msp(d time.Duration) *float64 { return ptr(ms(d)) }

func ptr(f float64) *float64 { return &f }

// ptr32 narrows a count as the other int32 columns do.
func ptr32(n int) *int32 { v := int32(n); return &v }
