package controller_test

import (
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// TestUnknownRenewOutcomeStallsUntilAcknowledged (issue 16, path 2): every
// renew call of an attempt answers with a server error after which nobody
// knows whether BSS applied it, until the attempt hits its bound on renew
// calls and fails. The Subscription must not start a new attempt on its
// own: it stalls with the evidence. After a person acknowledges the
// attempt by name, the next attempt searches BSS for orders before it
// orders, and renews once.
func TestUnknownRenewOutcomeStallsUntilAcknowledged(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	// 500 on a write: the outcome is unknown (bss.ClassAmbiguous).
	h.sim.SetFault(simulator.OpRenew, simulator.Fault{ErrorRate: 1, ErrorStatus: 500})
	t.Cleanup(h.sim.ClearFaults)
	mustCreate(t, renewPolicy(ns, "monthly"))
	mustCreate(t, subscription(ns, "vm", id, "monthly", billingv1alpha1.ManagementManage))

	var rr billingv1alpha1.RenewalRequest
	eventually(t, 60*time.Second, func() error {
		// Business time moves on, so that waits between calls pass.
		h.advance(15 * time.Second)
		if err := getErr(ns, "vm-r1", &rr); err != nil {
			return err
		}
		if rr.Status.Phase != billingv1alpha1.RenewalPhaseFailed {
			return fmt.Errorf("vm-r1 is %s (%s)", rr.Status.Phase, rr.Status.Message)
		}
		return nil
	})
	if rr.Status.RenewCalls == 0 || len(rr.Status.OrderIDs) != 0 {
		t.Fatalf("vm-r1: renewCalls %d orders %v, want calls and no order", rr.Status.RenewCalls, rr.Status.OrderIDs)
	}

	sub := waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if err := wantCondition(s.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, billingv1alpha1.ReasonRenewalOutcomeUnknown); err != nil {
			return err
		}
		if err := wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionFalse, billingv1alpha1.ReasonRenewalOutcomeUnknown); err != nil {
			return err
		}
		u := s.Status.UnknownRenewalOutcome
		if u == nil || u.LookupTime == nil {
			return fmt.Errorf("unknownRenewalOutcome %+v, want the evidence with a completed search", u)
		}
		return nil
	})
	u := sub.Status.UnknownRenewalOutcome
	if u.RequestName != "vm-r1" || u.RenewCalls != rr.Status.RenewCalls || u.OrderIntentTime == nil || u.EndTime == nil ||
		u.BaselineExpireTime == nil || !u.BaselineExpireTime.Equal(&rr.Spec.BaselineExpireTime) ||
		len(u.FoundOrderIDs) != 0 || u.LookupResult == "" || u.AcknowledgedTime != nil {
		t.Fatalf("evidence %+v", u)
	}

	// Well past any backoff, and with a renew-now request: still no new
	// attempt, and no order.
	h.sim.ClearFaults()
	h.advance(2 * time.Hour)
	annotate(t, ns, "vm", billingv1alpha1.AnnotationRenewNow, "now")
	// An acknowledgement of another attempt acknowledges nothing.
	annotate(t, ns, "vm", billingv1alpha1.AnnotationAcknowledgeUnknownOutcome, "vm-r0")
	passed(t, ns, "vm")
	var next billingv1alpha1.RenewalRequest
	if err := getErr(ns, "vm-r2", &next); !apierrors.IsNotFound(err) {
		t.Fatalf("a new attempt started while the outcome of vm-r1 is unknown: %v (phase %s)", err, next.Status.Phase)
	}
	if n := len(renewalOrders(a)); n != 0 {
		t.Fatalf("%d renewal orders, want none", n)
	}
	waitSub(t, ns, "vm", 10*time.Second, func(s *billingv1alpha1.Subscription) error {
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, billingv1alpha1.ReasonRenewalOutcomeUnknown)
	})

	// A person checked the console and acknowledges vm-r1.
	lists := h.sim.AccountCounters(a.DomainID).Total(simulator.OpListOrders)
	annotate(t, ns, "vm", billingv1alpha1.AnnotationAcknowledgeUnknownOutcome, "vm-r1")
	done := waitRequest(t, ns, "vm-r2", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	if !done.Spec.LookupFirst {
		t.Fatal("vm-r2 was started without spec.lookupFirst")
	}
	if n := h.sim.AccountCounters(a.DomainID).Total(simulator.OpListOrders) - lists; n == 0 {
		t.Fatal("vm-r2 ordered without searching BSS for orders first")
	}
	if n := len(renewalOrders(a)); n != 1 {
		t.Fatalf("%d renewal orders, want exactly 1", n)
	}
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Status.UnknownRenewalOutcome != nil {
			return fmt.Errorf("unknownRenewalOutcome still set after a renewal succeeded: %+v", s.Status.UnknownRenewalOutcome)
		}
		if c := condition(s.Status.Conditions, billingv1alpha1.ConditionStalled); c != nil {
			return fmt.Errorf("still stalled: %s", describeConditions(s.Status.Conditions))
		}
		return nil
	})
}
