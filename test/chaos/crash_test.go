package chaos

import (
	"math/rand"
	"net/http"
	"testing"
	"time"
)

// TestCrashDuringRenewalBurst kills the manager with SIGKILL at random
// points while a burst of renewals is under way, with 30% of renew and pay
// responses dropped after BSS applied them, then lets a last manager
// finish. Every resource must be renewed by exactly one order.
func TestCrashDuringRenewalBurst(t *testing.T) {
	n := 12
	kills := trials(6)
	if kills > 50 {
		n = 40
	}
	m := startSim(t, n)
	m.admin(t, http.MethodPut, "faults/RenewResources", map[string]any{"dropRate": 0.3}, nil)
	m.admin(t, http.MethodPut, "faults/PayOrder", map[string]any{"dropRate": 0.3}, nil)
	baseline := m.baseline(t)
	if len(baseline) != n {
		t.Fatalf("simulator has %d primary resources, want %d", len(baseline), n)
	}
	seedCluster(t, m, "crash", n)

	rnd := rand.New(rand.NewSource(42)) //nolint:gosec // reproducible kill points, not security
	for i := 0; i < kills; i++ {
		mgr := startManager(t, "crash", m.endpointFlag())
		time.Sleep(time.Duration(200+rnd.Intn(2500)) * time.Millisecond)
		mgr.kill()
	}
	final := startManager(t, "crash-final", m.endpointFlag())
	m.waitRenewed(t, baseline, 3*time.Minute, "crash")
	time.Sleep(3 * time.Second) // anything still in flight would show now
	final.kill()

	v := m.check(t, baseline, "crash")
	var dropped struct {
		Dropped map[string]int `json:"dropped"`
	}
	m.admin(t, http.MethodGet, "counters", nil, &dropped)
	t.Logf("crash: trials=%d subscriptions=%d %s dropped-responses=%v", kills, n, v, dropped.Dropped)
	v.require(t, n)
}
