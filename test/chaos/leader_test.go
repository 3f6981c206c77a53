package chaos

import (
	"context"
	"net/http"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestLeaderKilledMidRenewal runs two managers with leader election and
// kills the leader while renewals are under way; the other takes over and
// no renewal is ordered twice. Who leads is read from the Lease's holder.
func TestLeaderKilledMidRenewal(t *testing.T) {
	n := 10
	m := startSim(t, n)
	m.admin(t, http.MethodPut, "faults/RenewResources", map[string]any{"dropRate": 0.3, "latency": int64(300 * time.Millisecond)}, nil)
	baseline := m.baseline(t)
	seedCluster(t, m, "leader", n)

	const leaseNS, leaseName = "leader", "bss-operator-chaos"
	// A short lease, so that the failover fits the test; the manager
	// refuses one not longer than the BSS step timeout (2 × --bss-timeout).
	flags := []string{"--leader-elect", "--leader-election-namespace=" + leaseNS, "--leader-election-id=" + leaseName, m.endpointFlag(),
		"--bss-timeout=5s", "--leader-elect-lease-duration=15s"}
	// The first manager leads: it holds the Lease before the second starts,
	// and the second cannot take it while the first renews it.
	leader := startManager(t, "leader-a", flags...)
	first := waitLeaseHolder(t, leaseNS, leaseName, "", 60*time.Second)
	startManager(t, "leader-b", flags...)

	// Let the leader get part of the way, then kill it mid-burst.
	renewals := 0
	for deadline := time.Now().Add(time.Minute); renewals < 2 && time.Now().Before(deadline); {
		renewals = m.renewalOrders(t)
		time.Sleep(50 * time.Millisecond)
	}
	if holder := leaseHolder(t, leaseNS, leaseName); holder != first {
		t.Fatalf("the Lease moved from %q to %q before the leader was killed", first, holder)
	}
	leader.kill()
	if renewals >= n {
		t.Fatalf("the leader finished all %d renewals before it could be killed; the test proves nothing", n)
	}
	t.Logf("killed the leader with %d of %d renewal orders placed", renewals, n)

	// SIGKILL releases nothing: the follower takes the Lease once it expires.
	second := waitLeaseHolder(t, leaseNS, leaseName, first, 60*time.Second)
	t.Logf("the Lease passed from %s to %s", first, second)
	m.waitRenewed(t, baseline, 2*time.Minute, "leader")
	time.Sleep(2 * time.Second)
	v := m.check(t, baseline, "leader")
	t.Logf("failover: subscriptions=%d %s", n, v)
	v.require(t, n)
}

// leaseHolder returns the holder identity of a leader-election Lease, ""
// while it has none.
func leaseHolder(t *testing.T, ns, name string) string {
	t.Helper()
	var lease coordinationv1.Lease
	err := s.env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &lease)
	switch {
	case apierrors.IsNotFound(err):
		return ""
	case err != nil:
		t.Fatalf("get Lease %s/%s: %v", ns, name, err)
	}
	if lease.Spec.HolderIdentity == nil {
		return ""
	}
	return *lease.Spec.HolderIdentity
}

// waitLeaseHolder waits until the Lease is held by someone other than
// previous ("" for anyone) and returns the holder.
func waitLeaseHolder(t *testing.T, ns, name, previous string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if h := leaseHolder(t, ns, name); h != "" && h != previous {
			return h
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the Lease %s/%s was not taken over from %q within %s", ns, name, previous, timeout)
	return ""
}
