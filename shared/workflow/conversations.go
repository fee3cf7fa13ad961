package workflow

import (
	"time"

	"github.com/llmbench/llmbench/shared/dataset"
	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/session"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/target"
)

// conversations plays a slice's multi-turn conversations
// (workload.session); nil without one, and then every method is a no-op.
type conversations struct {
	players *session.Players
	q       *requests
}

// newConversations returns the conversations of a closed-loop slice's
// virtual users, or nil when the spec has no session (Validate refuses a
// session in mode rate).
func newConversations(s *spec.Spec, p *plan.Plan, sl plan.Slice, q *requests) *conversations {
	ss := s.Workload.Session
	if ss == nil {
		return nil
	}
	cfg := session.Config{Turns: ss.Turns.Dist(), Seed: p.Seed, Level: sl.LevelIndex, Worker: sl.Worker}
	if !ss.ThinkTime.IsZero() {
		cfg.Think = ss.ThinkTime.Dist()
	}
	return &conversations{players: session.New(cfg, max(sl.Concurrency, 1)), q: q}
}

// request makes virtual user vu's request seq: its conversation's history,
// then the turn's own prompt (the request package workload would send
// without a session; a shared prefix begins the conversation only), with
// the answer's text kept for the next turn.
func (c *conversations) request(vu int, seq int64) (target.Request, error) {
	u := c.players.User(vu)
	req, _, err := c.q.makeOf(seq, u.Ended())
	if err != nil {
		return req, err
	}
	prompt := req.Messages
	if len(prompt) == 0 {
		prompt = []target.Message{{Role: dataset.RoleUser, Content: req.Prompt}}
	}
	req.Messages, _, _ = u.Next(prompt)
	req.Prompt = ""
	req.KeepText = true
	req.InputTokens = c.q.count(req.PromptText())
	return req, nil
}

// meta places vu's last request in its conversation.
func (c *conversations) meta(m *sample.Meta, is loadgen.Issued) {
	if c == nil || is.VU < 0 {
		return
	}
	m.SessionID, m.Turn = c.players.User(is.VU).Current()
	m.Think = is.Think
}

// think records vu's answer and returns its think time
// (loadgen.ClosedLoop.Think); nil without conversations.
func (c *conversations) think() func(vu int, res *sample.Result) time.Duration {
	if c == nil {
		return nil
	}
	return func(vu int, res *sample.Result) time.Duration { return c.players.User(vu).Answered(res) }
}

// restore continues the conversations from the previous round's carry
// (rounds.go); nothing without conversations or a carry.
func (c *conversations) restore(from *RoundCarry) error {
	if c == nil || from == nil || from.Sessions == nil {
		return nil
	}
	return c.players.Restore(*from.Sessions)
}

// state is the conversations at a round's end, for the next round; nil
// without conversations.
func (c *conversations) state() *session.State {
	if c == nil {
		return nil
	}
	st := c.players.State()
	return &st
}
