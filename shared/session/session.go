// Package session plays multi-turn conversations (workload.session): each
// virtual user holds one conversation at a time, and turn k of it sends
// the earlier turns' prompts and the answers the server actually gave,
// then the turn's own prompt.
//
// A conversation ends after its drawn number of turns, or at its first
// turn that fails or comes back without visible text (there is no answer
// to continue from); the user's next request starts a new conversation.
// Between an answer and the next turn of the same conversation the user
// pauses for a drawn think time; a new conversation starts at once.
//
// The players of one worker's users are independent: each is used by its
// user's goroutine alone, so nothing here takes a lock but the counter of
// conversations.
package session

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/llmbench/llmbench/shared/lengths"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

// Config is what every conversation of one worker shares.
type Config struct {
	Turns lengths.Dist // a conversation's turns (valid, at least 1)
	// Think is the pause between an answer and the next turn, in whole
	// milliseconds plus one (spec.ThinkTime.Dist); zero: no pause.
	Think  lengths.Dist
	Seed   int64
	Level  int // the level's index
	Worker int // the worker, whose conversations' ids it gives
}

// Players are the conversation players of one worker's virtual users.
type Players struct {
	cfg     Config
	started atomic.Int64 // conversations started by the worker's users
	users   []Player
}

// New returns the players of users virtual users.
func New(cfg Config, users int) *Players {
	p := &Players{cfg: cfg, users: make([]Player, users)}
	for i := range p.users {
		p.users[i].ps = p
	}
	return p
}

// User returns the player of virtual user vu; only vu's goroutine may
// use it.
func (p *Players) User(vu int) *Player { return &p.users[vu] }

// Player is one virtual user's conversation.
type Player struct {
	ps      *Players
	id      int64 // the conversation's id; valid once turn > 0
	turn    int   // turns sent of the conversation, the last one's number
	turns   int   // the conversation's length
	history []target.Message
	asked   []target.Message // the last turn's new messages, until its answer
}

// Next returns the messages of the user's next request: the history of
// its conversation followed by prompt (the turn's new messages), and the
// conversation's id and the turn's number, from 1. A user whose
// conversation has ended starts the next one.
func (u *Player) Next(prompt []target.Message) (msgs []target.Message, id int64, turn int) {
	if u.Ended() {
		n := u.ps.started.Add(1) - 1
		u.id = int64(u.ps.cfg.Worker)<<32 | n
		u.turn, u.history = 0, u.history[:0]
		u.turns = u.ps.draw(u.ps.cfg.Turns, 0x7475726e73, n) // "turns"
	}
	u.turn++
	u.asked = prompt
	msgs = make([]target.Message, 0, len(u.history)+len(prompt))
	msgs = append(append(msgs, u.history...), prompt...)
	return msgs, u.id, u.turn
}

// Ended reports whether the user's conversation has ended (or none has
// begun): its next request starts a new one.
func (u *Player) Ended() bool { return u.turn == 0 || u.turn >= u.turns }

// Current returns the id and the turn of the user's last request.
func (u *Player) Current() (id int64, turn int) { return u.id, u.turn }

// Answered records the answer to the user's last request and returns
// the pause before its next one: the think time, when the conversation
// goes on; 0 when it has ended (its last turn, or a failed one).
func (u *Player) Answered(res *sample.Result) time.Duration {
	if res.Status != sample.StatusOK || res.Text == "" {
		u.turn = u.turns // ended: the next request starts a new conversation
		return 0
	}
	u.history = append(u.history, u.asked...)
	u.history = append(u.history, target.Message{Role: "assistant", Content: res.Text})
	u.asked = nil
	if u.turn >= u.turns || u.ps.cfg.Think.IsZero() {
		return 0
	}
	ms := u.ps.draw(u.ps.cfg.Think, 0x7468696e6b, u.id<<16^int64(u.turn)) - 1 // "think"
	return time.Duration(ms) * time.Millisecond
}

// draw draws from d for the key (stream, n) under the worker's seed: a
// rerun with the same seed draws the same turns and pauses for the same
// conversation numbers.
func (p *Players) draw(d lengths.Dist, stream uint64, n int64) int {
	if d.Kind == "" {
		return d.Fixed
	}
	key := uint64(p.cfg.Seed) ^ uint64(p.cfg.Level)<<40 ^ uint64(p.cfg.Worker)<<20 ^ stream
	return d.Draw(rand.New(rand.NewPCG(key, uint64(n))))
}

// State is the players' state between two runs of the same virtual
// users (a level's consecutive rounds, each a worker invocation of its
// own): the conversations the worker started, and each user's
// conversation with its history. Restore continues from it, so no
// conversation is lost or restarted at a round's end.
type State struct {
	Started int64       `json:"started"`
	Users   []UserState `json:"users"`
}

// UserState is one user's conversation: its id, the turns sent, its
// length and its history (prompts and the server's answers).
type UserState struct {
	ID      int64            `json:"id"`
	Turn    int              `json:"turn"`
	Turns   int              `json:"turns"`
	History []target.Message `json:"history,omitempty"`
}

// State returns the players' state; call it when no user's goroutine
// runs (between an answer and the next turn every user's history is
// whole).
func (p *Players) State() State {
	st := State{Started: p.started.Load(), Users: make([]UserState, len(p.users))}
	for i, u := range p.users {
		st.Users[i] = UserState{ID: u.id, Turn: u.turn, Turns: u.turns, History: u.history}
	}
	return st
}

// Restore continues the players from st, a State of as many users.
func (p *Players) Restore(st State) error {
	if len(st.Users) != len(p.users) {
		return fmt.Errorf("session: restore: a state of %d users for %d", len(st.Users), len(p.users))
	}
	p.started.Store(st.Started)
	for i, u := range st.Users {
		p.users[i].id, p.users[i].turn, p.users[i].turns = u.ID, u.Turn, u.Turns
		p.users[i].history = append([]target.Message(nil), u.History...)
		p.users[i].asked = nil
	}
	return nil
}
