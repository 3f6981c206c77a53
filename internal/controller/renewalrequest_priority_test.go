package controller

import (
	"testing"

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
