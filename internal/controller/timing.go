package controller

import (
	"time"

	"k8s.io/utils/clock"
)

// Timing converts between business time (the clock that expiry dates are
// compared with) and the real delays controller-runtime waits. In production
// both are the wall clock. The demo runs an accelerated clock (Speed > 1)
// shared with the simulator, and tests a fake clock with MaxRequeue capping
// how long an object sleeps so that clock jumps are noticed quickly.
type Timing struct {
	// Clock tells business time.
	Clock clock.PassiveClock
	// Speed is business seconds per real second (1 in production).
	Speed float64
	// MinRequeue is the shortest real delay between reconciles of an object.
	MinRequeue time.Duration
	// MaxRequeue, if set, caps every real delay.
	MaxRequeue time.Duration
}

// Now is the business time.
func (t Timing) Now() time.Time { return t.Clock.Now() }

// Delay turns a business-time duration into the real RequeueAfter.
func (t Timing) Delay(d time.Duration) time.Duration {
	if t.Speed > 0 && t.Speed != 1 {
		d = time.Duration(float64(d) / t.Speed)
	}
	if d < t.MinRequeue {
		d = t.MinRequeue
	}
	if t.MaxRequeue > 0 && d > t.MaxRequeue {
		d = t.MaxRequeue
	}
	return d
}

// Until is Delay of the business time left until at.
func (t Timing) Until(at time.Time) time.Duration { return t.Delay(at.Sub(t.Now())) }

// earliest returns the earlier of two times.
func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
