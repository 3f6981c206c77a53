package controller_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// unsubscribing creates a managed Subscription of a new resource with
// deletionPolicy Unsubscribe (all periods) and waits for its finalizer.
func unsubscribing(t *testing.T, ns string, a account, mgmt billingv1alpha1.ManagementPolicy) (string, *billingv1alpha1.Subscription) {
	t.Helper()
	id := h.newResource(t, a, resourceOpts{expiresIn: 60 * day})
	mustCreate(t, modePolicy(ns, "lapse", billingv1alpha1.RenewalModeLapse))
	sub := subscription(ns, "vm", id, "lapse", mgmt)
	sub.Spec.DeletionPolicy = billingv1alpha1.DeletionUnsubscribe
	sub.Spec.UnsubscribeType = billingv1alpha1.UnsubscribeAllPeriods
	mustCreate(t, sub)
	return id, waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if len(s.Finalizers) == 0 {
			return fmt.Errorf("no finalizer yet")
		}
		return nil
	})
}

// waitGone waits until the Subscription no longer exists.
func waitGone(t *testing.T, ns, name string) {
	t.Helper()
	eventually(t, 20*time.Second, func() error {
		var s billingv1alpha1.Subscription
		err := getErr(ns, name, &s)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("still there, finalizers %v", s.Finalizers)
	})
}

// subEvents returns the Events of a reason about a Subscription.
func subEvents(t *testing.T, ns, name, reason string) []eventsv1.Event {
	t.Helper()
	return eventsAbout(t, ns, "Subscription", name, reason)
}

// eventsAbout returns the Events of a reason about one object.
func eventsAbout(t *testing.T, ns, kind, name, reason string) []eventsv1.Event {
	t.Helper()
	var list eventsv1.EventList
	if err := h.env.Client.List(ctx(), &list, client.InNamespace(ns)); err != nil {
		t.Fatalf("list events: %v", err)
	}
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Regarding.Kind == kind && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// TestDeleteUnsubscribesOnlyWhenConfirmed: deleting a Subscription with
// deletionPolicy Unsubscribe waits, with a condition and no BSS write, until
// the confirm annotation repeats the resource ID; then it unsubscribes once
// (6.3.3), records the refund (6.2.6) in an Event and lets the object go.
func TestDeleteUnsubscribesOnlyWhenConfirmed(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id, sub := unsubscribing(t, ns, a, billingv1alpha1.ManagementManage)
	cashBefore := simCash(t, a)

	if err := h.env.Client.Delete(ctx(), sub); err != nil {
		t.Fatal(err)
	}
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, billingv1alpha1.ReasonUnsubscribeUnconfirmed)
	})
	// A confirmation naming another resource is no confirmation; the pass
	// it causes is proven by the condition staying, and writes nothing.
	annotate(t, ns, "vm", billingv1alpha1.AnnotationConfirmUnsubscribe, "some-other-id")
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Annotations[billingv1alpha1.AnnotationConfirmUnsubscribe] != "some-other-id" {
			return fmt.Errorf("annotation not seen yet")
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, billingv1alpha1.ReasonUnsubscribeUnconfirmed)
	})
	if n := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpUnsubscribe]; n != 0 {
		t.Fatalf("%d unsubscribe calls before confirmation", n)
	}

	annotate(t, ns, "vm", billingv1alpha1.AnnotationConfirmUnsubscribe, id)
	waitGone(t, ns, "vm")
	if n := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpUnsubscribe]; n != 1 {
		t.Fatalf("%d unsubscribe calls, want 1", n)
	}
	if res := simResource(t, id); !res.Closed || res.ClosedReason != "unsubscribed" {
		t.Errorf("resource closed %v (%q) after unsubscribing, want closed as unsubscribed", res.Closed, res.ClosedReason)
	}
	refunded := simCash(t, a).Sub(cashBefore)
	if !refunded.IsPositive() {
		t.Fatalf("cash moved by %s, want a refund", refunded)
	}
	evs := subEvents(t, ns, "vm", billingv1alpha1.ReasonUnsubscribed)
	if len(evs) != 1 {
		t.Fatalf("%d Unsubscribed events, want 1", len(evs))
	}
	if want := "refund " + refunded.StringFixed(2) + " USD"; !strings.Contains(evs[0].Note, want) {
		t.Errorf("event %q does not carry the refund %q", evs[0].Note, want)
	}
}

// TestDeleteUnsubscribeLostResponse: an unsubscribe whose answer is lost
// is looked up, not sent again.
func TestDeleteUnsubscribeLostResponse(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id, sub := unsubscribing(t, ns, a, billingv1alpha1.ManagementManage)
	h.sim.SetFault(simulator.OpUnsubscribe, simulator.Fault{DropNext: 1, Resource: id})
	t.Cleanup(func() { h.sim.SetFault(simulator.OpUnsubscribe, simulator.Fault{}) })
	annotate(t, ns, "vm", billingv1alpha1.AnnotationConfirmUnsubscribe, id)
	if err := h.env.Client.Delete(ctx(), sub); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() error {
		if n := h.sim.AccountCounters(a.DomainID).Dropped[simulator.OpUnsubscribe]; n != 1 {
			return fmt.Errorf("%d dropped answers", n)
		}
		return nil
	})
	h.advance(2 * time.Minute) // the look-again delay
	waitGone(t, ns, "vm")
	if n := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpUnsubscribe]; n != 1 {
		t.Fatalf("%d unsubscribe calls after a lost answer, want 1", n)
	}
}

// TestDeleteObservedWaits: an Observe Subscription never unsubscribes,
// even when confirmed; deletion waits until a person picks Manage or
// Orphan. Orphan lets it go without any write.
func TestDeleteObservedWaits(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id, sub := unsubscribing(t, ns, a, billingv1alpha1.ManagementObserve)
	annotate(t, ns, "vm", billingv1alpha1.AnnotationConfirmUnsubscribe, id)
	if err := h.env.Client.Delete(ctx(), sub); err != nil {
		t.Fatal(err)
	}
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, billingv1alpha1.ReasonObserving)
	})
	var cur billingv1alpha1.Subscription
	get(t, ns, "vm", &cur)
	patch := client.MergeFrom(cur.DeepCopy())
	cur.Spec.DeletionPolicy = billingv1alpha1.DeletionOrphan
	if err := h.env.Client.Patch(ctx(), &cur, patch); err != nil {
		t.Fatal(err)
	}
	waitGone(t, ns, "vm")
	if n := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpUnsubscribe]; n != 0 {
		t.Fatalf("%d unsubscribe calls for an observed or orphaned Subscription", n)
	}
	if simResource(t, id).Closed {
		t.Error("the resource was closed")
	}
}

// simCash is the account's cash balance in the simulator.
func simCash(t *testing.T, a account) decimal.Decimal {
	t.Helper()
	acct, ok := h.sim.Account(a.DomainID)
	if !ok {
		t.Fatalf("simulator has no account %s", a.DomainID)
	}
	return acct.Cash
}
