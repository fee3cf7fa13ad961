package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Putter stores one file under a key (store.Store satisfies it).
type Putter interface {
	Put(ctx context.Context, key string, data []byte) error
}

// DefaultPartRows bounds the rows held in memory before a part is
// written: a vLLM scrape has a few hundred samples, so a part holds a few
// minutes of scrapes at one a second.
const DefaultPartRows = 50_000

// MaxBody bounds what one scrape reads of an answer.
const MaxBody = 16 << 20

// Config is one level's scrape.
type Config struct {
	URL        string        // the endpoint, http:// or https://
	Interval   time.Duration // between scrapes; each scrape's timeout too
	Client     *http.Client  // nil: a client of the package's own
	RunID      string
	LevelIndex int
	// Start is the level's start instant (with a monotonic reading): the
	// first scrape is sent then, the next ones every Interval after it.
	Start time.Time
	// Warmup is the level's warm-up: rows of scrapes sent before
	// Start + Warmup are flagged.
	Warmup   time.Duration
	PartRows int // rows per part file; <= 0: DefaultPartRows
}

// Result is what a level's scrapes gave.
type Result struct {
	Scrapes int `json:"scrapes"` // scrapes sent (one the level's end cut short is not counted)
	Failed  int `json:"failed"`  // scrapes that gave no rows
	Rows    int `json:"rows"`    // rows written
	Parts   int `json:"parts"`   // part files written
	// Error describes the first failed scrape, WriteError the first part
	// that could not be stored (its rows are lost, not the level).
	Error      string   `json:"error,omitempty"`
	WriteError string   `json:"write_error,omitempty"`
	Keys       []string `json:"-"` // the parts' keys
}

// defaultClient scrapes when Config.Client is nil.
var defaultClient = &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 1}}

// Run scrapes cfg.URL from cfg.Start every cfg.Interval until ctx ends,
// and stores the rows through put under key(0), key(1), … (parts of at
// most cfg.PartRows rows, the last written once ctx has ended, on a
// context that is not cancelled). A scrape that fails is counted, never
// returned: Run has no error.
func Run(ctx context.Context, cfg Config, put Putter, key func(part int) string) Result {
	s := &scraper{cfg: cfg, put: put, key: key, client: cfg.Client}
	if s.client == nil {
		s.client = defaultClient
	}
	if s.cfg.PartRows <= 0 {
		s.cfg.PartRows = DefaultPartRows
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || cfg.Interval <= 0 {
		s.res.Failed, s.res.Error = 1, fmt.Sprintf("no scrape: bad endpoint %q or interval %v", Redact(cfg.URL), cfg.Interval)
		return s.res
	}
	s.where = redactURL(u)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	next := cfg.Start
	for {
		if d := time.Until(next); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				s.flush(context.WithoutCancel(ctx))
				return s.res
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			s.flush(context.WithoutCancel(ctx))
			return s.res
		}
		s.scrape(ctx, int32(s.res.Scrapes))
		// The next tick of the schedule still ahead: a slow scrape or a
		// late start skips ticks rather than bunching scrapes.
		for now := time.Now(); !next.After(now); {
			next = next.Add(cfg.Interval)
		}
	}
}

// scraper is one Run's state.
type scraper struct {
	cfg    Config
	put    Putter
	key    func(int) string
	client *http.Client
	where  string // the endpoint without its query, for messages
	rows   []Row
	res    Result
}

// scrape sends one scrape and keeps its rows.
func (s *scraper) scrape(ctx context.Context, n int32) {
	sctx, cancel := context.WithTimeout(ctx, s.cfg.Interval)
	defer cancel()
	sent := time.Now()
	rows, err := s.read(sctx, n, sent)
	if err != nil && ctx.Err() != nil {
		return // the level ended during the scrape: not a failure of the server
	}
	s.res.Scrapes++
	if err != nil {
		s.res.Failed++
		if s.res.Error == "" {
			s.res.Error = err.Error()
		}
		return
	}
	s.rows = append(s.rows, rows...)
	if len(s.rows) >= s.cfg.PartRows {
		s.flush(context.WithoutCancel(ctx))
	}
}

// read gets and parses one answer.
func (s *scraper) read(ctx context.Context, n int32, sent time.Time) ([]Row, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %s", s.where, "bad request")
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1")
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error repeats the URL, query and all
		}
		return nil, fmt.Errorf("scrape %s: %v", s.where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: HTTP %d", s.where, resp.StatusCode)
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt == "text/html" || mt == "application/json" {
		return nil, fmt.Errorf("scrape %s: not Prometheus text: Content-Type %s", s.where, ct)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return nil, fmt.Errorf("scrape %s: read: %v", s.where, err)
	}
	rows, err := Parse(body)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", s.where, err)
	}
	t := sent.UTC().Truncate(time.Microsecond)
	tms := float64(sent.Sub(s.cfg.Start)) / float64(time.Millisecond)
	warm := sent.Before(s.cfg.Start.Add(s.cfg.Warmup))
	for i := range rows {
		r := &rows[i]
		r.RunID, r.LevelIndex, r.Scrape, r.Time, r.TMs, r.Warmup = s.cfg.RunID, int32(s.cfg.LevelIndex), n, t, tms, warm
	}
	return rows, nil
}

// flush writes the buffered rows as the next part. A part that cannot be
// stored is dropped (and said so): telemetry never holds up the level.
func (s *scraper) flush(ctx context.Context) {
	if len(s.rows) == 0 {
		return
	}
	rows := s.rows
	s.rows = nil
	key := s.key(s.res.Parts)
	var buf bytes.Buffer
	err := WriteParquet(&buf, rows)
	if err == nil {
		err = s.put.Put(ctx, key, buf.Bytes())
	}
	if err != nil {
		if s.res.WriteError == "" {
			s.res.WriteError = fmt.Sprintf("%d rows lost: %v", len(rows), err)
		}
		return
	}
	s.res.Parts++
	s.res.Rows += len(rows)
	s.res.Keys = append(s.res.Keys, key)
}

// ErrNotPrometheus is the error of an answer that is not Prometheus text.
var ErrNotPrometheus = errors.New("not Prometheus text")

// Parse reads a Prometheus text exposition into rows (Metric, Labels,
// Value set; the rest left for the caller), sorted by metric then labels.
// An answer the parser refuses, or one with no finite sample, is
// ErrNotPrometheus.
func Parse(body []byte) ([]Row, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotPrometheus, cut(err.Error(), 200))
	}
	list := make([]*dto.MetricFamily, 0, len(fams))
	for _, f := range fams {
		list = append(list, f)
	}
	vec, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{Timestamp: model.Now()}, list...)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotPrometheus, cut(err.Error(), 200))
	}
	rows := make([]Row, 0, len(vec))
	for _, smp := range vec {
		v := float64(smp.Value)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		labels := map[string]string{}
		for k, lv := range smp.Metric {
			if k != model.MetricNameLabel {
				labels[string(k)] = string(lv)
			}
		}
		lb, _ := json.Marshal(labels) // sorted keys; strings always marshal
		rows = append(rows, Row{Metric: string(smp.Metric[model.MetricNameLabel]), Labels: string(lb), Value: v})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: no sample in %d bytes", ErrNotPrometheus, len(body))
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Metric != rows[j].Metric {
			return rows[i].Metric < rows[j].Metric
		}
		return rows[i].Labels < rows[j].Labels
	})
	return rows, nil
}

// Redact gives an endpoint as messages may show it: without credentials
// or query string.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return redactURL(u)
}

func redactURL(u *url.URL) string {
	s := u.Scheme + "://" + u.Host + u.EscapedPath()
	if u.RawQuery != "" {
		s += "?…"
	}
	return s
}

// cut shortens s to at most n bytes, on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n]) + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
