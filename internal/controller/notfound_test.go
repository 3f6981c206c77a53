package controller

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/scheme"
)

// TestWritesToDeletedObjectsAreNotErrors: an object deleted between the
// read and the write leaves nothing to write, so the write returns nil.
// Wrapping client.IgnoreNotFound(err) with %w returned a non-nil
// "...: %!w(<nil>)" error instead, and the pass was retried with backoff.
func TestWritesToDeletedObjectsAreNotErrors(t *testing.T) {
	s, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	// An empty cluster: every object below was deleted after it was read.
	c := fake.NewClientBuilder().WithScheme(s).WithStatusSubresource(
		&billingv1alpha1.Subscription{}, &billingv1alpha1.BudgetAlert{}, &billingv1alpha1.RenewalRequest{}).Build()
	deps := Deps{Client: c}
	ctx := context.Background()
	read := metav1.ObjectMeta{Namespace: "team", Name: "gone", Generation: 2, ResourceVersion: "7",
		Finalizers: []string{finalizerUnsubscribe, finalizerOrderRecord}}

	for _, tc := range []struct {
		name  string
		write func() error
	}{
		{"Subscription status", func() error {
			orig := &billingv1alpha1.Subscription{ObjectMeta: read}
			_, err := settleWrite((&SubscriptionReconciler{Deps: deps}).patchStatus(ctx, orig, changed(orig), true, nil))
			return err
		}},
		{"Subscription finalizer", func() error {
			return (&SubscriptionReconciler{Deps: deps}).releaseFinalizer(ctx, &billingv1alpha1.Subscription{ObjectMeta: read})
		}},
		{"BudgetAlert status", func() error {
			orig := &billingv1alpha1.BudgetAlert{ObjectMeta: read}
			b := orig.DeepCopy()
			b.Status.PercentUsed = "1.0"
			_, err := settleWrite((&BudgetAlertReconciler{Deps: deps}).patchStatus(ctx, orig, b, true))
			return err
		}},
		{"RenewalRequest finalizer", func() error {
			return (&RenewalRequestReconciler{Deps: deps}).releaseFinalizer(ctx, &billingv1alpha1.RenewalRequest{ObjectMeta: *read.DeepCopy()})
		}},
	} {
		if err := tc.write(); err != nil {
			t.Errorf("%s of a deleted object: got %v, want nil", tc.name, err)
		}
	}
}

// changed is a copy of sub whose status differs, so that a write is made.
func changed(sub *billingv1alpha1.Subscription) *billingv1alpha1.Subscription {
	c := sub.DeepCopy()
	c.Status.RefreshHandled = "probe"
	return c
}
