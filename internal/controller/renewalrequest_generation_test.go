package controller

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testingclock "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/scheme"
)

// TestFailedPassKeepsObservedGeneration: a RenewalRequest pass that fails
// (here: its BillingAccount cannot be read) writes what it learned but
// does not advance status.observedGeneration, as for the other kinds; the
// next pass that succeeds does.
func TestFailedPassKeepsObservedGeneration(t *testing.T) {
	s, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKey{Namespace: "team", Name: "vm-r1"}
	rr := &billingv1alpha1.RenewalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name, Generation: 2},
		Spec: billingv1alpha1.RenewalRequestSpec{
			SubscriptionName: "vm", AccountRef: billingv1alpha1.LocalObjectReference{Name: "acct"},
			ResourceID: "ecs-1", Revision: 1,
			Period: billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1},
		},
	}
	failing := true
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(rr).
		WithStatusSubresource(&billingv1alpha1.RenewalRequest{}).
		WithInterceptorFuncs(interceptor.Funcs{
			Get: func(ctx context.Context, cl client.WithWatch, k client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				if _, ok := obj.(*billingv1alpha1.BillingAccount); ok && failing {
					return apierrors.NewServiceUnavailable("apiserver overloaded")
				}
				return cl.Get(ctx, k, obj, opts...)
			},
		}).Build()
	clk := testingclock.NewFakeClock(time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC))
	r := &RenewalRequestReconciler{Deps: Deps{
		Client:   c,
		Timing:   Timing{Clock: clk, Speed: 1},
		Accounts: &accounts.Resolver{Reader: c},
	}}
	ctx := context.Background()
	read := func() *billingv1alpha1.RenewalRequest {
		t.Helper()
		var got billingv1alpha1.RenewalRequest
		if err := c.Get(ctx, key, &got); err != nil {
			t.Fatal(err)
		}
		return &got
	}
	if g := read().Generation; g != 2 {
		t.Fatalf("setup: generation %d, want 2", g)
	}

	if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key}); err == nil {
		t.Fatal("the pass should fail while the BillingAccount cannot be read")
	}
	got := read()
	if got.Status.Phase != billingv1alpha1.RenewalPhasePending {
		t.Fatalf("the failed pass should still record phase Pending, got %q", got.Status.Phase)
	}
	if got.Status.ObservedGeneration != 0 {
		t.Errorf("observedGeneration %d after a failed pass, want 0", got.Status.ObservedGeneration)
	}

	// The account is now read (and missing: the attempt waits for it).
	failing = false
	if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key}); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if g := read().Status.ObservedGeneration; g != 2 {
		t.Errorf("observedGeneration %d after a successful pass, want 2", g)
	}
}
