package controller

import (
	"context"
	"errors"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/scheme"
)

// TestStatusWriteSurvivesTheNotifier: a pass that set the auto-renew
// settings in BSS (6.3.4) must keep its record when the notifier wrote
// status.notifications meanwhile; losing it made the next pass call 6.3.4
// again (TestAutoRenewSettingsApplied counted 3 calls instead of 2). A
// write by anyone else to the rest of the status is still a conflict.
func TestStatusWriteSurvivesTheNotifier(t *testing.T) {
	tests := []struct {
		name         string
		meanwhile    func(*billingv1alpha1.Subscription)
		wantConflict bool
	}{
		{"the notifier recorded a delivery", func(s *billingv1alpha1.Subscription) {
			s.Status.Notifications = []billingv1alpha1.NotificationRecord{{Sink: "oncall", Key: "k1",
				Kind: "ApprovalRequired", State: "Delivered"}}
		}, false},
		{"another pass recorded a correction", func(s *billingv1alpha1.Subscription) {
			s.Status.LastCorrectionTime = &metav1.Time{Time: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			c, read := fakeWithSubscription(t)
			key := client.ObjectKeyFromObject(&read)
			other := read.DeepCopy()
			tc.meanwhile(other)
			if err := c.Status().Update(ctx, other); err != nil {
				t.Fatal(err)
			}

			// The pass, from its read: it set the settings in BSS.
			sub := read.DeepCopy()
			two := int32(2)
			sub.Status.AutoRenewSettings = &billingv1alpha1.AppliedAutoRenew{PeriodUnit: billingv1alpha1.PeriodUnitYear, Times: &two}
			r := &SubscriptionReconciler{Deps: Deps{Client: c}, APIReader: c}
			err := r.patchStatus(ctx, &read, sub, true, nil)
			if tc.wantConflict {
				if !apierrors.IsConflict(err) {
					t.Fatalf("write over another pass's record: %v, want a conflict", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("write after the notifier's: %v", err)
			}
			var got billingv1alpha1.Subscription
			if err := c.Get(ctx, key, &got); err != nil {
				t.Fatal(err)
			}
			if got.Status.AutoRenewSettings == nil || got.Status.AutoRenewSettings.Times == nil || *got.Status.AutoRenewSettings.Times != 2 {
				t.Errorf("the pass's record was lost: autoRenewSettings %+v", got.Status.AutoRenewSettings)
			}
			if len(got.Status.Notifications) != 1 {
				t.Errorf("the notifier's records were overwritten: %+v", got.Status.Notifications)
			}
			if got.Status.ObservedGeneration != read.Generation {
				t.Errorf("observedGeneration %d, want the generation the pass read (%d)", got.Status.ObservedGeneration, read.Generation)
			}
		})
	}
}

// TestCorrectionNeedsTheNewestRead: a pass working from a cache copy older
// than the API server's (its own last write not seen yet) makes no BSS
// write; one working from the newest copy may.
func TestCorrectionNeedsTheNewestRead(t *testing.T) {
	ctx := context.Background()
	c, read := fakeWithSubscription(t)
	r := &SubscriptionReconciler{Deps: Deps{Client: c}, APIReader: c}
	if err := r.ensureCurrent(ctx, &subState{sub: read.DeepCopy()}); err != nil {
		t.Fatalf("newest copy: %v, want nil", err)
	}
	// The previous pass recorded its 6.3.4 call; this pass's copy predates it.
	written := read.DeepCopy()
	written.Status.LastCorrectionTime = &metav1.Time{Time: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
	if err := c.Status().Update(ctx, written); err != nil {
		t.Fatal(err)
	}
	if err := r.ensureCurrent(ctx, &subState{sub: read.DeepCopy()}); !errors.Is(err, errStaleRead) {
		t.Fatalf("stale copy: %v, want errStaleRead", err)
	}
}

// fakeWithSubscription is a fake API server holding one Subscription
// (generation 3), and the Subscription as read from it.
func fakeWithSubscription(t *testing.T) (client.Client, billingv1alpha1.Subscription) {
	t.Helper()
	s, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := fake.NewClientBuilder().WithScheme(s).WithStatusSubresource(&billingv1alpha1.Subscription{}).Build()
	if err := c.Create(ctx, &billingv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "web", Generation: 3},
		Spec:       billingv1alpha1.SubscriptionSpec{ResourceID: "r1"}}); err != nil {
		t.Fatal(err)
	}
	var read billingv1alpha1.Subscription
	if err := c.Get(ctx, client.ObjectKey{Namespace: "team", Name: "web"}, &read); err != nil {
		t.Fatal(err)
	}
	return c, read
}
