package renewal

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// want is what a transition test checks: the next phase ("" stays), the
// reason, the action, the wake-up (zero: none) and a part of the message
// ("" checks none).
type want struct {
	phase  billingv1alpha1.RenewalPhase
	reason Reason
	action Action
	wake   time.Time
	msg    string
	stale  bool
	warn   Reason
}

func (w want) check(t *testing.T, got Transition) {
	t.Helper()
	if got.Phase != w.phase || got.Reason != w.reason || got.Action != w.action || !got.WakeAt.Equal(w.wake) || got.Stale != w.stale || got.Warn != w.warn {
		t.Fatalf("got phase %q reason %q action %d wake %s stale %v warn %q (%q);\nwant phase %q reason %q action %d wake %s stale %v warn %q",
			got.Phase, got.Reason, got.Action, got.WakeAt, got.Stale, got.Warn, got.Message, w.phase, w.reason, w.action, w.wake, w.stale, w.warn)
	}
	if !strings.Contains(got.Message, w.msg) {
		t.Fatalf("message %q does not contain %q", got.Message, w.msg)
	}
	if got.Ends() && got.Action != ActionNone {
		t.Fatalf("an ending transition asks for I/O (%d)", got.Action)
	}
}

// request is a RenewalRequest of revision 2 controlled by subscription(),
// with its baseline a week after now.
func request(phase billingv1alpha1.RenewalPhase) *billingv1alpha1.RenewalRequest {
	return &billingv1alpha1.RenewalRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "db-r2", Namespace: "team", Generation: 1, OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "billing.bss-operator.io/v1alpha1", Kind: "Subscription", Name: "db", UID: "sub-uid", Controller: ptr.To(true)}}},
		Spec: billingv1alpha1.RenewalRequestSpec{SubscriptionName: "db", ResourceID: "res-1", Revision: 2, Period: month,
			BaselineExpireTime: metav1.Time{Time: now.Add(7 * 24 * time.Hour)},
			Payment:            billingv1alpha1.PaymentSpec{Method: billingv1alpha1.PaymentMethodPay}},
		Status: billingv1alpha1.RenewalRequestStatus{Phase: phase},
	}
}

// subscription is a managed Subscription at revision 1 that controls request().
func subscription() *billingv1alpha1.Subscription {
	return &billingv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "team", UID: "sub-uid"},
		Spec:       billingv1alpha1.SubscriptionSpec{ManagementPolicy: billingv1alpha1.ManagementManage},
		Status:     billingv1alpha1.SubscriptionStatus{RenewalRevision: 1},
	}
}

// ordered marks the request as having recorded its intent at intent.
func ordered(rr *billingv1alpha1.RenewalRequest, intent time.Time) *billingv1alpha1.RenewalRequest {
	rr.Status.OrderIntentTime = &metav1.Time{Time: intent}
	return rr
}

func at(t time.Time) *metav1.Time { return &metav1.Time{Time: t} }

// TestAdmitTransitions: what every phase checks before its own step. A
// copy older than this process's write is left alone; a backoff is waited
// out; an unusable account waits; before the intent, a Subscription that
// no longer asks for the attempt ends it; otherwise each phase goes to its
// step.
func TestAdmitTransitions(t *testing.T) {
	renew := &Dependencies{Subscription: subscription(), Policy: Policy{Name: "p", Mode: billingv1alpha1.RenewalModeRenew}}
	with := func(f func(d *Dependencies)) *Dependencies {
		d := &Dependencies{Subscription: subscription(), Policy: renew.Policy}
		f(d)
		return d
	}
	tests := []struct {
		name  string
		rr    *billingv1alpha1.RenewalRequest
		knows bool
		ended bool
		read  *Dependencies
		want  want
	}{
		{name: "new request: read first, as Pending", rr: request(""), want: want{phase: billingv1alpha1.RenewalPhasePending, action: ActionRead}},
		{name: "copy without the intent this process recorded: stale", rr: request(billingv1alpha1.RenewalPhaseApproved), knows: true,
			want: want{phase: billingv1alpha1.RenewalPhaseApproved, stale: true}},
		{name: "copy with the intent: not stale", rr: ordered(request(billingv1alpha1.RenewalPhaseOrdering), now), knows: true,
			want: want{phase: billingv1alpha1.RenewalPhaseOrdering, action: ActionRead}},
		{name: "copy under way of an attempt this process ended: stale", rr: ordered(request(billingv1alpha1.RenewalPhaseOrdering), now), ended: true,
			want: want{phase: billingv1alpha1.RenewalPhaseOrdering, stale: true}},
		{name: "backoff running: waits until it ends", rr: func() *billingv1alpha1.RenewalRequest {
			rr := request(billingv1alpha1.RenewalPhasePending)
			rr.Status.NextAttemptTime = at(now.Add(time.Minute))
			return rr
		}(), want: want{phase: billingv1alpha1.RenewalPhasePending, wake: now.Add(time.Minute)}},
		{name: "backoff over: goes on", rr: func() *billingv1alpha1.RenewalRequest {
			rr := request(billingv1alpha1.RenewalPhasePending)
			rr.Status.NextAttemptTime = at(now)
			return rr
		}(), want: want{phase: billingv1alpha1.RenewalPhasePending, action: ActionRead}},
		{name: "account unusable: holds", rr: request(billingv1alpha1.RenewalPhasePending), read: &Dependencies{AccountProblem: "credentials missing"},
			want: want{phase: billingv1alpha1.RenewalPhasePending, wake: now.Add(AccountWait), msg: "waiting for a usable BillingAccount: credentials missing"}},
		{name: "account unusable while ordering: holds too", rr: ordered(request(billingv1alpha1.RenewalPhaseOrdering), now), read: &Dependencies{AccountProblem: "x"},
			want: want{phase: billingv1alpha1.RenewalPhaseOrdering, wake: now.Add(AccountWait), msg: "BillingAccount"}},
		{name: "Subscription deleted before the intent: Failed", rr: request(billingv1alpha1.RenewalPhasePending), read: &Dependencies{},
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, msg: "nothing was spent"}},
		{name: "Subscription being deleted: Failed", rr: request(billingv1alpha1.RenewalPhaseAwaitingApproval), read: with(func(d *Dependencies) {
			d.Subscription.DeletionTimestamp = at(now)
		}), want: want{phase: billingv1alpha1.RenewalPhaseFailed, msg: "nothing was spent"}},
		{name: "Subscription switched to Observe: Failed", rr: request(billingv1alpha1.RenewalPhaseBlocked), read: with(func(d *Dependencies) {
			d.Subscription.Spec.ManagementPolicy = billingv1alpha1.ManagementObserve
		}), want: want{phase: billingv1alpha1.RenewalPhaseFailed, msg: "nothing was spent"}},
		{name: "Subscription paused: Failed", rr: request(billingv1alpha1.RenewalPhaseApproved), read: with(func(d *Dependencies) {
			d.Subscription.Spec.Paused = true
		}), want: want{phase: billingv1alpha1.RenewalPhaseFailed, msg: "nothing was spent"}},
		{name: "not controlled by the Subscription: Failed", rr: func() *billingv1alpha1.RenewalRequest {
			rr := request(billingv1alpha1.RenewalPhasePending)
			rr.OwnerReferences = nil
			return rr
		}(), read: renew, want: want{phase: billingv1alpha1.RenewalPhaseFailed, msg: "not created by the operator"}},
		{name: "a revision the Subscription is not at: Failed", rr: func() *billingv1alpha1.RenewalRequest {
			rr := request(billingv1alpha1.RenewalPhasePending)
			rr.Spec.Revision = 5
			return rr
		}(), read: renew, want: want{phase: billingv1alpha1.RenewalPhaseFailed, msg: "(revision 5)"}},
		{name: "policy removed: Failed", rr: request(billingv1alpha1.RenewalPhasePending), read: with(func(d *Dependencies) { d.Policy = Policy{} }),
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, msg: "no longer has a RenewalPolicy; nothing was ordered"}},
		{name: "policy unreadable: Failed (cannot decide, orders nothing)", rr: request(billingv1alpha1.RenewalPhasePending),
			read: with(func(d *Dependencies) { d.Policy = Policy{Name: "p", ReadError: "not found"} }),
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, msg: "RenewalPolicy p cannot be read (not found)"}},
		{name: "policy changed to AutoRenew: Failed", rr: request(billingv1alpha1.RenewalPhaseApproved),
			read: with(func(d *Dependencies) { d.Policy.Mode = billingv1alpha1.RenewalModeAutoRenew }),
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, msg: "changed to mode AutoRenew"}},
		{name: "after the intent the Subscription no longer matters", rr: ordered(request(billingv1alpha1.RenewalPhaseOrdering), now), read: &Dependencies{},
			want: want{phase: billingv1alpha1.RenewalPhaseOrdering, action: ActionOrder}},
		{name: "Pending: gate", rr: request(""), read: renew, want: want{phase: billingv1alpha1.RenewalPhasePending, action: ActionGate}},
		{name: "next revision, not yet recorded: gate", rr: func() *billingv1alpha1.RenewalRequest {
			rr := request(billingv1alpha1.RenewalPhasePending)
			rr.Spec.Revision = 1
			return rr
		}(), read: renew, want: want{phase: billingv1alpha1.RenewalPhasePending, action: ActionGate}},
		{name: "AwaitingApproval: gate", rr: request(billingv1alpha1.RenewalPhaseAwaitingApproval), read: renew,
			want: want{phase: billingv1alpha1.RenewalPhaseAwaitingApproval, action: ActionGate}},
		{name: "Blocked: gate", rr: request(billingv1alpha1.RenewalPhaseBlocked), read: renew, want: want{phase: billingv1alpha1.RenewalPhaseBlocked, action: ActionGate}},
		{name: "Approved: gate", rr: request(billingv1alpha1.RenewalPhaseApproved), read: renew, want: want{phase: billingv1alpha1.RenewalPhaseApproved, action: ActionGate}},
		{name: "PaymentPending: pay", rr: ordered(request(billingv1alpha1.RenewalPhasePaymentPending), now), read: renew,
			want: want{phase: billingv1alpha1.RenewalPhasePaymentPending, action: ActionPay}},
		{name: "Confirming: confirm", rr: ordered(request(billingv1alpha1.RenewalPhaseConfirming), now), read: renew,
			want: want{phase: billingv1alpha1.RenewalPhaseConfirming, action: ActionConfirm}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.check(t, Admit(AdmitInput{Now: now, Request: tt.rr, LedgerKnows: tt.knows, LedgerEnded: tt.ended, Read: tt.read}))
		})
	}
}

// TestGatedTransitions: the outgoing edges of the gated phases (Pending,
// AwaitingApproval, Blocked, Approved), from the gates' Decision.
func TestGatedTransitions(t *testing.T) {
	quoted := func(rr *billingv1alpha1.RenewalRequest) *billingv1alpha1.RenewalRequest {
		rr.Status.Quote = &billingv1alpha1.PriceQuote{Price: *usd("100.00"), QuotedAt: at(now)}
		return rr
	}
	pending := func(rr *billingv1alpha1.RenewalRequest) *billingv1alpha1.RenewalRequest {
		rr.Status.OrderIDs = []string{"CS-P"}
		return quoted(rr)
	}
	tests := []struct {
		name string
		rr   *billingv1alpha1.RenewalRequest
		d    Decision
		want want
	}{
		{name: "denied: Denied", rr: quoted(request(billingv1alpha1.RenewalPhaseAwaitingApproval)),
			d:    Decision{Phase: billingv1alpha1.RenewalPhaseDenied, Reason: ReasonDenied, Message: "denied by ann"},
			want: want{phase: billingv1alpha1.RenewalPhaseDenied, msg: "denied by ann"}},
		{name: "pending order for another period: Failed", rr: pending(request(billingv1alpha1.RenewalPhasePending)),
			d:    Decision{Phase: billingv1alpha1.RenewalPhaseFailed, Reason: ReasonPendingOrderPeriod, Message: "another period"},
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, msg: "another period"}},
		{name: "budget holds: Blocked until the recheck", rr: quoted(request(billingv1alpha1.RenewalPhasePending)),
			d: Decision{Phase: billingv1alpha1.RenewalPhaseBlocked, Reason: ReasonBudgetBlocks, Message: "budget", WakeAt: now.Add(BudgetHoldRecheck),
				Hold: &Finding{Gate: GateBudget, Reason: ReasonBudgetBlocks}},
			want: want{phase: billingv1alpha1.RenewalPhaseBlocked, wake: now.Add(BudgetHoldRecheck), msg: "budget"}},
		{name: "window closed: Blocked until it opens", rr: quoted(request(billingv1alpha1.RenewalPhaseApproved)),
			d: Decision{Phase: billingv1alpha1.RenewalPhaseBlocked, Reason: ReasonOutsideWindow, Message: "outside", WakeAt: now.Add(5 * time.Hour),
				Hold: &Finding{Gate: GateWindow, Reason: ReasonOutsideWindow}},
			want: want{phase: billingv1alpha1.RenewalPhaseBlocked, wake: now.Add(5 * time.Hour), msg: "outside"}},
		{name: "held with no wake-up: looks again at once", rr: quoted(request(billingv1alpha1.RenewalPhaseBlocked)),
			d:    Decision{Phase: billingv1alpha1.RenewalPhaseBlocked, Reason: ReasonOutsideWindow, Hold: &Finding{Gate: GateWindow}},
			want: want{phase: billingv1alpha1.RenewalPhaseBlocked, wake: now}},
		{name: "asks a person: AwaitingApproval, looked at every minute", rr: quoted(request(billingv1alpha1.RenewalPhasePending)),
			d: Decision{Phase: billingv1alpha1.RenewalPhaseAwaitingApproval, Reason: ReasonApprovalPolicy, WakeAt: QuoteExpiry(now),
				ApprovalState: billingv1alpha1.ApprovalStateRequired, ApprovalReason: ReasonApprovalPolicy, ApprovalMessage: "policy Always"},
			want: want{phase: billingv1alpha1.RenewalPhaseAwaitingApproval, wake: now.Add(ApprovalWait), msg: "policy Always; approve with `kubectl bss approve db-r2 -n team`"}},
		{name: "asks with a quote about to go stale: wakes when it does", rr: quoted(request(billingv1alpha1.RenewalPhaseAwaitingApproval)),
			d: Decision{Phase: billingv1alpha1.RenewalPhaseAwaitingApproval, WakeAt: now.Add(10 * time.Second),
				ApprovalState: billingv1alpha1.ApprovalStateRequiredAgain, ApprovalMessage: "the price rose"},
			want: want{phase: billingv1alpha1.RenewalPhaseAwaitingApproval, wake: now.Add(10 * time.Second), msg: "the price rose"}},
		{name: "approved: records the intent, then orders at once", rr: quoted(request(billingv1alpha1.RenewalPhaseAwaitingApproval)),
			d:    Decision{Phase: billingv1alpha1.RenewalPhaseApproved, Reason: ReasonApproved, Message: "approved by ann"},
			want: want{phase: billingv1alpha1.RenewalPhaseApproved, action: ActionRecordIntent, wake: now}},
		{name: "approved pending order: paid, never placed again", rr: pending(request(billingv1alpha1.RenewalPhaseAwaitingApproval)),
			d:    Decision{Phase: billingv1alpha1.RenewalPhaseApproved, Reason: ReasonApproved, Message: "approved by ann"},
			want: want{phase: billingv1alpha1.RenewalPhasePaymentPending, wake: now, msg: "paying pending renewal order CS-P (100.00 USD): approved by ann"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Gated(GatedInput{Now: now, Request: tt.rr, Decision: tt.d})
			tt.want.check(t, got)
			if got.StampIntent != (got.Phase == billingv1alpha1.RenewalPhasePaymentPending) {
				t.Fatalf("StampIntent %v: only a gated pending order is stamped with an intent", got.StampIntent)
			}
		})
	}
}
