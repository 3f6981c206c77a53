package controller_test

import (
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/controller"
)

// rivalAttempts sets up two Subscriptions that name one resource, each
// with its own first attempt (first and second).
func rivalAttempts(t *testing.T) (account, *controller.RenewalRequestReconciler, client.Client, client.ObjectKey, client.ObjectKey) {
	t.Helper()
	a, id := fakeClusterAccount(t, "rival")
	objs := crashObjects(a, id, billingv1alpha1.PaymentMethodPay)
	// A second Subscription (another team's copy of the same manifest)
	// with its own first attempt.
	sub2 := objs[3].(*billingv1alpha1.Subscription).DeepCopy()
	sub2.Name, sub2.UID = "vm-copy", "rival-subscription-uid"
	rr2 := objs[4].(*billingv1alpha1.RenewalRequest).DeepCopy()
	// The fake client assigns no UIDs; the operator keys attempts by UID.
	objs[4].(*billingv1alpha1.RenewalRequest).UID = "first-attempt-uid"
	rr2.UID = "second-attempt-uid"
	rr2.Name, rr2.Spec.SubscriptionName = "vm-copy-r1", "vm-copy"
	rr2.OwnerReferences[0].Name, rr2.OwnerReferences[0].UID = "vm-copy", sub2.UID
	objs = append(objs, sub2, rr2)
	k8s := fake.NewClientBuilder().WithScheme(h.env.Scheme).WithObjects(objs...).
		WithStatusSubresource(&billingv1alpha1.RenewalRequest{}, &billingv1alpha1.Subscription{}).Build()
	first, second := client.ObjectKey{Namespace: "crash", Name: "vm-r1"}, client.ObjectKey{Namespace: "crash", Name: "vm-copy-r1"}
	r := crashReconciler(k8s)
	return a, r, k8s, first, second
}

// TestRivalWaitIsAMinute: an attempt that finds a rival ordering its
// resource looks again a minute later, as its message says, not within a
// second (the wake-up for the order after a recorded intent applied to
// the wait too, and the attempt was reconciled every second meanwhile).
func TestRivalWaitIsAMinute(t *testing.T) {
	_, r, k8s, first, second := rivalAttempts(t)
	if rr, _ := passUntil(t, r, k8s, first, 5, inPhase(billingv1alpha1.RenewalPhaseOrdering)); rr.Status.Phase != billingv1alpha1.RenewalPhaseOrdering {
		t.Fatalf("first attempt: phase %s (%s), want Ordering", rr.Status.Phase, rr.Status.Message)
	}
	rr, res := passUntil(t, r, k8s, second, 4, inPhase(billingv1alpha1.RenewalPhaseOrdering))
	if err := wantCondition(rr.Status.Conditions, billingv1alpha1.ConditionReady, "False", billingv1alpha1.ReasonDuplicateResource); err != nil {
		t.Fatalf("second attempt: %v (%s)", err, rr.Status.Message)
	}
	if res.RequeueAfter < time.Minute-time.Second {
		t.Fatalf("second attempt looks again after %s while a rival orders, want a minute", res.RequeueAfter)
	}
}

// TestRivalAttemptsOrderOnce: two Subscriptions name one resource and each
// started an attempt before either saw the other (both created at once).
// The second may not record an intent while the first is ordering; once
// the first renewed, the second reads the resource again and ends without
// ordering. One renewal order in all.
func TestRivalAttemptsOrderOnce(t *testing.T) {
	a, r, k8s, first, second := rivalAttempts(t)

	if rr, _ := passUntil(t, r, k8s, first, 5, inPhase(billingv1alpha1.RenewalPhaseOrdering)); rr.Status.Phase != billingv1alpha1.RenewalPhaseOrdering {
		t.Fatalf("first attempt: phase %s (%s), want Ordering", rr.Status.Phase, rr.Status.Message)
	}
	rr, _ := passUntil(t, r, k8s, second, 4, inPhase(billingv1alpha1.RenewalPhaseOrdering))
	if rr.Status.Phase == billingv1alpha1.RenewalPhaseOrdering || rr.Status.OrderIntentTime != nil {
		t.Fatalf("second attempt recorded an intent while the first was ordering: %s (%s)", rr.Status.Phase, rr.Status.Message)
	}
	if err := wantCondition(rr.Status.Conditions, billingv1alpha1.ConditionReady, "False", billingv1alpha1.ReasonDuplicateResource); err != nil {
		t.Errorf("second attempt: %v (%s)", err, rr.Status.Message)
	}

	if rr, _ := passUntil(t, r, k8s, first, 10, finished); rr.Status.Phase != billingv1alpha1.RenewalPhaseSucceeded {
		t.Fatalf("first attempt: phase %s (%s), want Succeeded", rr.Status.Phase, rr.Status.Message)
	}
	h.advance(2 * time.Minute) // past the second attempt's wait
	rr, _ = passUntil(t, r, k8s, second, 10, finished)
	wantEnded(t, rr, billingv1alpha1.RenewalPhaseFailed, billingv1alpha1.ReasonRenewedElsewhere)
	if n := operatorCounters(a).Writes[simulator.OpRenew]; n != 1 {
		t.Fatalf("%d renew calls for one resource, want 1", n)
	}
}
