package controller

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	testingclock "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// TestCoalescingMapMergesABurst: a burst of Subscription events mapped to
// one BudgetAlert becomes one queued request, ready only after the delay.
func TestCoalescingMapMergesABurst(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Now())
	q := workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request](),
		workqueue.TypedRateLimitingQueueConfig[reconcile.Request]{Clock: clk})
	defer q.ShutDown()
	budget := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "team", Name: "monthly"}}
	mapped := 0
	h := coalescingMap(2*time.Second, func(context.Context, client.Object) []reconcile.Request {
		mapped++
		return []reconcile.Request{budget}
	})
	for i := 0; i < 100; i++ {
		sub := &billingv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "vm"}}
		h.Update(context.Background(), event.UpdateEvent{ObjectOld: sub, ObjectNew: sub}, q)
	}
	if mapped != 200 {
		t.Fatalf("mapped %d objects, want old and new of 100 updates", mapped)
	}
	if q.Len() != 0 {
		t.Fatalf("%d requests ready before the delay", q.Len())
	}
	clk.Step(2 * time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for q.Len() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if q.Len() != 1 {
		t.Fatalf("%d requests ready after the delay, want 1", q.Len())
	}
	if got, _ := q.Get(); got != budget {
		t.Fatalf("queued %v, want %v", got, budget)
	}
}

// TestPolicyRefChanged: only a changed renewalPolicyRef lets a Subscription
// update re-count its policies.
func TestPolicyRefChanged(t *testing.T) {
	ref := func(name string) *billingv1alpha1.LocalObjectReference {
		return &billingv1alpha1.LocalObjectReference{Name: name}
	}
	tests := []struct {
		name     string
		old, new *billingv1alpha1.LocalObjectReference
		status   bool
		want     bool
	}{
		{name: "status only", old: ref("a"), new: ref("a"), status: true, want: false},
		{name: "policy changed", old: ref("a"), new: ref("b"), want: true},
		{name: "policy set", old: nil, new: ref("a"), want: true},
		{name: "policy removed", old: ref("a"), new: nil, want: true},
		{name: "no policy", old: nil, new: nil, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &billingv1alpha1.Subscription{Spec: billingv1alpha1.SubscriptionSpec{RenewalPolicyRef: tt.old}}
			n := o.DeepCopy()
			n.Spec.RenewalPolicyRef = tt.new
			if tt.status {
				n.Status.ExpireTime = &metav1.Time{Time: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
			}
			if got := policyRefChanged().Update(event.UpdateEvent{ObjectOld: o, ObjectNew: n}); got != tt.want {
				t.Fatalf("Update passed = %v, want %v", got, tt.want)
			}
		})
	}
}
