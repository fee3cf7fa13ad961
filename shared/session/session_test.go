package session

import (
	"math"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/lengths"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

func user(text string) []target.Message { return []target.Message{{Role: "user", Content: text}} }

func ok(text string) *sample.Result { return &sample.Result{Status: sample.StatusOK, Text: text} }

// TestConversation: turn k sends turns 1..k-1's prompts and answers, then
// its own prompt; after its last turn the user starts a new conversation
// with a new id; think time comes between turns only.
func TestConversation(t *testing.T) {
	ps := New(Config{Turns: lengths.Dist{Fixed: 3}, Think: lengths.Dist{Fixed: 1501}, Worker: 2}, 1)
	u := ps.User(0)
	var ids []int64
	for k := 1; k <= 4; k++ {
		msgs, id, turn := u.Next(user("p" + string(rune('0'+k))))
		ids = append(ids, id)
		wantTurn := (k-1)%3 + 1
		if turn != wantTurn || len(msgs) != 2*wantTurn-1 {
			t.Fatalf("request %d: turn %d with %d messages, want turn %d with %d", k, turn, len(msgs), wantTurn, 2*wantTurn-1)
		}
		if wantTurn == 3 {
			m := func(role, content string) target.Message { return target.Message{Role: role, Content: content} }
			want := []target.Message{m("user", "p1"), m("assistant", "a1"), m("user", "p2"), m("assistant", "a2"), m("user", "p3")}
			for i := range want {
				if msgs[i] != want[i] {
					t.Errorf("turn 3 message %d = %+v, want %+v", i, msgs[i], want[i])
				}
			}
		}
		if gid, gturn := u.Current(); gid != id || gturn != turn {
			t.Errorf("Current = %d, %d; want %d, %d", gid, gturn, id, turn)
		}
		pause := u.Answered(ok("a" + string(rune('0'+k))))
		if want := map[bool]time.Duration{true: 0, false: 1500 * time.Millisecond}[wantTurn == 3]; pause != want {
			t.Errorf("request %d (turn %d): pause %v, want %v", k, turn, pause, want)
		}
	}
	if ids[0] != ids[2] || ids[3] == ids[0] || ids[0]>>32 != 2 {
		t.Errorf("conversation ids %x: want one id for turns 1-3, another for the next, worker 2 in the high bits", ids)
	}
}

// TestFailedTurnEnds: a failed turn, or an answer without text, ends the
// conversation at once, with no pause: there is nothing to continue from.
func TestFailedTurnEnds(t *testing.T) {
	for _, res := range []*sample.Result{{Status: sample.StatusTimeout}, ok("")} {
		ps := New(Config{Turns: lengths.Dist{Fixed: 5}, Think: lengths.Dist{Fixed: 1001}}, 2)
		u := ps.User(1)
		_, id, _ := u.Next(user("p1"))
		u.Answered(ok("a1"))
		u.Next(user("p2"))
		if pause := u.Answered(res); pause != 0 || !u.Ended() {
			t.Errorf("%+v: pause %v, ended %v; want 0 and ended", res, pause, u.Ended())
		}
		msgs, id2, turn := u.Next(user("q1"))
		if turn != 1 || len(msgs) != 1 || id2 == id {
			t.Errorf("after a failed turn: turn %d, %d messages, id %d (was %d); want a new conversation", turn, len(msgs), id2, id)
		}
	}
}

// TestDrawnTurns: drawn lengths follow their distribution and are a pure
// function of the seed and the conversation's number.
func TestDrawnTurns(t *testing.T) {
	cfg := Config{Turns: lengths.Dist{Kind: lengths.Uniform, Min: 2, Max: 6}, Seed: 42, Worker: 1}
	lengthsOf := func() []int {
		u := New(cfg, 1).User(0)
		var out []int
		for range 2000 {
			n := 0
			for {
				u.Next(user("p"))
				n++
				u.Answered(ok("a"))
				if u.Ended() {
					break
				}
			}
			out = append(out, n)
		}
		return out
	}
	a, b := lengthsOf(), lengthsOf()
	var sum float64
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("conversation %d: %d turns, then %d under the same seed", i, a[i], b[i])
		}
		if a[i] < 2 || a[i] > 6 {
			t.Fatalf("conversation %d: %d turns, outside 2..6", i, a[i])
		}
		sum += float64(a[i])
	}
	if mean := sum / float64(len(a)); math.Abs(mean-4) > 0.1 {
		t.Errorf("mean turns %.3f, want 4 ± 0.1", mean)
	}
}
