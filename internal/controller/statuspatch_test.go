package controller

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/scheme"
)

// TestWriteStatus pins the shared status patcher's rules: observedGeneration
// only after a successful pass, no write without a change, the heartbeat
// only with another change, a stale copy refused (a quiet requeue), and a
// deleted object settled without an error.
func TestWriteStatus(t *testing.T) {
	s, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	setup := func(t *testing.T) (client.Client, *int, *billingv1alpha1.Subscription) {
		t.Helper()
		patches := 0
		stored := &billingv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "db", Generation: 3}}
		c := fake.NewClientBuilder().WithScheme(s).WithStatusSubresource(&billingv1alpha1.Subscription{}).WithObjects(stored).
			WithInterceptorFuncs(interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
				patches++
				return c.SubResource(sub).Patch(ctx, obj, p, opts...)
			}}).Build()
		var read billingv1alpha1.Subscription
		if err := c.Get(ctx, client.ObjectKeyFromObject(stored), &read); err != nil {
			t.Fatal(err)
		}
		return c, &patches, &read
	}
	withCondition := func(sub *billingv1alpha1.Subscription) *billingv1alpha1.Subscription {
		c := sub.DeepCopy()
		c.Status.Conditions = []metav1.Condition{{Type: billingv1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Test", LastTransitionTime: metav1.Now()}}
		return c
	}

	t.Run("a failed pass does not claim the generation", func(t *testing.T) {
		c, _, read := setup(t)
		obj := withCondition(read)
		if err := writeStatus(ctx, c, subscriptionStatus, read, obj, false, nil); err != nil {
			t.Fatal(err)
		}
		if obj.Status.ObservedGeneration != 0 || obj.Status.Conditions[0].ObservedGeneration != 0 {
			t.Errorf("observedGeneration %d / %d after a failed pass, want 0", obj.Status.ObservedGeneration, obj.Status.Conditions[0].ObservedGeneration)
		}
	})
	t.Run("a successful pass stamps status and conditions", func(t *testing.T) {
		c, _, read := setup(t)
		obj := withCondition(read)
		if err := writeStatus(ctx, c, subscriptionStatus, read, obj, true, nil); err != nil {
			t.Fatal(err)
		}
		var stored billingv1alpha1.Subscription
		_ = c.Get(ctx, client.ObjectKeyFromObject(read), &stored)
		if stored.Status.ObservedGeneration != 3 || stored.Status.Conditions[0].ObservedGeneration != 3 {
			t.Errorf("stored observedGeneration %d / %d, want 3", stored.Status.ObservedGeneration, stored.Status.Conditions[0].ObservedGeneration)
		}
	})
	t.Run("no change, no write, no heartbeat", func(t *testing.T) {
		c, patches, read := setup(t)
		beat := false
		if err := writeStatus(ctx, c, subscriptionStatus, read, read.DeepCopy(), false, func() { beat = true }); err != nil {
			t.Fatal(err)
		}
		if *patches != 0 || beat {
			t.Errorf("%d patches, heartbeat %v for an unchanged status", *patches, beat)
		}
		if err := writeStatus(ctx, c, subscriptionStatus, read, withCondition(read), false, func() { beat = true }); err != nil {
			t.Fatal(err)
		}
		if *patches != 1 || !beat {
			t.Errorf("%d patches, heartbeat %v for a changed status, want 1 and true", *patches, beat)
		}
	})
	t.Run("a stale copy is refused and requeued quietly", func(t *testing.T) {
		c, _, read := setup(t)
		if err := writeStatus(ctx, c, subscriptionStatus, read, withCondition(read), true, nil); err != nil {
			t.Fatal(err)
		}
		stale := withCondition(read)
		stale.Status.RefreshHandled = "stale"
		err := writeStatus(ctx, c, subscriptionStatus, read, stale, true, nil)
		if err == nil {
			t.Fatal("a write from a stale copy was accepted")
		}
		res, err := settleWrite(err)
		if err != nil || res.RequeueAfter != conflictRetry {
			t.Errorf("settleWrite = %+v, %v; want a quiet requeue after %s", res, err, conflictRetry)
		}
	})
	t.Run("a deleted object settles without an error", func(t *testing.T) {
		c, _, read := setup(t)
		if err := c.Delete(ctx, read.DeepCopy()); err != nil {
			t.Fatal(err)
		}
		err := writeStatus(ctx, c, subscriptionStatus, read, withCondition(read), true, nil)
		if err == nil {
			t.Fatal("a write to a deleted object reported success")
		}
		if res, err := settleWrite(err); err != nil || res.RequeueAfter != 0 {
			t.Errorf("settleWrite = %+v, %v; want done", res, err)
		}
	})
}
