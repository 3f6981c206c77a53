package chaos

import (
	"context"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
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
	m.admin(t, http.MethodPost, "accounts/"+m.DomainID+"/tokens", map[string]string{"ttl": "15s"}, &tok)
	setSecret(t, "soak", map[string][]byte{"token": []byte(tok.Token)})

	for _, op := range []string{"QueryResources", "RenewResources", "PayOrder", "GetOrderDetails", "ListOrders", "GetBalances"} {
		m.admin(t, http.MethodPut, "faults/"+op, map[string]any{"errorRate": 0.3, "errorStatus": 500}, nil)
	}
	m.admin(t, http.MethodPut, "faults/GetRenewalPrice", map[string]any{
		"errorRate": 0.6, "errorStatus": 429, "errorCode": "APIGW.0308",
		"errorMsg": "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second"}, nil)
	m.admin(t, http.MethodPut, "faults/GetOrderDetails", map[string]any{"errorRate": 0.3, "errorStatus": 500, "latency": int64(2 * time.Second)}, nil)

	mgr := startManager(t, "soak", m.endpointFlag())
	// The token expires after 15 s; rotate to the second AK/SK pair after 40 s.
	time.Sleep(40 * time.Second)
	setSecret(t, "soak", map[string][]byte{"accessKey": []byte(secondAK), "secretKey": []byte(secondSK)})
	time.Sleep(20 * time.Second)
	m.admin(t, http.MethodPut, "faults/GetRenewalPrice", map[string]any{}, nil) // the storm passes

	m.waitRenewed(t, baseline, 4*time.Minute, "soak")
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
