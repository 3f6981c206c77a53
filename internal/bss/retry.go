package bss

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"k8s.io/utils/clock"
)

// RetryPolicy bounds the retries of read operations. Writes are never
// retried by the client.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts of a read (default 4).
	MaxAttempts int
	// BaseDelay is the first backoff (default 200ms); it doubles per attempt.
	BaseDelay time.Duration
	// MaxDelay caps the backoff (default 5s).
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits for itself
	// (default 30s); a longer hint is returned to the caller.
	MaxRetryAfter time.Duration
	// Jitter returns a number in [0,1); nil uses math/rand/v2.
	Jitter func() float64
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 4
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 200 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 5 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 30 * time.Second
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	return p
}

// backoff returns the wait before attempt+1 after a failed attempt (1-based):
// exponential, capped, with jitter in [d/2, d), and at least retryAfter.
// ok is false when retryAfter exceeds MaxRetryAfter.
func (p RetryPolicy) backoff(attempt int, retryAfter time.Duration) (time.Duration, bool) {
	if retryAfter > p.MaxRetryAfter {
		return 0, false
	}
	d := p.BaseDelay
	for i := 1; i < attempt && d < p.MaxDelay; i++ {
		d *= 2
	}
	if d > p.MaxDelay {
		d = p.MaxDelay
	}
	half := d / 2
	d = half + time.Duration(p.Jitter()*float64(d-half))
	if retryAfter > d {
		d = retryAfter
	}
	return d, true
}

// sleep waits d on clk, or until ctx ends (then it returns false).
func sleep(ctx context.Context, clk clock.Clock, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
		return false
	}
}

// parseRetryAfter reads a Retry-After header (seconds or an HTTP date).
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		if secs > 86400 {
			secs = 86400
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
