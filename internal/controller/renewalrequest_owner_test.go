package controller_test

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// TestHandAppliedRenewalRequestNeverOrders: a RenewalRequest that the
// operator did not create (applied by hand, or synced from Git) for a
// managed Subscription with a Renew policy ends Failed without an order;
// and when it takes the name of the Subscription's next attempt, the
// Subscription reports it instead of adopting it.
func TestHandAppliedRenewalRequestNeverOrders(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 30 * day})
	res := simResource(t, id)
	mustCreate(t, renewPolicy(ns, "monthly"))
	mustCreate(t, subscription(ns, "vm", id, "monthly", billingv1alpha1.ManagementManage))
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, billingv1alpha1.ReasonScheduled)
	})
	// Named as the Subscription's first attempt will be, not yet due.
	mustCreate(t, &billingv1alpha1.RenewalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "vm-r1"},
		Spec: billingv1alpha1.RenewalRequestSpec{
			SubscriptionName: "vm", AccountRef: billingv1alpha1.LocalObjectReference{Name: a.Name},
			ResourceID: id, Revision: 1, BaselineExpireTime: metav1.Time{Time: res.ExpireTime},
			Period:  billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1},
			Payment: billingv1alpha1.PaymentSpec{Method: billingv1alpha1.PaymentMethodAutoPay},
		},
	})
	rr := waitRequest(t, ns, "vm-r1", 20*time.Second, billingv1alpha1.RenewalPhaseFailed)
	if !strings.Contains(rr.Status.Message, "not created by the operator") {
		t.Fatalf("message %q does not say why", rr.Status.Message)
	}
	// When the renewal falls due, the Subscription does not adopt it.
	h.advance(20 * day)
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, billingv1alpha1.ReasonRequestNotOwned)
	})
	if n := len(renewalOrders(a)); n != 0 {
		t.Fatalf("%d renewal orders for a hand-applied request, want 0", n)
	}
}
