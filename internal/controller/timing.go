package controller

import (
	"hash/fnv"
	"time"

	"k8s.io/apimachinery/pkg/types"
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

// jitterFraction maps an object's UID to a stable number in [0, 1), so
// that objects due at the same moment are spread out, and the same object
// always gets the same offset across restarts.
func jitterFraction(uid types.UID, salt string) float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(uid))
	_, _ = h.Write([]byte(salt))
	return float64(h.Sum64()%1_000_000) / 1_000_000
}

// backoff returns the wait after failures consecutive failures: 1m doubling
// up to 6h, and never more than a quarter of the time left before deadline,
// so that several attempts fit before expiry. It is at least 10s.
func backoff(failures int32, now, deadline time.Time) time.Duration {
	d := time.Minute
	for i := int32(1); i < failures && d < 6*time.Hour; i++ {
		d *= 2
	}
	if d > 6*time.Hour {
		d = 6 * time.Hour
	}
	if left := deadline.Sub(now); left > 0 && d > left/4 {
		d = left / 4
	}
	if d < 10*time.Second {
		d = 10 * time.Second
	}
	return d
}

// earliest returns the earlier of two times.
func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
