package controller_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// roundTripFunc is an http.RoundTripper from a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestPersonPaysBeforeTheCancel (issue 16, path 6, the race left open):
// the order costs more than was approved, so the operator decides to
// cancel it; a person pays it in the console just before the cancellation
// reaches BSS. BSS refuses to cancel a paid order; the operator reads it
// again, never pays anything itself, and follows the person's payment to
// the new expiry instead of ordering again.
func TestPersonPaysBeforeTheCancel(t *testing.T) {
	a, id := fakeClusterAccount(t, "paycancel")
	k8s, key := moneyCluster(t, a, id, billingv1alpha1.PaymentMethodPay, nil, interceptor.Funcs{})

	person := h.sim.Console(a.DomainID, "alice")
	var cancels, personPaid atomic.Int32
	transport := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if req.Method == http.MethodPut && strings.Contains(req.URL.Path, "cancel") {
			cancels.Add(1)
			if personPaid.CompareAndSwap(0, 1) {
				orders := renewalOrders(a)
				if len(orders) != 1 {
					t.Errorf("%d renewal orders before the cancellation, want 1", len(orders))
				} else if _, err := person.Pay(orders[0].ID, false); err != nil {
					t.Errorf("the person's payment: %v", err)
				}
			}
		}
		return http.DefaultTransport.RoundTrip(req)
	})
	r := crashReconcilerVia(k8s, &http.Client{Transport: transport, Timeout: 10 * time.Second})

	rr, _ := passUntil(t, r, k8s, key, 5, inPhase(billingv1alpha1.RenewalPhaseOrdering))
	if rr.Status.Phase != billingv1alpha1.RenewalPhaseOrdering {
		t.Fatalf("phase %s (%s), want Ordering", rr.Status.Phase, rr.Status.Message)
	}
	before, _ := h.sim.Resource(id)
	higher := decimal.RequireFromString("150.00")
	if err := h.sim.SetPrice(id, simulator.PriceChange{MonthlyPrice: &higher}); err != nil {
		t.Fatal(err)
	}
	rr, _ = passUntil(t, r, k8s, key, 20, finished)

	if cancels.Load() == 0 || personPaid.Load() == 0 {
		t.Fatalf("the operator never tried to cancel the order above the approval (cancels %d)", cancels.Load())
	}
	orders := renewalOrders(a)
	if len(orders) != 1 {
		t.Fatalf("%d renewal orders, want the one the person paid", len(orders))
	}
	if o := orders[0]; o.PaidBy == nil || o.PaidBy.User != "alice" {
		t.Fatalf("order %s paid by %+v, want alice", o.ID, o.PaidBy)
	}
	for _, p := range h.sim.Payments() {
		if p.AccountID == a.DomainID && p.By.User != "alice" {
			t.Fatalf("the operator paid order %s (%s) as %+v", p.OrderID, p.Amount, p.By)
		}
	}
	after, _ := h.sim.Resource(id)
	if !after.ExpireTime.After(before.ExpireTime) {
		t.Fatalf("expiry %s did not move from %s", after.ExpireTime, before.ExpireTime)
	}
	if rr.Status.Phase != billingv1alpha1.RenewalPhaseSucceeded {
		t.Fatalf("phase %s (%s), want Succeeded with the person's payment confirmed", rr.Status.Phase, rr.Status.Message)
	}
}
