package simulator_test

import (
	"net/http"
	"testing"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// TestAccountCountersSeparateAccounts: each account's calls are counted on
// their own, so that tests sharing one simulator cannot see each other's
// calls; a call refused before authentication counts against the account
// it claims.
func TestAccountCountersSeparateAccounts(t *testing.T) {
	const bob = "d0m41n00000000000000000000000002"
	w := newWorld(t)
	w.srv.SetFault(simulator.OpRenew, simulator.Fault{ErrorRate: 1, ErrorStatus: 503, ErrorCode: "CBC.0999"})
	renew := map[string]any{"resource_ids": []string{ecs1}, "period_type": 2, "period_num": 1}
	wantError(t, w.do("POST", "/v2/orders/subscriptions/resources/renew", renew), 503, "CBC.0999")
	w.srv.ClearFaults()
	// Bob reads, and sends one renew with a wrong secret key.
	asBob := func(sk string) func(*http.Request, []byte) {
		return func(req *http.Request, b []byte) {
			req.Header.Set("X-Domain-Id", bob)
			signRequest(req, b, "TESTAK000000000000002", sk, w.real.Now())
		}
	}
	wantStatus(t, w.doWith("POST", "/v2/orders/suscriptions/resources/query", map[string]any{"limit": 50}, asBob("bobSecret")), 200)
	wantStatus(t, w.doWith("POST", "/v2/orders/subscriptions/resources/renew", renew, asBob("wrong")), 401)

	alice := w.srv.AccountCounters(domainID)
	if alice.Writes[simulator.OpRenew] != 1 || alice.Calls[simulator.OpRenew][503] != 1 || alice.Calls[simulator.OpRenew][401] != 0 ||
		alice.Calls[simulator.OpQueryResources] != nil {
		t.Errorf("alice's counters = %+v, want her one renew (503)", alice)
	}
	b := w.srv.AccountCounters(bob)
	if b.Writes[simulator.OpRenew] != 1 || b.Calls[simulator.OpRenew][401] != 1 || b.Calls[simulator.OpRenew][503] != 0 ||
		b.Calls[simulator.OpQueryResources][200] != 1 {
		t.Errorf("bob's counters = %+v, want his one read and his one refused renew (401)", b)
	}
	if all := w.srv.Counters(); all.Writes[simulator.OpRenew] != 2 {
		t.Errorf("global counters = %+v, want both renews", all)
	}
	if n := len(w.srv.AccountCounters("nobody").Calls); n != 0 {
		t.Errorf("an account that made no calls has %d operations counted", n)
	}
	w.srv.ResetCounters()
	if n := len(w.srv.AccountCounters(domainID).Calls); n != 0 {
		t.Errorf("after ResetCounters alice has %d operations counted", n)
	}
}
