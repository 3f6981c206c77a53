package controller_test

import (
	"fmt"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// annotate sets an annotation on a Subscription.
func annotate(t *testing.T, ns, name, key, value string) {
	t.Helper()
	var sub billingv1alpha1.Subscription
	get(t, ns, name, &sub)
	patch := client.MergeFrom(sub.DeepCopy())
	if sub.Annotations == nil {
		sub.Annotations = map[string]string{}
	}
	sub.Annotations[key] = value
	if err := h.env.Client.Patch(ctx(), &sub, patch); err != nil {
		t.Fatal(err)
	}
}

// TestRefreshAnnotationReadsOnce: the refresh annotation reads the resource
// afresh right away, and only once per value.
func TestRefreshAnnotationReadsOnce(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 90 * day})
	mustCreate(t, modePolicy(ns, "lapse", billingv1alpha1.RenewalModeLapse))
	mustCreate(t, subscription(ns, "vm", id, "lapse", billingv1alpha1.ManagementObserve))
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Status.Resource == nil || s.Status.Resource.ExpirePolicy != "GracePeriod" {
			return fmt.Errorf("resource %+v", s.Status.Resource)
		}
		return nil
	})
	// A change made elsewhere, seen before the next inventory refresh only
	// because of the annotation (the business clock does not move).
	if err := bssClient(t, a).EnableAutoRenew(ctx(), id); err != nil {
		t.Fatal(err)
	}
	before := h.sim.AccountCounters(a.DomainID).Total(simulator.OpQueryResources)
	annotate(t, ns, "vm", billingv1alpha1.AnnotationRefresh, "1")
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Status.Resource.ExpirePolicy != "AutoRenew" || s.Status.RefreshHandled != "1" {
			return fmt.Errorf("expirePolicy %s refreshHandled %q", s.Status.Resource.ExpirePolicy, s.Status.RefreshHandled)
		}
		return nil
	})
	// Two more passes with the annotation unchanged, each proven by the
	// generation it observed, must not read the resource again.
	setPaused(t, ns, "vm", true)
	setPaused(t, ns, "vm", false)
	if n := h.sim.AccountCounters(a.DomainID).Total(simulator.OpQueryResources) - before; n < 1 || n > 2 {
		t.Fatalf("%d lookups for one refresh request, want 1 (2 if a reconcile raced the status write)", n)
	}
}

// setPaused sets spec.paused and waits for a pass that observed the new
// generation.
func setPaused(t *testing.T, ns, name string, paused bool) {
	t.Helper()
	var sub billingv1alpha1.Subscription
	get(t, ns, name, &sub)
	patch := client.MergeFrom(sub.DeepCopy())
	sub.Spec.Paused = paused
	if err := h.env.Client.Patch(ctx(), &sub, patch); err != nil {
		t.Fatal(err)
	}
	gen := sub.Generation
	waitSub(t, ns, name, 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Status.ObservedGeneration < gen {
			return fmt.Errorf("observedGeneration %d, want %d", s.Status.ObservedGeneration, gen)
		}
		return nil
	})
}

// TestRenewNowAnnotation: renew-now starts a renewal before renewalTime.
func TestRenewNowAnnotation(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 90 * day})
	mustCreate(t, renewPolicy(ns, "monthly"))
	mustCreate(t, subscription(ns, "vm", id, "monthly", billingv1alpha1.ManagementManage))
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Status.RenewalTime == nil {
			return fmt.Errorf("no renewal time yet")
		}
		return nil
	})
	if n := len(renewalOrders(a)); n != 0 {
		t.Fatalf("%d orders before renewal time", n)
	}
	annotate(t, ns, "vm", billingv1alpha1.AnnotationRenewNow, "2027-01-10T00:00:00Z")
	waitRequest(t, ns, "vm-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	passed(t, ns, "vm")
	consistently(t, 2*time.Second, func() error {
		if n := len(renewalOrders(a)); n != 1 {
			return fmt.Errorf("%d orders for one renew-now, want 1", n)
		}
		return nil
	})
}
