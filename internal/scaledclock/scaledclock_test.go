package scaledclock

import (
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestClock(t *testing.T) {
	real := clocktesting.NewFakePassiveClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	start := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	c := New(real, start, 3600)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now at start = %v, want %v", got, start)
	}
	real.SetTime(real.Now().Add(2 * time.Second))
	if got, want := c.Now(), start.Add(2*time.Hour); !got.Equal(want) {
		t.Fatalf("Now after 2s real = %v, want %v", got, want)
	}
	if got := c.Since(start); got != 2*time.Hour {
		t.Fatalf("Since = %v, want 2h", got)
	}
	jump := start.AddDate(0, 1, 0)
	c.SetTime(jump)
	real.SetTime(real.Now().Add(time.Second))
	if got, want := c.Now(), jump.Add(time.Hour); !got.Equal(want) {
		t.Fatalf("Now after SetTime and 1s = %v, want %v", got, want)
	}
	if got := New(real, start, 0).speed; got != 1 {
		t.Fatalf("speed 0 treated as %v, want 1", got)
	}
}
