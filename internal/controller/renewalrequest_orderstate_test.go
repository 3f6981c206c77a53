package controller_test

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// TestOrderHeldInStateIsBounded: an order BSS holds in status 1 (pending
// approval), 3 (processing, after payment) or 9 (to be confirmed) is waited
// for a bounded time (api/v1alpha1 OrderWait*), not polled every 30 s
// forever; past the bound the request says what the admin must do
// (OrderStuck and Stalled with the state's reason), pays nothing more and
// orders nothing more, and once BSS moves the order on the attempt
// finishes and the condition goes (issue 15).
func TestOrderHeldInStateIsBounded(t *testing.T) {
	cases := []struct {
		status   bss.OrderStatus
		limit    time.Duration
		reason   string
		todo     string
		payCalls int // pay calls made while held
	}{
		{bss.OrderPendingApproval, billingv1alpha1.OrderWaitPendingApproval, billingv1alpha1.ReasonOrderPendingApproval, "approve or reject it", 0},
		{bss.OrderProcessing, billingv1alpha1.OrderWaitProcessing, billingv1alpha1.ReasonOrderProcessing, "open a ticket", 1},
		{bss.OrderToBeConfirmed, billingv1alpha1.OrderWaitToBeConfirmed, billingv1alpha1.ReasonOrderToBeConfirmed, "confirm or cancel it", 0},
	}
	for _, tc := range cases {
		t.Run(tc.status.String(), func(t *testing.T) {
			a, id := fakeClusterAccount(t, "held")
			if err := h.sim.HoldOrders(simulator.OrderHold{Status: int(tc.status), For: tc.limit + 2*time.Hour, Resource: id}); err != nil {
				t.Fatal(err)
			}
			k8s, key := moneyCluster(t, a, id, billingv1alpha1.PaymentMethodPay, nil, interceptor.Funcs{})
			r := crashReconciler(k8s)
			rr, res := passUntil(t, r, k8s, key, 10, func(rr *billingv1alpha1.RenewalRequest) bool {
				return rr.Status.OrderStatus == tc.status.String()
			})
			if rr.Status.OrderStatus != tc.status.String() || rr.Status.OrderStatusSince == nil {
				t.Fatalf("order status %q since %v (%s); want %s", rr.Status.OrderStatus, rr.Status.OrderStatusSince, rr.Status.Message, tc.status)
			}
			if c := meta.FindStatusCondition(rr.Status.Conditions, billingv1alpha1.ConditionOrderStuck); c != nil {
				t.Fatalf("OrderStuck %s/%s within the bound", c.Status, c.Reason)
			}
			if res.RequeueAfter <= 0 || res.RequeueAfter > tc.limit {
				t.Fatalf("requeue after %s; want a read within the %s bound", res.RequeueAfter, tc.limit)
			}
			// Within the bound, and past it: nothing more is paid or ordered.
			h.advance(tc.limit - time.Minute)
			rr, _ = passUntil(t, r, k8s, key, 1, func(*billingv1alpha1.RenewalRequest) bool { return true })
			if c := meta.FindStatusCondition(rr.Status.Conditions, billingv1alpha1.ConditionOrderStuck); c != nil {
				t.Fatalf("OrderStuck %s/%s a minute before the bound", c.Status, c.Reason)
			}
			h.advance(2 * time.Minute)
			rr, res = passUntil(t, r, k8s, key, 1, func(*billingv1alpha1.RenewalRequest) bool { return true })
			stuck := meta.FindStatusCondition(rr.Status.Conditions, billingv1alpha1.ConditionOrderStuck)
			stalled := meta.FindStatusCondition(rr.Status.Conditions, billingv1alpha1.ConditionStalled)
			if stuck == nil || stuck.Status != metav1.ConditionTrue || stuck.Reason != tc.reason || !strings.Contains(stuck.Message, tc.todo) {
				t.Fatalf("past the bound: conditions %s; want OrderStuck True %s saying %q", describeConditions(rr.Status.Conditions), tc.reason, tc.todo)
			}
			if stalled == nil || stalled.Reason != tc.reason || rr.Status.Phase.Finished() {
				t.Fatalf("past the bound: phase %s, conditions %s; want the attempt open and Stalled %s", rr.Status.Phase, describeConditions(rr.Status.Conditions), tc.reason)
			}
			if res.RequeueAfter < 10*time.Minute {
				t.Fatalf("past the bound the order is read again after %s; want less often", res.RequeueAfter)
			}
			if n := len(renewalOrders(a)); n != 1 {
				t.Fatalf("%d renewal orders; want the one held", n)
			}
			if n := operatorCounters(a).Writes[simulator.OpPayOrder]; n != tc.payCalls {
				t.Fatalf("%d pay calls while held; want %d", n, tc.payCalls)
			}
			// BSS moves the order on: the attempt finishes, OrderStuck goes.
			h.advance(2 * time.Hour)
			rr, _ = passUntil(t, r, k8s, key, 10, finished)
			wantEnded(t, rr, billingv1alpha1.RenewalPhaseSucceeded, billingv1alpha1.ReasonRenewed)
			if c := meta.FindStatusCondition(rr.Status.Conditions, billingv1alpha1.ConditionOrderStuck); c != nil {
				t.Fatalf("OrderStuck %s/%s after the order completed", c.Status, c.Reason)
			}
			if n := len(renewalOrders(a)); n != 1 || accountPayments(a) != 1 {
				t.Fatalf("%d renewal orders, %d payments; want one of each", n, accountPayments(a))
			}
		})
	}
}

// accountPayments counts the payments of an account's orders.
func accountPayments(a account) int {
	n := 0
	for _, p := range h.sim.Payments() {
		if p.AccountID == a.DomainID {
			n++
		}
	}
	return n
}

// TestPartnerPaidOrderIsNeverPaid: an order whose payment belongs to a
// partner (6.2.1 agent_pay_info) is never paid by the operator, whatever
// the payment method; the request says who pays (PaymentPending reason
// PartnerPays, naming the partner) and cancels the order unpaid at the
// deadline (issue 15).
func TestPartnerPaidOrderIsNeverPaid(t *testing.T) {
	for _, method := range []billingv1alpha1.PaymentMethod{billingv1alpha1.PaymentMethodAutoPay, billingv1alpha1.PaymentMethodPay, billingv1alpha1.PaymentMethodManual} {
		t.Run(string(method), func(t *testing.T) {
			a, id := fakeClusterAccount(t, "agent")
			k8s, key := moneyCluster(t, a, id, method, nil, interceptor.Funcs{})
			r := crashReconciler(k8s)
			rr, _ := passUntil(t, r, k8s, key, 10, func(rr *billingv1alpha1.RenewalRequest) bool { return len(rr.Status.OrderIDs) > 0 })
			if len(rr.Status.OrderIDs) != 1 {
				t.Fatalf("phase %s (%s): no order placed", rr.Status.Phase, rr.Status.Message)
			}
			// The partner pays the customer's orders.
			if err := h.sim.SetPayingAgent(rr.Status.OrderIDs[0], "partner-42"); err != nil {
				t.Fatal(err)
			}
			rr, _ = passUntil(t, r, k8s, key, 5, func(*billingv1alpha1.RenewalRequest) bool { return false })
			c := meta.FindStatusCondition(rr.Status.Conditions, billingv1alpha1.ConditionPaymentPending)
			if rr.Status.Phase != billingv1alpha1.RenewalPhasePaymentPending || c == nil || c.Reason != billingv1alpha1.ReasonPartnerPays ||
				!strings.Contains(c.Message, "partner-42") {
				t.Fatalf("phase %s, conditions %s; want PaymentPending with reason PartnerPays naming partner-42", rr.Status.Phase, describeConditions(rr.Status.Conditions))
			}
			if ready := meta.FindStatusCondition(rr.Status.Conditions, billingv1alpha1.ConditionReady); ready == nil || ready.Reason != billingv1alpha1.ReasonPartnerPays {
				t.Fatalf("Ready %+v; want reason PartnerPays", ready)
			}
			if n := operatorCounters(a).Writes[simulator.OpPayOrder]; n != 0 {
				t.Fatalf("%d pay calls; a partner's order must never be paid", n)
			}
			// Unpaid at the deadline: cancelled, still never paid.
			h.advance(billingv1alpha1.DefaultCancelUnpaidAfter + time.Minute)
			rr, _ = passUntil(t, r, k8s, key, 5, finished)
			if rr.Status.Phase != billingv1alpha1.RenewalPhaseCancelled || operatorCounters(a).Writes[simulator.OpPayOrder] != 0 {
				t.Fatalf("phase %s (%s), %d pay calls; want Cancelled, none", rr.Status.Phase, rr.Status.Message, operatorCounters(a).Writes[simulator.OpPayOrder])
			}
		})
	}
}
