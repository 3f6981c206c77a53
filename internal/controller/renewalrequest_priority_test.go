package controller

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// TestPhasePriorityFavoursAttemptsFurtherAlong: each later stage of an
// attempt outranks the earlier ones, and not-yet-ordered attempts share the
// lowest rank.
func TestPhasePriorityFavoursAttemptsFurtherAlong(t *testing.T) {
	order := []billingv1alpha1.RenewalPhase{
		billingv1alpha1.RenewalPhasePending,
		billingv1alpha1.RenewalPhaseOrdering,
		billingv1alpha1.RenewalPhasePaymentPending,
		billingv1alpha1.RenewalPhaseConfirming,
	}
	for i := 1; i < len(order); i++ {
		lo, hi := *phasePriority(order[i-1]), *phasePriority(order[i])
		if hi <= lo {
			t.Errorf("%s has priority %d, not above %s's %d", order[i], hi, order[i-1], lo)
		}
	}
	for _, p := range []billingv1alpha1.RenewalPhase{billingv1alpha1.RenewalPhaseAwaitingApproval,
		billingv1alpha1.RenewalPhaseApproved, billingv1alpha1.RenewalPhaseBlocked} {
		if got := *phasePriority(p); got != *phasePriority(billingv1alpha1.RenewalPhasePending) {
			t.Errorf("%s has priority %d, want the Pending rank", p, got)
		}
	}
}

// TestBlockedRequestSaysWhy: a held attempt's Ready reason names what
// holds it, the budget or the renewal window.
func TestBlockedRequestSaysWhy(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name   string
		budget *metav1.Condition
		want   string
	}{
		{name: "window", want: billingv1alpha1.ReasonOutsideWindow},
		{name: "budget", budget: &metav1.Condition{Type: billingv1alpha1.ConditionBudgetBlocked, Status: metav1.ConditionTrue, Reason: billingv1alpha1.ReasonBudgetBlocks}, want: billingv1alpha1.ReasonBudgetBlocks},
		{name: "budget released, window closed", budget: &metav1.Condition{Type: billingv1alpha1.ConditionBudgetBlocked, Status: metav1.ConditionFalse, Reason: billingv1alpha1.ReasonWithinLimits}, want: billingv1alpha1.ReasonOutsideWindow},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rr := &billingv1alpha1.RenewalRequest{}
			rr.Status.Phase = billingv1alpha1.RenewalPhaseBlocked
			rr.Status.Message = "held"
			if tt.budget != nil {
				tt.budget.LastTransitionTime = metav1.NewTime(now)
				rr.Status.Conditions = []metav1.Condition{*tt.budget}
			}
			(&RenewalRequestReconciler{}).summarize(&rrState{rr: rr, now: now})
			c := condition(rr.Status.Conditions, billingv1alpha1.ConditionReady)
			if c == nil || c.Status != metav1.ConditionFalse || c.Reason != tt.want {
				t.Fatalf("Ready = %+v, want False %s", c, tt.want)
			}
		})
	}
}
