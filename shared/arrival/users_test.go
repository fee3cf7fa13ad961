package arrival

import (
	"testing"
	"time"
)

func TestUserStart(t *testing.T) {
	lin := Ramp{From: 2, To: 10, Over: 80 * time.Second}
	exp := Ramp{From: 1, To: 16, Over: 40 * time.Second, Strategy: Exponential}
	for _, c := range []struct {
		r    Ramp
		u    int
		want time.Duration
	}{
		{lin, 0, 0},                 // below From: at once
		{lin, 1, 0},                 // the From-th user
		{lin, 2, 10 * time.Second},  // the 3rd user when the count reaches 3
		{lin, 9, 80 * time.Second},  // the To-th user at the end of the ramp
		{exp, 0, 0},                 // From = 1
		{exp, 1, 10 * time.Second},  // 2 = 1·16^(t/40): t = 10
		{exp, 3, 20 * time.Second},  // 4 users at t = 20
		{exp, 15, 40 * time.Second}, // 16 at the end
		{Ramp{From: 0, To: 4, Over: 4 * time.Second}, 0, time.Second},
	} {
		if got := UserStart(c.r, c.u); got != c.want {
			t.Errorf("UserStart(%+v, %d) = %v, want %v", c.r, c.u, got, c.want)
		}
	}
}
