package controller_test

import (
	"context"
	"testing"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// TestStaleCacheAfterIntentDoesNotQuoteAgain: the pass after the intent is
// recorded may read a cached copy from before it (the watch event of the
// finalizer patch arrives first). That pass must neither quote again (a
// rating call, the binding quota in a burst) nor write; the attempt then
// completes with one quote and one order.
func TestStaleCacheAfterIntentDoesNotQuoteAgain(t *testing.T) {
	a, id := fakeClusterAccount(t, "stale")
	k8s := newStaleCache(a, id)
	key := k8s.key
	r := crashReconciler(k8s)
	before := h.sim.AccountCounters(a.DomainID)

	var pending billingv1alpha1.RenewalRequest
	if err := k8s.Get(ctx(), key, &pending); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Reconcile(ctx(), ctrl.Request{NamespacedName: key}); err != nil {
		t.Fatalf("first pass: %v", err)
	}
	var rr billingv1alpha1.RenewalRequest
	if err := k8s.Get(ctx(), key, &rr); err != nil {
		t.Fatal(err)
	}
	if rr.Status.OrderIntentTime == nil {
		t.Fatalf("the first pass recorded no intent: phase %s (%s)", rr.Status.Phase, rr.Status.Message)
	}
	writes := k8s.statusWrites
	k8s.serveOnce(&pending)
	if _, err := r.Reconcile(ctx(), ctrl.Request{NamespacedName: key}); err != nil {
		t.Fatalf("stale pass: %v", err)
	}
	if k8s.statusWrites != writes {
		t.Fatalf("the pass on a stale copy tried %d status writes", k8s.statusWrites-writes)
	}
	for i := 0; i < 10 && rr.Status.Phase != billingv1alpha1.RenewalPhaseSucceeded; i++ {
		if _, err := r.Reconcile(ctx(), ctrl.Request{NamespacedName: key}); err != nil {
			t.Fatalf("reconcile: %v", err)
		}
		if err := k8s.Get(ctx(), key, &rr); err != nil {
			t.Fatal(err)
		}
	}
	after := h.sim.AccountCounters(a.DomainID)
	if rr.Status.Phase != billingv1alpha1.RenewalPhaseSucceeded {
		t.Fatalf("phase %s (%s), want Succeeded", rr.Status.Phase, rr.Status.Message)
	}
	if q := after.Total(simulator.OpRenewRate) - before.Total(simulator.OpRenewRate); q != 1 {
		t.Fatalf("%d rating calls, want 1", q)
	}
	if o := len(renewalOrders(a)); o != 1 {
		t.Fatalf("%d renewal orders, want 1", o)
	}
}

// TestStaleCopyAfterRefusedOrderOrdersNothing: BSS refuses the renew call
// and the attempt ends Failed, from which the Subscription starts a new
// one. A pass that then reads a cached copy from before that write (still
// Ordering, the refused call not counted) must not call renew again: by
// the time it would, the new attempt may be ordering too, and the cloud
// would renew twice.
func TestStaleCopyAfterRefusedOrderOrdersNothing(t *testing.T) {
	a, id := fakeClusterAccount(t, "ended")
	k8s := newStaleCache(a, id)
	key := k8s.key
	r := crashReconciler(k8s)

	var rr billingv1alpha1.RenewalRequest
	for i := 0; i < 5 && rr.Status.Phase != billingv1alpha1.RenewalPhaseOrdering; i++ {
		if _, err := r.Reconcile(ctx(), ctrl.Request{NamespacedName: key}); err != nil {
			t.Fatalf("reconcile: %v", err)
		}
		if err := k8s.Get(ctx(), key, &rr); err != nil {
			t.Fatal(err)
		}
	}
	if rr.Status.Phase != billingv1alpha1.RenewalPhaseOrdering {
		t.Fatalf("phase %s (%s), want Ordering", rr.Status.Phase, rr.Status.Message)
	}
	ordering := rr.DeepCopy()

	h.sim.SetFault(simulator.OpRenew, simulator.Fault{ErrorRate: 1, ErrorStatus: 400, ErrorCode: "CBC.0100", ErrorMsg: "Invalid parameter."})
	t.Cleanup(h.sim.ClearFaults)
	renewCalls := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpRenew]
	if _, err := r.Reconcile(ctx(), ctrl.Request{NamespacedName: key}); err != nil {
		t.Fatalf("refused pass: %v", err)
	}
	if err := k8s.Get(ctx(), key, &rr); err != nil {
		t.Fatal(err)
	}
	if rr.Status.Phase != billingv1alpha1.RenewalPhaseFailed {
		t.Fatalf("after the refusal: phase %s (%s), want Failed", rr.Status.Phase, rr.Status.Message)
	}
	if n := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpRenew] - renewCalls; n != 1 {
		t.Fatalf("%d renew calls in the refused pass, want 1", n)
	}

	h.sim.ClearFaults()
	k8s.serveOnce(ordering)
	if _, err := r.Reconcile(ctx(), ctrl.Request{NamespacedName: key}); err != nil {
		t.Fatalf("stale pass: %v", err)
	}
	if n := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpRenew] - renewCalls; n != 1 {
		t.Fatalf("the pass on the stale copy sent %d more renew calls, want none", n-1)
	}
	if n := len(renewalOrders(a)); n != 0 {
		t.Fatalf("%d renewal orders for an attempt that ended Failed, want none", n)
	}
}

// TestStaleCopyCannotRecordIntent: a pass that read a copy older than the
// apiserver's must not record the intent to order. The finalizer it adds
// first moves the resourceVersion the status patch is checked against; an
// unchecked finalizer patch would let the status patch overwrite newer
// status with the stale copy's.
func TestStaleCopyCannotRecordIntent(t *testing.T) {
	a, id := fakeClusterAccount(t, "lock")
	k8s := newStaleCache(a, id)
	key := k8s.key

	var old billingv1alpha1.RenewalRequest
	if err := k8s.Get(ctx(), key, &old); err != nil {
		t.Fatal(err)
	}
	// Another pass moved the attempt on since that copy was cached.
	newer := old.DeepCopy()
	newer.Status.Phase = billingv1alpha1.RenewalPhasePending
	newer.Status.Message = "written after the stale copy"
	if err := k8s.Status().Update(ctx(), newer); err != nil {
		t.Fatal(err)
	}

	k8s.serveOnce(&old)
	if _, err := crashReconciler(k8s).Reconcile(ctx(), ctrl.Request{NamespacedName: key}); err != nil {
		t.Fatalf("stale pass: %v", err)
	}
	var rr billingv1alpha1.RenewalRequest
	if err := k8s.Get(ctx(), key, &rr); err != nil {
		t.Fatal(err)
	}
	if rr.Status.OrderIntentTime != nil || rr.Status.Message != newer.Status.Message {
		t.Fatalf("the stale pass wrote over newer status: intent %v, message %q", rr.Status.OrderIntentTime, rr.Status.Message)
	}
}

// TestRejectedCredentialsHoldTheOrder: a renew call refused for its
// credentials (an expired token) applied nothing; the attempt waits for new
// credentials instead of failing, and then orders once.
func TestRejectedCredentialsHoldTheOrder(t *testing.T) {
	a, id := fakeClusterAccount(t, "auth")
	k8s := newStaleCache(a, id)
	key := k8s.key
	r := crashReconciler(k8s)
	reconcileUntil := func(done func(*billingv1alpha1.RenewalRequest) bool) *billingv1alpha1.RenewalRequest {
		t.Helper()
		var rr billingv1alpha1.RenewalRequest
		for i := 0; i < 10; i++ {
			if _, err := r.Reconcile(ctx(), ctrl.Request{NamespacedName: key}); err != nil {
				t.Fatalf("reconcile: %v", err)
			}
			if err := k8s.Get(ctx(), key, &rr); err != nil {
				t.Fatal(err)
			}
			if done(&rr) {
				break
			}
		}
		return &rr
	}

	reconcileUntil(func(rr *billingv1alpha1.RenewalRequest) bool {
		return rr.Status.Phase == billingv1alpha1.RenewalPhaseOrdering
	})
	h.sim.SetFault(simulator.OpRenew, simulator.Fault{ErrorRate: 1, ErrorStatus: 401, ErrorCode: "APIGW.0301", ErrorMsg: "Incorrect IAM authentication information."})
	t.Cleanup(h.sim.ClearFaults)
	renewCalls := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpRenew]
	rr := reconcileUntil(func(*billingv1alpha1.RenewalRequest) bool {
		return h.sim.AccountCounters(a.DomainID).Writes[simulator.OpRenew] > renewCalls
	})
	// The renew call was made, and refused for its credentials: without
	// it the checks below would pass on an attempt that never ordered.
	c := h.sim.AccountCounters(a.DomainID)
	if n := c.Writes[simulator.OpRenew] - renewCalls; n != 1 || c.Calls[simulator.OpRenew][401] != 1 {
		t.Fatalf("%d renew calls while the credentials were rejected (answers %v), want 1 refused with 401", n, c.Calls[simulator.OpRenew])
	}
	if rr.Status.Phase != billingv1alpha1.RenewalPhaseOrdering || rr.Status.RenewCalls != 0 {
		t.Fatalf("after rejected credentials: phase %s, renew calls %d (%s); want Ordering, 0", rr.Status.Phase, rr.Status.RenewCalls, rr.Status.Message)
	}

	// New credentials re-queue the request; here the fault just ends.
	h.sim.ClearFaults()
	rr = reconcileUntil(func(rr *billingv1alpha1.RenewalRequest) bool {
		return rr.Status.Phase == billingv1alpha1.RenewalPhaseSucceeded
	})
	if rr.Status.Phase != billingv1alpha1.RenewalPhaseSucceeded {
		t.Fatalf("phase %s (%s), want Succeeded", rr.Status.Phase, rr.Status.Message)
	}
	if n := len(renewalOrders(a)); n != 1 {
		t.Fatalf("%d renewal orders, want 1", n)
	}
}

// staleCache is the fake cluster of one managed subscription with its first
// RenewalRequest (crashObjects). Like a cache that lags, its Get can serve
// an older copy of the request once; it counts the request's status writes.
type staleCache struct {
	client.Client
	key          client.ObjectKey
	stale        *billingv1alpha1.RenewalRequest
	statusWrites int
}

func newStaleCache(a account, id string) *staleCache {
	c := &staleCache{key: client.ObjectKey{Namespace: "crash", Name: "vm-r1"}}
	c.Client = fake.NewClientBuilder().WithScheme(h.env.Scheme).
		WithObjects(crashObjects(a, id, billingv1alpha1.PaymentMethodAutoPay)...).
		WithStatusSubresource(&billingv1alpha1.RenewalRequest{}, &billingv1alpha1.Subscription{}).
		WithInterceptorFuncs(interceptor.Funcs{
			Get: func(ctx context.Context, cl client.WithWatch, k client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				if rr, ok := obj.(*billingv1alpha1.RenewalRequest); ok && k == c.key && c.stale != nil {
					c.stale.DeepCopyInto(rr)
					c.stale = nil
					return nil
				}
				return cl.Get(ctx, k, obj, opts...)
			},
			SubResourcePatch: func(ctx context.Context, cl client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
				if _, ok := obj.(*billingv1alpha1.RenewalRequest); ok {
					c.statusWrites++
				}
				return cl.Status().Patch(ctx, obj, patch, opts...)
			},
		}).Build()
	return c
}

// serveOnce makes the next Get of the request return a copy of rr.
func (c *staleCache) serveOnce(rr *billingv1alpha1.RenewalRequest) { c.stale = rr.DeepCopy() }
