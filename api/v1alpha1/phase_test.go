package v1alpha1_test

import (
	"testing"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// TestRenewalPhaseFinished: exactly the four end phases are finished.
func TestRenewalPhaseFinished(t *testing.T) {
	for _, tt := range []struct {
		phase billingv1alpha1.RenewalPhase
		want  bool
	}{
		{"", false},
		{billingv1alpha1.RenewalPhasePending, false},
		{billingv1alpha1.RenewalPhaseAwaitingApproval, false},
		{billingv1alpha1.RenewalPhaseBlocked, false},
		{billingv1alpha1.RenewalPhaseApproved, false},
		{billingv1alpha1.RenewalPhaseOrdering, false},
		{billingv1alpha1.RenewalPhasePaymentPending, false},
		{billingv1alpha1.RenewalPhaseConfirming, false},
		{billingv1alpha1.RenewalPhaseSucceeded, true},
		{billingv1alpha1.RenewalPhaseFailed, true},
		{billingv1alpha1.RenewalPhaseDenied, true},
		{billingv1alpha1.RenewalPhaseCancelled, true},
	} {
		if got := tt.phase.Finished(); got != tt.want {
			t.Errorf("%q.Finished() = %v, want %v", tt.phase, got, tt.want)
		}
	}
}
