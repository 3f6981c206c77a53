package chaos

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLeaderKilledMidRenewal runs two managers with leader election and
// kills the leader while renewals are under way; the other takes over and
// no renewal is ordered twice.
func TestLeaderKilledMidRenewal(t *testing.T) {
	n := 10
	m := startSim(t, n)
	m.admin(t, http.MethodPut, "faults/RenewResources", map[string]any{"dropRate": 0.3, "latency": int64(300 * time.Millisecond)}, nil)
	baseline := m.baseline(t)
	seedCluster(t, m, "leader", n)

	flags := []string{"--leader-elect", "--leader-election-namespace=leader", "--leader-election-id=bss-operator-chaos", m.endpointFlag()}
	a := startManager(t, "leader-a", flags...)
	b := startManager(t, "leader-b", flags...)
	leader, follower := waitLeader(t, a, b, 60*time.Second)

	// Let the leader get part of the way, then kill it mid-burst.
	renewals := 0
	for deadline := time.Now().Add(time.Minute); renewals < 2 && time.Now().Before(deadline); {
		var orders []order
		m.admin(t, http.MethodGet, "orders", nil, &orders)
		renewals = 0
		for _, o := range orders {
			if o.Type == 2 {
				renewals++
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	leader.kill()
	if renewals >= n {
		t.Fatalf("the leader finished all %d renewals before it could be killed; the test proves nothing", n)
	}
	t.Logf("killed the leader with %d of %d renewal orders placed", renewals, n)

	if _, err := waitLog(follower, "Successfully acquired lease", 60*time.Second); err != nil {
		t.Fatalf("the follower did not take over: %v", err)
	}
	m.waitRenewed(t, baseline, 2*time.Minute)
	time.Sleep(2 * time.Second)
	v := m.check(t, "leader", baseline)
	t.Logf("failover: subscriptions=%d orders=%d duplicates=%d misses=%d", n, v.orders, v.duplicates, v.misses)
	if v.duplicates != 0 || v.misses != 0 || v.orders != n {
		t.Fatalf("orders=%d duplicates=%d misses=%d, want %d orders, no duplicates, no misses", v.orders, v.duplicates, v.misses, n)
	}
}

// waitLeader returns the manager that acquired the lease first, and the other.
func waitLeader(t *testing.T, a, b *manager, timeout time.Duration) (leader, follower *manager) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, pair := range [][2]*manager{{a, b}, {b, a}} {
			if ok, _ := hasLog(pair[0], "Successfully acquired lease"); ok {
				return pair[0], pair[1]
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("no manager acquired the lease")
	return nil, nil
}

// hasLog reports whether a manager's log contains text.
func hasLog(m *manager, text string) (bool, error) {
	data, err := os.ReadFile(m.log.Name())
	if err != nil {
		return false, fmt.Errorf("read log: %w", err)
	}
	return strings.Contains(string(data), text), nil
}

// waitLog waits for text in a manager's log.
func waitLog(m *manager, text string, timeout time.Duration) (bool, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if ok, err := hasLog(m, text); ok || err != nil {
			return ok, err
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false, fmt.Errorf("%q not logged within %s", text, timeout)
}
