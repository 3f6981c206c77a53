package controller_test

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// waitPolicy waits until the RenewalPolicy satisfies check.
func waitPolicy(t *testing.T, ns, name string, check func(*billingv1alpha1.RenewalPolicy) error) {
	t.Helper()
	var pol billingv1alpha1.RenewalPolicy
	eventually(t, 20*time.Second, func() error {
		if err := getErr(ns, name, &pol); err != nil {
			return err
		}
		return check(&pol)
	})
}

// TestRenewalPolicyStatus: a valid policy is Ready and counts its
// Subscriptions; a bad time zone or a missing budget is reported.
func TestRenewalPolicyStatus(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "10.00")
	mustCreate(t, renewPolicy(ns, "good"))
	mustCreate(t, subscription(ns, "one", h.newResource(t, a, resourceOpts{expiresIn: 90 * day}), "good", billingv1alpha1.ManagementObserve))
	mustCreate(t, subscription(ns, "two", h.newResource(t, a, resourceOpts{expiresIn: 90 * day}), "good", billingv1alpha1.ManagementObserve))
	waitPolicy(t, ns, "good", func(p *billingv1alpha1.RenewalPolicy) error {
		if p.Status.Subscriptions != 2 {
			return fmt.Errorf("subscriptions %d, want 2", p.Status.Subscriptions)
		}
		return wantCondition(p.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, billingv1alpha1.ReasonValid)
	})

	mustCreate(t, renewPolicy(ns, "mars", func(r *billingv1alpha1.RenewSpec) {
		r.Window = &billingv1alpha1.RenewalWindow{StartHour: 9, EndHour: 17, TimeZone: "Mars/Olympus"}
	}))
	waitPolicy(t, ns, "mars", func(p *billingv1alpha1.RenewalPolicy) error {
		return wantCondition(p.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, billingv1alpha1.ReasonPolicyInvalid)
	})

	mustCreate(t, renewPolicy(ns, "budgeted", func(r *billingv1alpha1.RenewSpec) {
		r.BudgetAlertRef = &billingv1alpha1.LocalObjectReference{Name: "nope"}
	}))
	waitPolicy(t, ns, "budgeted", func(p *billingv1alpha1.RenewalPolicy) error {
		return wantCondition(p.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionFalse, billingv1alpha1.ReasonBudgetNotFound)
	})
}
