package plugin_test

import (
	"context"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// TestApproveAgainAfterPriceRise: when the operator asks again (the price
// rose above what was approved, approvalState RequiredAgain), approve
// replaces the old decision with one for the price shown now, and carries
// nothing over from it.
func TestApproveAgainAfterPriceRise(t *testing.T) {
	ns := env.Namespace(t)
	user := operatorUser(t)
	rr := request(ns, "db-r1")
	create(t, rr)
	// The first decision, by whoever the test's client is (the admission
	// policy checks the name).
	review := &authenticationv1.SelfSubjectReview{}
	if err := env.Client.Create(context.Background(), review); err != nil {
		t.Fatal(err)
	}
	rr.Spec.Approval = &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: review.Status.UserInfo.Username,
		Reason: "at the old price", MaxAmount: &billingv1alpha1.Money{Amount: "500.00", Currency: "USD"}}
	if err := env.Client.Update(context.Background(), rr); err != nil {
		t.Fatal(err)
	}
	setStatus(t, rr, func() {
		rr.Status.Phase = billingv1alpha1.RenewalPhaseAwaitingApproval
		rr.Status.ApprovalState = billingv1alpha1.ApprovalStateRequiredAgain
		rr.Status.Quote = &billingv1alpha1.PriceQuote{Price: billingv1alpha1.Money{Amount: "612.00", Currency: "USD"}}
	})
	if _, err := kubectlBSS(t, "approve", "db-r1", "-n", ns); err != nil {
		t.Fatal(err)
	}
	var got billingv1alpha1.RenewalRequest
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "db-r1"}, &got); err != nil {
		t.Fatal(err)
	}
	a := got.Spec.Approval
	if a == nil || a.Decision != billingv1alpha1.DecisionApprove || a.Approver != user || a.Reason != "" ||
		a.MaxAmount == nil || *a.MaxAmount != (billingv1alpha1.Money{Amount: "612.00", Currency: "USD"}) {
		t.Fatalf("approval %+v (max %+v), want a new Approve by %s up to the 612.00 USD shown, without the old reason", a, a.MaxAmount, user)
	}
}
