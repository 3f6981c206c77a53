package controller_test

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// TestFailedAutoRenewDeductionIsReported (issue 16, path 11): the cloud's
// auto-renew is on, but the balance is too low for its deduction. Once the
// deduction day has passed with the expiry unmoved, the Subscription says
// so (AutoRenewOverdue, and ExpiringSoon, which the alerts need) before
// expiry. A funded twin is renewed by the cloud and says nothing.
func TestFailedAutoRenewDeductionIsReported(t *testing.T) {
	ns, nsOK := h.env.Namespace(t), h.env.Namespace(t)
	poor := h.newAccount(t, ns, "1.00")
	rich := h.newAccount(t, nsOK, "1000.00")
	id := h.newResource(t, poor, resourceOpts{expiresIn: 10 * day, autoRenew: true})
	idOK := h.newResource(t, rich, resourceOpts{expiresIn: 10 * day, autoRenew: true})
	expiry := simResource(t, id).ExpireTime
	for _, n := range []string{ns, nsOK} {
		mustCreate(t, modePolicy(n, "auto", billingv1alpha1.RenewalModeAutoRenew))
	}
	mustCreate(t, subscription(ns, "vm", id, "auto", billingv1alpha1.ManagementManage))
	mustCreate(t, subscription(nsOK, "vm", idOK, "auto", billingv1alpha1.ManagementManage))
	for _, n := range []string{ns, nsOK} {
		waitSub(t, n, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
			if c := condition(s.Status.Conditions, billingv1alpha1.ConditionAutoRenewOverdue); c != nil {
				return fmt.Errorf("AutoRenewOverdue before the deduction day: %s", describeConditions(s.Status.Conditions))
			}
			return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, billingv1alpha1.ReasonAutoRenewOn)
		})
	}

	// Past the first deduction (03:00 GMT+08:00, seven days before expiry)
	// and a day on: the poor account's deduction failed.
	h.advance(4*day + 2*time.Hour)
	if got := simResource(t, id).ExpireTime; !got.Equal(expiry) {
		t.Fatalf("the underfunded resource was renewed: expiry %v -> %v", expiry, got)
	}
	if got := simResource(t, idOK).ExpireTime; !got.After(expiry) {
		t.Fatalf("the funded resource was not renewed by the cloud: expiry %v", got)
	}
	waitSub(t, ns, "vm", 30*time.Second, func(s *billingv1alpha1.Subscription) error {
		if err := wantCondition(s.Status.Conditions, billingv1alpha1.ConditionAutoRenewOverdue, metav1.ConditionTrue, billingv1alpha1.ReasonAutoRenewOverdue); err != nil {
			return err
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionExpiringSoon, metav1.ConditionTrue, billingv1alpha1.ReasonExpiringSoon)
	})
	passed(t, nsOK, "vm")
	waitSub(t, nsOK, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if c := condition(s.Status.Conditions, billingv1alpha1.ConditionAutoRenewOverdue); c != nil {
			return fmt.Errorf("AutoRenewOverdue on a renewed subscription: %s", describeConditions(s.Status.Conditions))
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionExpiringSoon, metav1.ConditionFalse, "")
	})
}
