// Package scaledclock provides a clock that runs faster than real time. The
// BSS simulator and the manager both use it for the demo's accelerated time;
// it lives in its own package so that the manager does not link the
// simulator (issue #14: production binaries import no simulator, demo or
// test code).
package scaledclock

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// Clock is a clock.PassiveClock that runs speed times faster than an
// underlying real clock, starting from a chosen simulated time. Speed 3600
// makes one real second one simulated hour.
type Clock struct {
	mu         sync.Mutex
	base       clock.PassiveClock
	speed      float64
	anchorReal time.Time
	anchorSim  time.Time
}

// New returns a clock that reads start now and then advances speed times
// faster than base. A speed <= 0 is treated as 1.
func New(base clock.PassiveClock, start time.Time, speed float64) *Clock {
	if speed <= 0 {
		speed = 1
	}
	return &Clock{base: base, speed: speed, anchorReal: base.Now(), anchorSim: start}
}

// Now returns the simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	elapsed := c.base.Since(c.anchorReal)
	return c.anchorSim.Add(time.Duration(float64(elapsed) * c.speed))
}

// Since returns the simulated time elapsed since t.
func (c *Clock) Since(t time.Time) time.Duration {
	return c.Now().Sub(t)
}

// SetTime jumps the simulated time to t; it keeps running at the same speed.
func (c *Clock) SetTime(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.anchorReal = c.base.Now()
	c.anchorSim = t
}
