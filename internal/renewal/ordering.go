package renewal

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// MaxRenewCalls bounds the renew calls of one attempt. A second call is
// made only after a lookup found no order from the first (a lost request);
// past this bound the attempt fails and a person looks.
const MaxRenewCalls = 3

// ForeignOrderSlack allows for the clock difference between the operator
// and BSS, and for both rounding times to whole seconds, when an order's
// create time (BSS's clock) is compared with the start of this attempt's
// first renew call (the operator's). It is kept small on purpose: an own
// order taken for a foreign one stops the attempt unpaid (a person looks),
// while a foreign order taken for an own one would be paid.
const ForeignOrderSlack = 10 * time.Second

// OrderState is where a renewal order stands, as far as the attempt cares
// (6.2.2 status, digest §2.2).
type OrderState int

// The order states.
const (
	// OrderOther is a state the operator cannot act on: pending approval,
	// processing before payment settled, to be confirmed, or undocumented.
	OrderOther OrderState = iota
	// OrderPendingPayment awaits payment.
	OrderPendingPayment
	// OrderProcessing is paid and not yet settled.
	OrderProcessing
	// OrderCompleted is done.
	OrderCompleted
	// OrderCancelled was cancelled.
	OrderCancelled
)

// Order is what the transitions need of a BSS order.
type Order struct {
	// ID is the order ID.
	ID string
	// State is its status, for the transitions.
	State OrderState
	// Status is BSS's word for its status, for messages.
	Status string
	// CreateTime is when BSS created it.
	CreateTime time.Time
	// PendingPaymentEnd is when BSS closes it for payment; zero: not said.
	PendingPaymentEnd time.Time
	// Price is its amount after discounts; nil when its currency is not
	// one the API takes.
	Price *billingv1alpha1.Money
	// Amount and Currency are its amount after discounts (two decimals)
	// and currency as BSS gave them, for messages.
	Amount, Currency string
}

// Resource is what the transitions need of the resource as BSS shows it
// (6.3.1 by ID).
type Resource struct {
	// Listed is false when BSS did not return it.
	Listed bool
	// ExpireTime is its expiry.
	ExpireTime time.Time
	// AutoRenew is whether cloud auto-renew is on (expire_policy 3).
	AutoRenew bool
}

// ResourceChange says what changed about the resource since the attempt
// was planned, or returns "" if it may still be renewed: BSS must still
// list it, its expiry must equal the attempt's baseline (a later one means
// it was renewed elsewhere), and cloud auto-renew must be off (expire_policy
// 3, digest §7.1 rule 7), or the cloud would renew it too.
func ResourceChange(res Resource, baseline time.Time) (Reason, string) {
	switch {
	case !res.Listed:
		return ReasonResourceNotFound, "BSS no longer lists the resource"
	case res.ExpireTime.After(baseline):
		return ReasonRenewedElsewhere, fmt.Sprintf("renewed elsewhere: expiry moved from %s to %s",
			formatTime(baseline), formatTime(res.ExpireTime))
	case res.ExpireTime.Before(baseline):
		return ReasonExpiryChanged, fmt.Sprintf("the expiry moved back from %s to %s (renewal terms unsubscribed?)",
			formatTime(baseline), formatTime(res.ExpireTime))
	case res.AutoRenew:
		return ReasonAutoRenewSwitchedOn, "cloud auto-renew was switched on (expire_policy 3); the cloud renews the resource itself"
	}
	return "", ""
}

// ResourceChanged is the transition of an attempt whose resource changed
// while it waited (ResourceChange): it ends, nothing ordered. It returns
// false when the resource may still be renewed.
func ResourceChanged(res Resource, resourceID string, baseline time.Time) (Transition, bool) {
	reason, msg := ResourceChange(res, baseline)
	if reason == "" {
		return Transition{}, false
	}
	msg = fmt.Sprintf("resource %s changed while the attempt waited: %s; nothing was ordered", resourceID, msg)
	t := endBecause(billingv1alpha1.RenewalPhaseFailed, reason, msg)
	t.Warn = reason
	return t, true
}

// FirstRenewCall is when the attempt's first renew call started, or nil if
// it made none. An attempt recorded before firstRenewCallAt existed that
// counted calls made them after its intent: the intent bounds them.
func FirstRenewCall(st *billingv1alpha1.RenewalRequestStatus) *metav1.Time {
	if st.FirstRenewCallAt == nil && st.RenewCalls > 0 {
		return st.OrderIntentTime
	}
	return st.FirstRenewCallAt
}

// ForeignOrder reports whether a renewal order for the resource created at
// created cannot have been placed by this attempt: the attempt never
// started a renew call (firstCall nil), or the order was created before its
// first one.
func ForeignOrder(created time.Time, firstCall *metav1.Time) bool {
	if firstCall == nil {
		return true
	}
	return created.Before(firstCall.Add(-ForeignOrderSlack))
}

// PendingOrderOwn reports whether the pending renewal order that made BSS
// refuse a renew call (CBC.99003100, digest §7.2 rule 12) can be this
// attempt's own. The refused call ordered nothing, so only an earlier call
// of the attempt can have placed it: there must be one (earlier counts the
// attempt's calls before the refused one), the order must not be older
// than the attempt's first call (ForeignOrder), and it must be older than
// the refused call's start, less the clock slack. An earlier call is only
// followed by another after the write timeout and the settling delay
// (the quiet time), which is longer than the slack, so its order is older
// than that; an order created around the refused call's start is someone
// else's, placed while the call was on the wire (a person in the console).
// Taken for the attempt's own, it would be paid without approval.
func PendingOrderOwn(created time.Time, earlier int32, first *metav1.Time, refusedStart time.Time) bool {
	return earlier > 0 && !ForeignOrder(created, first) && created.Before(refusedStart.Add(-ForeignOrderSlack))
}

// QuietUntil returns when the quiet time after the latest renew call of
// the attempt ends, and whether it is still running at now. remembered is
// what this process remembers of the call's start (zero if nothing); the
// later of it and the recorded mark counts, so that a cached copy older
// than this process's own mark does not end the quiet time early.
func QuietUntil(mark *metav1.Time, remembered time.Time, quiet time.Duration, now time.Time) (time.Time, bool) {
	started := remembered
	if mark != nil && mark.After(started) {
		started = mark.Time
	}
	if started.IsZero() {
		return time.Time{}, false
	}
	until := started.Add(quiet)
	return until, now.Before(until)
}

// RenewOutcome is how BSS answered a renew call (6.3.2).
type RenewOutcome int

// The outcomes.
const (
	// RenewPlaced: orders were placed.
	RenewPlaced RenewOutcome = iota
	// RenewPendingOrder: refused because an order for the resource awaits
	// payment (CBC.99003100); nothing was ordered.
	RenewPendingOrder
	// RenewUnknown: the outcome is unknown (a timeout, a lost response);
	// the request may have been applied.
	RenewUnknown
	// RenewNotApplied: refused in a way that ordered nothing and may pass
	// later (throttled, unavailable, rejected credentials).
	RenewNotApplied
	// RenewRefused: refused for good.
	RenewRefused
)

// RenewResult is the answer to a renew call.
type RenewResult struct {
	// Outcome is how BSS answered.
	Outcome RenewOutcome
	// Orders are the orders placed (RenewPlaced).
	Orders []string
	// Started is when the call was recorded as started.
	Started time.Time
	// Detail describes the error, for messages.
	Detail string
	// Pending is the search for the pending order a RenewPendingOrder
	// names; nil before ActionFindPending.
	Pending *Found
}

// Found is the result of a search for a renewal order of the resource.
type Found struct {
	// Order is the newest such order; nil when there is none.
	Order *Order
}

// Lookup is what the search before a renew call found (ActionLookup, then
// ActionReadExpiry).
type Lookup struct {
	// Order is the newest renewal order of the resource created since the
	// intent (less the lookup slack); nil for none.
	Order *Order
	// Expiry is the resource as BSS shows it; nil until ActionReadExpiry.
	Expiry *Resource
}

// OrderingInput is what the Ordering step looks at.
type OrderingInput struct {
	// Now is the business time.
	Now time.Time
	// Request is the RenewalRequest, with its status as recorded so far in
	// this pass.
	Request *billingv1alpha1.RenewalRequest
	// Fresh: this process recorded the intent and made no call for it
	// (the ledger). Known are the orders a call of this process returned.
	Fresh bool
	Known []string
	// CallStarted is when this process started the latest call (zero:
	// none), and Settled whether it got the answer.
	CallStarted time.Time
	Settled     bool
	// Quiet is how long after a call's start no pass looks up or renews.
	Quiet time.Duration
	// Lookup is what the search found; nil before ActionLookup.
	Lookup *Lookup
	// Resource is the resource read just before the call; nil before
	// ActionReadResource.
	Resource *Resource
	// Renew is the call's answer; nil before ActionRenew.
	Renew *RenewResult
}

// Ordering places the renewal order at most once per revision. The intent
// was recorded before; so every pass that did not itself record it (or
// after an unknown outcome, spec.lookupFirst) first looks for an order an
// earlier pass may have placed (a crash, a lost response) and adopts it
// instead of ordering again (issue 4; digest §7.11). A call that may still
// be under way is waited out before that lookup (issue 16, path 1), and the
// resource is read again just before each call (path 3).
func Ordering(in OrderingInput) Transition {
	rr := in.Request
	if in.Renew != nil {
		return renewed(in, in.Renew)
	}
	if len(in.Known) > 0 {
		// This process placed the order; the cache has not caught up.
		return Placed(rr, in.Known, in.Now)
	}
	if !in.Fresh || rr.Spec.LookupFirst {
		// Recorded by another process, a call with an unknown outcome, or
		// an attempt after one (spec.lookupFirst). A call that started
		// less than the quiet time ago may still be on the wire, or its
		// order may not show yet: a lookup now could miss it and order
		// again. Only this process, having got the answer, may skip the
		// wait.
		if until, quiet := QuietUntil(rr.Status.RenewCallStartedAt, in.CallStarted, in.Quiet, in.Now); quiet && !in.Settled {
			return Transition{Reason: ReasonRenewCallSettling, WakeAt: until, Message: fmt.Sprintf(
				"renew call %d may still be under way; the order is looked up at %s, and nothing is ordered before",
				rr.Status.RenewCalls, formatTime(until))}
		}
		if in.Lookup == nil {
			return need(ActionLookup)
		}
		if t, done := looked(in, in.Lookup); done {
			return t
		}
	}
	if rr.Status.RenewCalls >= MaxRenewCalls {
		return end(billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf(
			"%d renew calls got no answer and no order can be found; stopping so that nothing is ordered twice — check the BSS console", rr.Status.RenewCalls))
	}
	// The world may have changed since the intent (a renewal in the
	// console, cloud auto-renew switched on): read the resource again just
	// before the call.
	if in.Resource == nil {
		return need(ActionReadResource)
	}
	if t, changed := ResourceChanged(*in.Resource, rr.Spec.ResourceID, rr.Spec.BaselineExpireTime.Time); changed {
		return t
	}
	return need(ActionRenew)
}

// looked decides on what the search before a renew call found: an order
// to adopt or report, or a renewal that already took effect. It returns
// false when the attempt may go on to call.
func looked(in OrderingInput, l *Lookup) (Transition, bool) {
	rr := in.Request
	first := FirstRenewCall(&rr.Status)
	order := l.Order
	if order != nil && order.State == OrderCancelled && ForeignOrder(order.CreateTime, first) {
		// Cancelled before this attempt called (an earlier attempt's order
		// cancelled unpaid): it costs nothing and is nobody's to adopt.
		order = nil
	}
	if order != nil {
		return AdoptOwn(rr, order, !ForeignOrder(order.CreateTime, first), firstCallNote(first), in.Now), true
	}
	// With auto-pay the order may be complete and the expiry moved even
	// if the order list lags: the expiry is the final word.
	if l.Expiry == nil {
		return need(ActionReadExpiry), true
	}
	if res := l.Expiry; res.Listed && res.ExpireTime.After(rr.Spec.BaselineExpireTime.Time) {
		if first == nil {
			// This attempt never called renew: someone else renewed.
			reason, msg := ResourceChange(*res, rr.Spec.BaselineExpireTime.Time)
			return endBecause(billingv1alpha1.RenewalPhaseFailed, reason, msg+"; nothing was ordered"), true
		}
		t := end(billingv1alpha1.RenewalPhaseSucceeded, fmt.Sprintf(
			"BSS shows the expiry moved to %s; no matching order was found, so none was placed again", formatTime(res.ExpireTime)))
		t.NewExpireTime = res.ExpireTime
		return t, true
	}
	return Transition{}, false
}

// renewed decides on a renew call's answer.
func renewed(in OrderingInput, r *RenewResult) Transition {
	rr := in.Request
	switch r.Outcome {
	case RenewPlaced:
		return Placed(rr, r.Orders, in.Now)
	case RenewPendingOrder:
		// Another order for this resource awaits payment (digest §7.2 rule
		// 12): this call ordered nothing. The pending order is adopted only
		// if an earlier call of this attempt can have placed it, and
		// reported if not.
		if r.Pending == nil {
			return need(ActionFindPending)
		}
		order := r.Pending.Order
		if order == nil {
			return end(billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf(
				"resource %s has an order pending payment that is not a renewal; pay or cancel it in the console (CBC.99003100)", rr.Spec.ResourceID))
		}
		first := FirstRenewCall(&rr.Status)
		return AdoptOwn(rr, order, PendingOrderOwn(order.CreateTime, rr.Status.RenewCalls, first, r.Started),
			fmt.Sprintf("BSS refused this attempt's renew call of %s because of it (CBC.99003100), and no earlier call of the attempt can have placed it",
				formatTime(r.Started)), in.Now)
	case RenewUnknown:
		// The request may have been applied. Never call again blindly: the
		// order is looked up once the call cannot be under way any more.
		until := r.Started.Add(in.Quiet)
		return Transition{Reason: ReasonRenewCallSettling, WakeAt: until,
			Message: fmt.Sprintf("renew call outcome unknown (%s); the order is looked up at %s", r.Detail, formatTime(until))}
	case RenewNotApplied:
		// Definitely not applied. Rejected credentials (an expired token,
		// say) are not the renewal's fault: the attempt waits for new ones,
		// which re-queue it, instead of failing and starting over.
		return backoff("renew")
	}
	return end(billingv1alpha1.RenewalPhaseFailed, "BSS refused the renewal: "+r.Detail)
}

// Placed moves the attempt on with the orders a renew call returned. The
// orders are unpaid: Payment checks their amount before paying them.
func Placed(rr *billingv1alpha1.RenewalRequest, orders []string, now time.Time) Transition {
	msg := "ordered; its amount is checked before it is paid"
	if rr.Spec.Payment.Method == billingv1alpha1.PaymentMethodManual {
		msg = "ordered; awaiting payment"
	}
	return Transition{Phase: billingv1alpha1.RenewalPhasePaymentPending, Message: msg, WakeAt: now,
		Orders: orders, ClearFailures: true, ClearRetry: true}
}

// AdoptOwn adopts a renewal order for the resource if this attempt can
// have placed it (own). An order it cannot have placed — created before
// its first renew call, with none made, or the cause of a refused call —
// was placed by someone else: a person in the console, another cluster's
// operator. It is never taken over: the attempt stops and names it, with
// why it is not the attempt's (issue 16, paths 4 and 5).
func AdoptOwn(rr *billingv1alpha1.RenewalRequest, order *Order, own bool, why string, now time.Time) Transition {
	if own {
		return Adopt(order, now)
	}
	msg := fmt.Sprintf("renewal order %s (%s, created %s) for %s was not placed by this operator (%s); it was not paid — pay or cancel it in the console, or find who placed it (another cluster?)",
		order.ID, order.Status, formatTime(order.CreateTime), rr.Spec.ResourceID, why)
	t := endBecause(billingv1alpha1.RenewalPhaseFailed, ReasonForeignOrder, msg)
	t.Warn = ReasonForeignOrder
	return t
}

// Adopt takes an existing renewal order over, in the phase its state
// calls for.
func Adopt(order *Order, now time.Time) Transition {
	switch order.State {
	case OrderPendingPayment:
		return Transition{Phase: billingv1alpha1.RenewalPhasePaymentPending, Adopt: order, Message: "adopted order " + order.ID, WakeAt: now}
	case OrderCancelled:
		t := end(billingv1alpha1.RenewalPhaseCancelled, "the renewal order "+order.ID+" was cancelled")
		t.Adopt = order
		return t
	}
	return Transition{Phase: billingv1alpha1.RenewalPhaseConfirming, Adopt: order, Message: "adopted order " + order.ID, WakeAt: now}
}

// firstCallNote says when the attempt's first renew call started, for the
// report of an order created before it.
func firstCallNote(first *metav1.Time) string {
	if first != nil {
		return "this attempt's first renew call started at " + formatTime(first.Time)
	}
	return "this attempt made no renew call"
}

// LookupSince is where the search before a renew call starts, less slack
// for the clocks of BSS and the operator: the attempt's intent; or, for an
// attempt that searches first after an unknown outcome (spec.lookupFirst)
// and renews from the same expiry as the attempt whose outcome is unknown
// (the Subscription's status.unknownRenewalOutcome), that attempt's intent
// if earlier. An order its calls placed that showed only later is then
// found (and, not being this attempt's, reported rather than ordered
// again). An attempt from a later expiry does not look back: the expiry it
// starts from already counts what the earlier attempt renewed, and an old
// completed order found again would end every later attempt ForeignOrder.
func LookupSince(rr *billingv1alpha1.RenewalRequest, unknown *billingv1alpha1.UnknownRenewalOutcome, slack time.Duration) time.Time {
	since := rr.Status.OrderIntentTime.Time
	if u := unknown; rr.Spec.LookupFirst && u != nil && u.OrderIntentTime != nil && u.BaselineExpireTime != nil &&
		u.BaselineExpireTime.Equal(&rr.Spec.BaselineExpireTime) && u.OrderIntentTime.Before(rr.Status.OrderIntentTime) {
		since = u.OrderIntentTime.Time
	}
	return since.Add(-slack)
}
