package simulator

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// throttler enforces per-API, per-account quotas with fixed one-second
// windows measured on a real-time clock (§3.3: dimensions API and ParentUid).
type throttler struct {
	mu      sync.Mutex
	clock   clock.PassiveClock
	windows map[string]*window
}

type window struct {
	start time.Time
	count int
}

func newThrottler(c clock.PassiveClock) *throttler {
	return &throttler{clock: c, windows: map[string]*window{}}
}

// allow counts one request for key and reports whether it is within limit
// requests in the current one-second window.
func (t *throttler) allow(key string, limit int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	w := t.windows[key]
	if w == nil || now.Sub(w.start) >= time.Second || now.Before(w.start) {
		w = &window{start: now}
		t.windows[key] = w
	}
	w.count++
	return w.count <= limit
}

// reset forgets all windows.
func (t *throttler) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.windows = map[string]*window{}
}
