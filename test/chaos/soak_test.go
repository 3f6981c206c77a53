package chaos

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// TestFaultSoak renews a batch of subscriptions while BSS misbehaves: 30%
// of calls fail with 500, rating calls hit a 429 storm, order details take
// 2 s, the IAM token in use expires, and the credentials are rotated to an
// AK/SK pair mid-run. The invariants still hold: one order per resource,
// every resource renewed.
func TestFaultSoak(t *testing.T) {
	n := 10
	m := startSim(t, n)
	baseline := m.baseline(t)
	seedCluster(t, m, "soak", n)

	// Start on a short-lived token instead of AK/SK.
	var tok struct {
		Token string `json:"token"`
	}
	// The token is the operator IAM user's, as its AK/SK pairs are.
	m.admin(t, http.MethodPost, "accounts/"+m.DomainID+"/tokens", map[string]string{"ttl": "15s", "user": operatorUser}, &tok)
	setSecret(t, "soak", map[string][]byte{"token": []byte(tok.Token)})

	for _, op := range []string{"QueryResources", "RenewResources", "PayOrder", "GetOrderDetails", "ListOrders", "GetBalances"} {
		m.admin(t, http.MethodPut, "faults/"+op, map[string]any{"errorRate": 0.3, "errorStatus": 500}, nil)
	}
	m.admin(t, http.MethodPut, "faults/GetRenewalPrice", map[string]any{
		"errorRate": 0.6, "errorStatus": 429, "errorCode": "APIGW.0308",
		"errorMsg": "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second"}, nil)
	m.admin(t, http.MethodPut, "faults/GetOrderDetails", map[string]any{"errorRate": 0.3, "errorStatus": 500, "latency": int64(2 * time.Second)}, nil)

	// A short BSS timeout keeps the settling wait after each renew call
	// whose outcome is unknown (step timeout + 30 s) within the run.
	mgr := startManager(t, "soak", m.endpointFlag(), "--bss-timeout=5s", "--leader-elect-lease-duration=15s")
	// The token expires after 15 s; rotate to the second AK/SK pair after 40 s.
	time.Sleep(40 * time.Second)
	setSecret(t, "soak", map[string][]byte{"accessKey": []byte(secondAK), "secretKey": []byte(secondSK)})
	time.Sleep(20 * time.Second)
	m.admin(t, http.MethodPut, "faults/GetRenewalPrice", map[string]any{}, nil) // the storm passes

	// With 30% of renew calls failing, an attempt can reach the bound of
	// three calls whose outcome is unknown and stall until a person looks
	// (issue 16, path 2). The person on call is played here.
	deadline := time.Now().Add(4 * time.Minute)
	acknowledged := 0
	for time.Now().Before(deadline) && !m.renewed(t, baseline) {
		acknowledged += acknowledgeStalls(t, m, "soak")
		time.Sleep(time.Second)
	}
	m.waitRenewed(t, baseline, time.Second, "soak")
	t.Logf("soak: %d unknown renew outcomes acknowledged after checking the write log", acknowledged)
	time.Sleep(3 * time.Second)
	mgr.kill()
	v := m.check(t, baseline, "soak")
	var counters struct {
		Calls map[string]map[string]int `json:"calls"`
	}
	m.admin(t, http.MethodGet, "counters", nil, &counters)
	byStatus := map[string]int{}
	for _, statuses := range counters.Calls {
		for status, k := range statuses {
			byStatus[status] += k
		}
	}
	t.Logf("soak: subscriptions=%d %s responses by status=%v", n, v, byStatus)
	// The faults must really have happened for the run to prove anything.
	for _, status := range []string{"401", "429", "500"} {
		if byStatus[status] == 0 {
			t.Errorf("no %s responses: the fault did not bite", status)
		}
	}
	v.require(t, n)
}

// setSecret replaces the data of the credentials Secret "creds" in ns.
func setSecret(t *testing.T, ns string, data map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	var sec corev1.Secret
	if err := s.env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "creds"}, &sec); err != nil {
		t.Fatal(err)
	}
	sec.Data, sec.StringData = data, nil
	if err := s.env.Client.Update(ctx, &sec); err != nil {
		t.Fatal(err)
	}
}

// renewed reports whether every baseline resource's expiry moved.
func (m *sim) renewed(t *testing.T, baseline map[string]time.Time) bool {
	t.Helper()
	var resources []resource
	m.admin(t, http.MethodGet, "resources", nil, &resources)
	for _, r := range resources {
		if base, ok := baseline[r.ID]; ok && !r.ExpireTime.After(base) {
			return false
		}
	}
	return true
}

// acknowledgeStalls plays the person on call: a Subscription stalled on an
// unknown renew outcome is acknowledged (the annotation kubectl bss
// acknowledge-unknown-outcome sets) once the write log shows that none of
// its resource's renew calls placed an order, which is what that person
// checks in the console. One whose calls did place an order stays stalled,
// and the verdict fails. It returns how many it acknowledged.
func acknowledgeStalls(t *testing.T, m *sim, ns string) int {
	t.Helper()
	ctx := context.Background()
	var subs billingv1alpha1.SubscriptionList
	if err := s.env.Client.List(ctx, &subs, client.InNamespace(ns)); err != nil {
		t.Fatalf("list Subscriptions: %v", err)
	}
	writes, err := m.Admin.Writes(ctx, 0)
	if err != nil {
		t.Fatalf("read the write log: %v", err)
	}
	n := 0
	for i := range subs.Items {
		sub := &subs.Items[i]
		u := sub.Status.UnknownRenewalOutcome
		if u == nil || sub.Annotations[billingv1alpha1.AnnotationAcknowledgeUnknownOutcome] == u.RequestName {
			continue
		}
		placed := false
		for _, w := range writes {
			if w.Op == simulator.OpRenew && w.Applied && w.Status == http.StatusOK && slices.Contains(w.Resources, sub.Spec.ResourceID) {
				placed = true
			}
		}
		if placed {
			t.Logf("%s: unknown renew outcome, but the write log shows an order; not acknowledged", sub.Name)
			continue
		}
		patch := client.MergeFrom(sub.DeepCopy())
		if sub.Annotations == nil {
			sub.Annotations = map[string]string{}
		}
		sub.Annotations[billingv1alpha1.AnnotationAcknowledgeUnknownOutcome] = u.RequestName
		if err := s.env.Client.Patch(ctx, sub, patch); err != nil {
			t.Fatalf("acknowledge %s: %v", sub.Name, err)
		}
		n++
	}
	return n
}
