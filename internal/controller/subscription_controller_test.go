package controller_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

const day = 24 * time.Hour

// TestRenewWithAutoPay is the happy path: a managed subscription due for
// renewal is quoted, renewed once with auto-pay, and its new expiry shows.
func TestRenewWithAutoPay(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day, attached: 1})
	before := simResource(t, id).ExpireTime
	mustCreate(t, renewPolicy(ns, "monthly"))
	listsBefore := h.sim.AccountCounters(a.DomainID).Total(simulator.OpListOrders)
	mustCreate(t, subscription(ns, "web", id, "monthly", billingv1alpha1.ManagementManage))

	rr := waitRequest(t, ns, "web-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	// The process that recorded the intent knows no order exists yet: the
	// normal path never searches the order list (that is O(orders) calls).
	// It reads its own order once, by ID, before paying it: 6.2.1 alone
	// says whether a partner pays it (agent_pay_info).
	if n := h.sim.AccountCounters(a.DomainID).Total(simulator.OpListOrders) - listsBefore; n != 1 {
		t.Fatalf("%d order-list calls on the normal path, want the one by order ID before paying", n)
	}
	if len(rr.Status.OrderIDs) != 1 || amt(rr.Status.AmountPaid) == "" || rr.Status.ApprovalState != billingv1alpha1.ApprovalStateAutoApproved {
		t.Fatalf("request status: %+v", rr.Status)
	}
	after := simResource(t, id).ExpireTime
	if !after.After(before) || !rr.Status.NewExpireTime.Time.Equal(after) {
		t.Fatalf("expiry %v -> %v, request says %v", before, after, rr.Status.NewExpireTime)
	}
	sub := waitSub(t, ns, "web", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Status.LastRenewal == nil || s.Status.ActiveRequest != "" {
			return fmt.Errorf("no recorded renewal yet: %+v", s.Status.LastRenewal)
		}
		if s.Status.ExpireTime == nil || !s.Status.ExpireTime.Time.Equal(after) {
			return fmt.Errorf("status expireTime %v, want %s", s.Status.ExpireTime, after.UTC().Format(time.RFC3339))
		}
		if err := wantCondition(s.Status.Conditions, billingv1alpha1.ConditionRenewing, metav1.ConditionFalse, billingv1alpha1.ReasonUpToDate); err != nil {
			return err
		}
		// With the renewal done, its gate conditions are gone, and so are
		// Reconciling and Stalled, which are only present while True.
		if err := wantConditionTypes(s.Status.Conditions, billingv1alpha1.ConditionReady, billingv1alpha1.ConditionRenewing,
			billingv1alpha1.ConditionExpiringSoon, billingv1alpha1.ConditionExpired, billingv1alpha1.ConditionDriftDetected); err != nil {
			return err
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, "")
	})
	if len(sub.Status.OrderHistory) != 1 || sub.Status.OrderHistory[0].OrderID != rr.Status.OrderIDs[0] {
		t.Fatalf("order history %+v", sub.Status.OrderHistory)
	}
	if len(sub.Status.Resource.Attached) != 1 {
		t.Fatalf("attached resources %+v", sub.Status.Resource.Attached)
	}
	passed(t, ns, "web")
	// Nothing more happens until the next renewal time: one order only.
	consistently(t, 2*time.Second, func() error {
		if n := len(renewalOrders(a)); n != 1 {
			return fmt.Errorf("%d renewal orders, want 1", n)
		}
		return nil
	})
}

// TestObserveMakesNoWrites shows that Observe quotes and reports what it
// would do, and makes no write call at all, even with drift and a due renewal.
func TestObserveMakesNoWrites(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	due := h.newResource(t, a, resourceOpts{expiresIn: 3 * day})
	auto := h.newResource(t, a, resourceOpts{expiresIn: 60 * day, autoRenew: true})
	mustCreate(t, renewPolicy(ns, "monthly"))
	mustCreate(t, modePolicy(ns, "payg", billingv1alpha1.RenewalModePayPerUse))
	mustCreate(t, subscription(ns, "due", due, "monthly", billingv1alpha1.ManagementObserve))
	mustCreate(t, subscription(ns, "auto", auto, "payg", billingv1alpha1.ManagementObserve))

	waitSub(t, ns, "due", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Status.LastQuote == nil || !strings.HasPrefix(s.Status.PlannedAction, "would renew 1 Month") {
			return fmt.Errorf("plannedAction %q quote %+v", s.Status.PlannedAction, s.Status.LastQuote)
		}
		if !strings.Contains(s.Status.PlannedAction, s.Status.LastQuote.Price.Amount+" USD") {
			return fmt.Errorf("plannedAction %q does not show the price", s.Status.PlannedAction)
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, billingv1alpha1.ReasonObserving)
	})
	waitSub(t, ns, "auto", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionDriftDetected, metav1.ConditionTrue, billingv1alpha1.ReasonDrift)
	})
	passed(t, ns, "due")
	passed(t, ns, "auto")
	consistently(t, 2*time.Second, func() error {
		for op, n := range h.sim.AccountCounters(a.DomainID).Writes {
			if n != 0 {
				return fmt.Errorf("%d %s writes in Observe mode", n, op)
			}
		}
		return nil
	})
	var list billingv1alpha1.RenewalRequestList
	if err := h.env.Client.List(ctx(), &list, client.InNamespace(ns)); err != nil || len(list.Items) != 0 {
		t.Fatalf("RenewalRequests in Observe mode: %d (%v)", len(list.Items), err)
	}
}

// TestCloudAutoRenewBlocksExplicitRenewal: while the cloud's auto-renew is
// on, the operator never renews explicitly; it turns auto-renew off first.
func TestCloudAutoRenewBlocksExplicitRenewal(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day, autoRenew: true})
	// BSS refuses to turn auto-renew off, so it stays on.
	h.sim.SetFault(simulator.OpDisableAuto, simulator.Fault{ErrorRate: 1, ErrorStatus: 400, ErrorCode: "CBC.99003651"})
	t.Cleanup(h.sim.ClearFaults)
	mustCreate(t, renewPolicy(ns, "monthly"))
	mustCreate(t, subscription(ns, "web", id, "monthly", billingv1alpha1.ManagementManage))

	waitSub(t, ns, "web", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if !strings.HasPrefix(s.Status.PlannedAction, "none while the cloud's auto-renew is on") {
			return fmt.Errorf("plannedAction %q", s.Status.PlannedAction)
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionDriftDetected, metav1.ConditionTrue, billingv1alpha1.ReasonDrift)
	})
	passed(t, ns, "web")
	consistently(t, 2*time.Second, func() error {
		if n := len(renewalOrders(a)); n != 0 {
			return fmt.Errorf("%d renewal orders while auto-renew is on", n)
		}
		return nil
	})

	// Once BSS lets auto-renew be turned off, the explicit renewal follows.
	h.sim.ClearFaults()
	h.advance(6 * time.Minute) // past the correction cooldown
	waitRequest(t, ns, "web-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	if p := simResource(t, id).ExpirePolicy; p == 3 {
		t.Fatalf("auto-renew still on after the explicit renewal")
	}
}

// TestPriceAboveMaxWaitsForApproval: a quote above maxPrice waits for a
// person; approval renews.
func TestPriceAboveMaxWaitsForApproval(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day, monthly: "300.00"})
	mustCreate(t, renewPolicy(ns, "capped", func(r *billingv1alpha1.RenewSpec) {
		r.MaxPrice = &billingv1alpha1.Money{Amount: "100.00", Currency: "USD"}
	}))
	mustCreate(t, subscription(ns, "db", id, "capped", billingv1alpha1.ManagementManage))

	rr := waitRequest(t, ns, "db-r1", 30*time.Second, billingv1alpha1.RenewalPhaseAwaitingApproval)
	if err := wantCondition(rr.Status.Conditions, billingv1alpha1.ConditionApprovalRequired, metav1.ConditionTrue, billingv1alpha1.ReasonPriceAboveMax); err != nil {
		t.Fatal(err)
	}
	waitSub(t, ns, "db", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionApprovalRequired, metav1.ConditionTrue, billingv1alpha1.ReasonPriceAboveMax)
	})
	passed(t, ns, "db")
	requestPassed(t, ns, "db-r1")
	if n := len(renewalOrders(a)); n != 0 {
		t.Fatalf("%d orders before approval", n)
	}

	get(t, ns, "db-r1", rr)
	patch := client.MergeFrom(rr.DeepCopy())
	rr.Spec.Approval = &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice", Reason: "database must not lapse"}
	if err := h.env.Client.Patch(ctx(), rr, patch); err != nil {
		t.Fatal(err)
	}
	done := waitRequest(t, ns, "db-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	if done.Status.ApprovalState != "Approved" || len(renewalOrders(a)) != 1 {
		t.Fatalf("approval state %q, %d orders", done.Status.ApprovalState, len(renewalOrders(a)))
	}
}

// TestDeniedRenewalIsNotRetried: a denial ends the attempt; no order.
func TestDeniedRenewalIsNotRetried(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	mustCreate(t, renewPolicy(ns, "always", func(r *billingv1alpha1.RenewSpec) {
		r.Approval = billingv1alpha1.ApprovalSpec{Policy: billingv1alpha1.ApprovalAlways}
	}))
	mustCreate(t, subscription(ns, "vm", id, "always", billingv1alpha1.ManagementManage))
	rr := waitRequest(t, ns, "vm-r1", 30*time.Second, billingv1alpha1.RenewalPhaseAwaitingApproval)
	patch := client.MergeFrom(rr.DeepCopy())
	rr.Spec.Approval = &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionDeny, Approver: "bob"}
	if err := h.env.Client.Patch(ctx(), rr, patch); err != nil {
		t.Fatal(err)
	}
	waitRequest(t, ns, "vm-r1", 20*time.Second, billingv1alpha1.RenewalPhaseDenied)
	passed(t, ns, "vm")
	consistently(t, 2*time.Second, func() error {
		var next billingv1alpha1.RenewalRequest
		if err := getErr(ns, "vm-r2", &next); err == nil {
			return fmt.Errorf("a new attempt was started after the denial")
		}
		if n := len(renewalOrders(a)); n != 0 {
			return fmt.Errorf("%d orders after a denial", n)
		}
		return nil
	})
}

// TestPayPendingOrder: with payment method Pay the order is created unpaid
// (pending payment), then paid by the operator and completed.
func TestPayPendingOrder(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	mustCreate(t, renewPolicy(ns, "pay", func(r *billingv1alpha1.RenewSpec) {
		r.Payment = billingv1alpha1.PaymentSpec{Method: billingv1alpha1.PaymentMethodPay}
	}))
	mustCreate(t, subscription(ns, "vm", id, "pay", billingv1alpha1.ManagementManage))
	rr := waitRequest(t, ns, "vm-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	orders := renewalOrders(a)
	if len(orders) != 1 || orders[0].Status != 5 || orders[0].UserName == "Operation system" {
		t.Fatalf("orders %+v", orders)
	}
	if rr.Status.OrderStatus != "Completed" || amt(rr.Status.AmountPaid) != orders[0].AfterDiscount.StringFixed(2) {
		t.Fatalf("request: status %q paid %q; order after discount %s", rr.Status.OrderStatus, amt(rr.Status.AmountPaid), orders[0].AfterDiscount)
	}
}

// TestManualPaymentIsCancelledAtDeadline: with payment method Manual the
// order waits for a person (PaymentPending) and is cancelled unpaid at the
// policy deadline.
func TestManualPaymentIsCancelledAtDeadline(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 10 * day})
	mustCreate(t, renewPolicy(ns, "manual", func(r *billingv1alpha1.RenewSpec) {
		r.Payment = billingv1alpha1.PaymentSpec{Method: billingv1alpha1.PaymentMethodManual,
			CancelUnpaidAfter: &metav1.Duration{Duration: 24 * time.Hour}}
	}))
	mustCreate(t, subscription(ns, "vm", id, "manual", billingv1alpha1.ManagementManage))
	waitRequest(t, ns, "vm-r1", 30*time.Second, billingv1alpha1.RenewalPhasePaymentPending)
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if err := wantCondition(s.Status.Conditions, billingv1alpha1.ConditionRenewing, metav1.ConditionTrue, billingv1alpha1.ReasonRenewing); err != nil {
			return err
		}
		if err := wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReconciling, metav1.ConditionTrue, ""); err != nil {
			return err
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionPaymentPending, metav1.ConditionTrue, billingv1alpha1.ReasonAwaitingPayment)
	})
	if o := renewalOrders(a); len(o) != 1 || o[0].Status != 6 {
		t.Fatalf("orders %+v, want one pending", o)
	}
	h.advance(25 * time.Hour)
	waitRequest(t, ns, "vm-r1", 30*time.Second, billingv1alpha1.RenewalPhaseCancelled)
	if o := renewalOrders(a); o[0].Status != 4 {
		t.Fatalf("order status %d, want 4 (cancelled)", o[0].Status)
	}
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Status.FailureCount != 1 || s.Status.NextAttemptTime == nil {
			return fmt.Errorf("failureCount %d nextAttempt %v", s.Status.FailureCount, s.Status.NextAttemptTime)
		}
		// The cancelled request no longer gates anything.
		if c := condition(s.Status.Conditions, billingv1alpha1.ConditionPaymentPending); c != nil {
			return fmt.Errorf("PaymentPending still present after the request ended: %s", describeConditions(s.Status.Conditions))
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionRenewing, metav1.ConditionFalse, billingv1alpha1.ReasonUpToDate)
	})
}

// TestDroppedRenewResponseGivesOneOrder: BSS applies the renew call but the
// response is lost; the operator finds the order instead of ordering again.
func TestDroppedRenewResponseGivesOneOrder(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	h.sim.SetFault(simulator.OpRenew, simulator.Fault{DropNext: 1})
	t.Cleanup(h.sim.ClearFaults)
	mustCreate(t, renewPolicy(ns, "monthly"))
	mustCreate(t, subscription(ns, "vm", id, "monthly", billingv1alpha1.ManagementManage))
	// The answer is lost: the order is looked up once the quiet time after
	// the call has passed (TestNextLeaderWaitsOutRenewCall), not before.
	eventually(t, 30*time.Second, func() error {
		var rr billingv1alpha1.RenewalRequest
		if err := getErr(ns, "vm-r1", &rr); err != nil {
			return err
		}
		if c := condition(rr.Status.Conditions, billingv1alpha1.ConditionReconciling); c == nil || c.Reason != billingv1alpha1.ReasonRenewCallSettling {
			return fmt.Errorf("phase %s (%s), want waiting for the renew call to settle", rr.Status.Phase, rr.Status.Message)
		}
		return nil
	})
	if n := len(renewalOrders(a)); n != 1 {
		t.Fatalf("%d renewal orders after a dropped response, want exactly 1", n)
	}
	h.advance(time.Minute)
	rr := waitRequest(t, ns, "vm-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	if n := len(renewalOrders(a)); n != 1 {
		t.Fatalf("%d renewal orders after a dropped response, want exactly 1", n)
	}
	if rr.Status.RenewCalls != 1 || len(rr.Status.OrderIDs) != 1 {
		t.Fatalf("renewCalls %d orders %v", rr.Status.RenewCalls, rr.Status.OrderIDs)
	}
	if h.sim.AccountCounters(a.DomainID).Dropped[simulator.OpRenew] != 1 {
		t.Fatalf("the fault did not fire: %+v", h.sim.AccountCounters(a.DomainID).Dropped)
	}
}

// TestConsoleDriftIsCorrected: auto-renew switched off in the console is
// turned back on under Manage, and reported.
func TestConsoleDriftIsCorrected(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 60 * day, autoRenew: true})
	mustCreate(t, modePolicy(ns, "auto", billingv1alpha1.RenewalModeAutoRenew))
	mustCreate(t, subscription(ns, "vm", id, "auto", billingv1alpha1.ManagementManage))
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, billingv1alpha1.ReasonAutoRenewOn)
	})
	writes := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpEnableAuto]

	// Someone turns auto-renew off in the console.
	if err := bssClient(t, a).DisableAutoRenew(ctx(), id); err != nil {
		t.Fatal(err)
	}
	if simResource(t, id).ExpirePolicy == 3 {
		t.Fatal("console change did not apply")
	}
	h.advance(2 * time.Minute) // the next inventory refresh reads it back
	eventually(t, 30*time.Second, func() error {
		if p := simResource(t, id).ExpirePolicy; p != 3 {
			return fmt.Errorf("expire_policy %d, want 3 again", p)
		}
		return nil
	})
	if got := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpEnableAuto] - writes; got != 1 {
		t.Fatalf("%d enable-auto-renew calls to correct one drift, want 1", got)
	}
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		c := billingv1alpha1.ConditionDriftDetected
		return wantCondition(s.Status.Conditions, c, metav1.ConditionFalse, billingv1alpha1.ReasonNoDrift)
	})
}

// TestAttachedResourceIsRefused: an attached resource's ID is resolved to
// its primary and refused for renewal with a clear condition.
func TestAttachedResourceIsRefused(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day, attached: 1})
	disk := id + "-evs-0"
	mustCreate(t, renewPolicy(ns, "monthly"))
	mustCreate(t, subscription(ns, "disk", disk, "monthly", billingv1alpha1.ManagementManage))
	sub := waitSub(t, ns, "disk", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, billingv1alpha1.ReasonAttachedResource)
	})
	if sub.Status.Resource == nil || sub.Status.Resource.PrimaryResourceID != id {
		t.Fatalf("primary not shown: %+v", sub.Status.Resource)
	}
	if c := condition(sub.Status.Conditions, billingv1alpha1.ConditionStalled); !strings.Contains(c.Message, "set spec.resourceID to "+id) {
		t.Fatalf("message does not say what to do: %q", c.Message)
	}
	if err := wantCondition(sub.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionFalse, billingv1alpha1.ReasonAttachedResource); err != nil {
		t.Fatal(err)
	}
	passed(t, ns, "disk")
	consistently(t, time.Second, func() error {
		if n := len(renewalOrders(a)); n != 0 {
			return fmt.Errorf("%d orders for an attached resource", n)
		}
		return nil
	})
}

// TestExpiredLapseResourceIsLapsed: ExpiringSoon warns before expiry; once
// expired under a Lapse policy, Expired is True and Ready is True with
// reason Lapsed: the operator did what the policy said, so kstatus reads
// it Current instead of InProgress forever (issue 16, path 12).
func TestExpiredLapseResourceIsLapsed(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 2 * day})
	mustCreate(t, modePolicy(ns, "lapse", billingv1alpha1.RenewalModeLapse))
	mustCreate(t, subscription(ns, "old", id, "lapse", billingv1alpha1.ManagementManage))
	waitSub(t, ns, "old", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if err := wantCondition(s.Status.Conditions, billingv1alpha1.ConditionExpiringSoon, metav1.ConditionTrue, billingv1alpha1.ReasonExpiringSoon); err != nil {
			return err
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, billingv1alpha1.ReasonLapsing)
	})
	h.advance(3 * day)
	waitSub(t, ns, "old", 30*time.Second, func(s *billingv1alpha1.Subscription) error {
		if err := wantCondition(s.Status.Conditions, billingv1alpha1.ConditionExpired, metav1.ConditionTrue, billingv1alpha1.ReasonExpired); err != nil {
			return err
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, billingv1alpha1.ReasonLapsed)
	})
}

// TestPolicyChangeStopsWaitingRenewal: a renewal waiting for approval does
// not order after the policy switches to AutoRenew, even if approved later.
func TestPolicyChangeStopsWaitingRenewal(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	pol := renewPolicy(ns, "pol", func(r *billingv1alpha1.RenewSpec) {
		r.Approval = billingv1alpha1.ApprovalSpec{Policy: billingv1alpha1.ApprovalAlways}
	})
	mustCreate(t, pol)
	mustCreate(t, subscription(ns, "vm", id, "pol", billingv1alpha1.ManagementManage))
	rr := waitRequest(t, ns, "vm-r1", 30*time.Second, billingv1alpha1.RenewalPhaseAwaitingApproval)

	get(t, ns, "pol", pol)
	patch := client.MergeFrom(pol.DeepCopy())
	pol.Spec.Mode, pol.Spec.Renew = billingv1alpha1.RenewalModeAutoRenew, nil
	if err := h.env.Client.Patch(ctx(), pol, patch); err != nil {
		t.Fatal(err)
	}
	get(t, ns, "vm-r1", rr)
	rpatch := client.MergeFrom(rr.DeepCopy())
	rr.Spec.Approval = &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "late"}
	if err := h.env.Client.Patch(ctx(), rr, rpatch); err != nil {
		t.Fatal(err)
	}
	waitRequest(t, ns, "vm-r1", 30*time.Second, billingv1alpha1.RenewalPhaseFailed)
	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Status.ActiveRequest != "" {
			return fmt.Errorf("still following %s", s.Status.ActiveRequest)
		}
		if p := simResource(t, id).ExpirePolicy; p != 3 {
			return fmt.Errorf("expire_policy %d, want 3 (auto-renew on)", p)
		}
		return nil
	})
	if n := len(renewalOrders(a)); n != 0 {
		t.Fatalf("%d renewal orders after the policy changed, want 0", n)
	}
}

// TestAutoRenewSettingsApplied: a policy's autoRenew settings are sent
// with 6.3.4 when the operator switches auto-renew on, and applied once
// to a resource a person switched on in the console (whose settings BSS
// does not report); Observe only reports the difference.
func TestAutoRenewSettingsApplied(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	off := h.newResource(t, a, resourceOpts{expiresIn: 60 * day})
	on := h.newResource(t, a, resourceOpts{expiresIn: 60 * day, autoRenew: true})
	observed := h.newResource(t, a, resourceOpts{expiresIn: 60 * day, autoRenew: true})
	two := int32(2)
	pol := modePolicy(ns, "auto", billingv1alpha1.RenewalModeAutoRenew)
	pol.Spec.AutoRenew = &billingv1alpha1.AutoRenewSpec{Times: &two, PeriodUnit: billingv1alpha1.PeriodUnitYear}
	mustCreate(t, pol)
	mustCreate(t, subscription(ns, "off", off, "auto", billingv1alpha1.ManagementManage))
	mustCreate(t, subscription(ns, "on", on, "auto", billingv1alpha1.ManagementManage))
	mustCreate(t, subscription(ns, "observed", observed, "auto", billingv1alpha1.ManagementObserve))

	for _, name := range []string{"off", "on"} {
		waitSub(t, ns, name, 30*time.Second, func(s *billingv1alpha1.Subscription) error {
			if a := s.Status.AutoRenewSettings; a == nil || a.Times == nil || *a.Times != 2 || a.PeriodUnit != billingv1alpha1.PeriodUnitYear {
				return fmt.Errorf("autoRenewSettings %+v", a)
			}
			return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionDriftDetected, metav1.ConditionFalse, billingv1alpha1.ReasonNoDrift)
		})
	}
	for _, id := range []string{off, on} {
		if r := simResource(t, id); !r.AutoRenew || r.AutoRenewTimes != 2 || r.AutoRenewPeriodType != 3 {
			t.Errorf("%s in BSS: auto-renew %v, times %d, period type %d; want on, 2, yearly (3)", id, r.AutoRenew, r.AutoRenewTimes, r.AutoRenewPeriodType)
		}
	}
	waitSub(t, ns, "observed", 30*time.Second, func(s *billingv1alpha1.Subscription) error {
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionDriftDetected, metav1.ConditionTrue, billingv1alpha1.ReasonAutoRenewSettingsDrift)
	})
	if r := simResource(t, observed); r.AutoRenewTimes != 0 {
		t.Errorf("Observe changed the settings of %s: times %d", observed, r.AutoRenewTimes)
	}
	// Settled: more passes make no more 6.3.4 calls.
	writes := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpEnableAuto]
	passed(t, ns, "on")
	passed(t, ns, "off")
	if n := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpEnableAuto] - writes; n != 0 {
		t.Errorf("%d more 6.3.4 calls once the settings were applied", n)
	}
	if n := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpEnableAuto]; n != 2 {
		t.Errorf("%d 6.3.4 calls in all, want 2 (one per managed resource)", n)
	}
}
