package renewal

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// The phase transitions of a RenewalRequest, apart from I/O. Each phase
// has one function (Admit for what every phase checks first, then Gated,
// Ordering, Payment, Confirming) that takes what the reconciler has read so
// far and returns a Transition: the next phase, the reason, the message and
// the next wake-up, or the I/O it needs done first (Action). A fact not read
// yet is nil; the reconciler does the Action, fills the fact in and asks
// again, so that one pass makes at most one BSS write and every decision
// between the reads is taken here.

// Action is the I/O a Transition asks of the reconciler before the attempt
// can go on.
type Action int

// The actions, by the step that asks for them.
const (
	// ActionNone: write the transition; the pass is done.
	ActionNone Action = iota
	// ActionRead: read the BillingAccount, the Subscription and its
	// RenewalPolicy (Admit).
	ActionRead
	// ActionGate: quote and apply the gates (phases Pending,
	// AwaitingApproval, Blocked, Approved).
	ActionGate
	// ActionOrder: the Ordering step.
	ActionOrder
	// ActionPay: the PaymentPending step.
	ActionPay
	// ActionConfirm: the Confirming step.
	ActionConfirm
	// ActionRecordIntent: record the intent to order (one attempt per
	// resource, the resource read again, the order-record finalizer and a
	// status write) before any renew call.
	ActionRecordIntent
	// ActionLookup: search BSS for a renewal order of the resource placed
	// since the intent (Ordering.Lookup).
	ActionLookup
	// ActionReadExpiry: read the resource's expiry (6.3.1).
	ActionReadExpiry
	// ActionReadResource: read the resource just before a renew call
	// (Ordering.Resource).
	ActionReadResource
	// ActionRenew: record the renew call, then make it (Ordering.Renew).
	ActionRenew
	// ActionFindPending: find the pending renewal order a refused renew
	// call named (Ordering.Renew.Pending).
	ActionFindPending
	// ActionReadOrder: read the attempt's order (6.2.2).
	ActionReadOrder
	// ActionWaitOrder: wait, bounded, for an order in a state the operator
	// cannot act on (pending approval, processing, to be confirmed).
	ActionWaitOrder
	// ActionReadPayer: read who pays the order (6.2.1, Payment.Payer).
	ActionReadPayer
	// ActionCancel: cancel the order (6.2.5, Payment.Cancel).
	ActionCancel
	// ActionPayOrder: pay the order (6.2.4, with the best discount;
	// Payment.Paid).
	ActionPayOrder
	// ActionBackoff: BSS answered with a failure that leaves the attempt
	// where it is; the reconciler records the backoff (Transition.Backoff
	// says what failed).
	ActionBackoff
)

// Transition is what one step decided about an attempt.
type Transition struct {
	// Phase is the next phase; empty keeps the current one.
	Phase billingv1alpha1.RenewalPhase
	// Reason is the reason the Ready, Reconciling or Stalled condition
	// carries for the phase; empty for the phase's own name.
	Reason Reason
	// Message is the status message; empty keeps the current one.
	Message string
	// WakeAt is when to look again without an event; zero: no need.
	WakeAt time.Time
	// Action is the I/O to do next; ActionNone when the pass is done.
	Action Action
	// Backoff says what failed, for ActionBackoff.
	Backoff string
	// Stale is set when the cached copy is older than this process's own
	// write: nothing is written, and the request is looked at again soon.
	Stale bool

	// Warn is the reason of a Warning event the transition warrants;
	// empty for none. WarnMessage is its note, Message when empty.
	Warn        Reason
	WarnMessage string

	// Orders are the renewal orders a renew call returned (status.orderIDs).
	Orders []string
	// Adopt is an existing order the attempt takes over.
	Adopt *Order
	// StampIntent sets status.orderIntentTime to now if it is unset: an
	// adopted pending order is paid without a renew call.
	StampIntent bool
	// ClearFailures resets status.failureCount; ClearRetry clears
	// status.nextAttemptTime.
	ClearFailures, ClearRetry bool
	// PaymentDeadline is when the unpaid order is cancelled; zero: unchanged.
	PaymentDeadline time.Time
	// RetryBy caps the backoff of ActionBackoff; zero: no cap.
	RetryBy time.Time
	// NewExpireTime is the confirmed expiry; zero: unchanged.
	NewExpireTime time.Time
	// AmountPaid is what the renewal cost; nil: unchanged.
	AmountPaid *billingv1alpha1.Money
}

// Ends reports whether the transition ends the attempt.
func (t Transition) Ends() bool { return t.Phase.Finished() }

// end is a transition that ends the attempt with message msg.
func end(phase billingv1alpha1.RenewalPhase, msg string) Transition {
	return Transition{Phase: phase, Message: msg}
}

// endBecause ends the attempt with a reason the Ready and Stalled
// conditions carry.
func endBecause(phase billingv1alpha1.RenewalPhase, reason Reason, msg string) Transition {
	return Transition{Phase: phase, Reason: reason, Message: msg}
}

// need asks for I/O.
func need(a Action) Transition { return Transition{Action: a} }

// backoff leaves the attempt where it is after a failed BSS call.
func backoff(what string) Transition { return Transition{Action: ActionBackoff, Backoff: what} }

// formatTime renders a time for messages, as the reconciler does.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// AdmitInput is what Admit looks at: the request, what this process's
// ledger knows of it, and, once read (ActionRead), the objects it depends
// on.
type AdmitInput struct {
	// Now is the business time.
	Now time.Time
	// Request is the RenewalRequest as cached.
	Request *billingv1alpha1.RenewalRequest
	// LedgerKnows: this process recorded an intent for the attempt.
	// LedgerEnded: this process wrote its final phase.
	LedgerKnows, LedgerEnded bool
	// Read is what the reconciler read; nil before ActionRead.
	Read *Dependencies
}

// Dependencies are the objects an attempt depends on before it orders.
type Dependencies struct {
	// AccountProblem is why the BillingAccount cannot be used; empty when
	// it can. When set, nothing else was read.
	AccountProblem string
	// Subscription is the request's Subscription; nil when it does not
	// exist.
	Subscription *billingv1alpha1.Subscription
	// Policy is the Subscription's RenewalPolicy.
	Policy Policy
}

// Policy is what Admit needs of the Subscription's RenewalPolicy.
type Policy struct {
	// Name is the policy the Subscription references; empty for none.
	Name string
	// ReadError says why it could not be read; empty when it was.
	ReadError string
	// Mode is its mode, when read.
	Mode billingv1alpha1.RenewalMode
}

// AccountWait is how long an attempt waits for a usable BillingAccount.
const AccountWait = 5 * time.Minute

// Admit is what every phase checks first: a copy older than this process's
// own write is left alone; a backoff is waited out; then (once read) a
// usable account; and, before the intent to order, that the Subscription
// still asks for this attempt. Otherwise the phase's own step follows
// (Action ActionGate, ActionOrder, ActionPay or ActionConfirm). Every
// transition names the phase, Pending for a new request.
func Admit(in AdmitInput) Transition {
	rr := in.Request
	phase := rr.Status.Phase
	if phase == "" {
		phase = billingv1alpha1.RenewalPhasePending
	}
	t := admit(in, phase)
	if t.Phase == "" {
		t.Phase = phase
	}
	return t
}

func admit(in AdmitInput, phase billingv1alpha1.RenewalPhase) Transition {
	rr := in.Request
	if (rr.Status.OrderIntentTime == nil && in.LedgerKnows) || in.LedgerEnded {
		// The cache has not caught up with the intent this process
		// recorded (acting on it would quote again and lose the write to
		// an optimistic-lock conflict), or with the final phase this
		// process wrote (acting on it could renew an attempt that already
		// failed, while the next one orders). The watch event of the write
		// brings the request back.
		return Transition{Stale: true}
	}
	if next := rr.Status.NextAttemptTime; next != nil && in.Now.Before(next.Time) {
		return Transition{WakeAt: next.Time}
	}
	d := in.Read
	if d == nil {
		return need(ActionRead)
	}
	if d.AccountProblem != "" {
		return Transition{Message: "waiting for a usable BillingAccount: " + d.AccountProblem, WakeAt: in.Now.Add(AccountWait)}
	}
	if rr.Status.OrderIntentTime == nil {
		if t, stop := mayOrder(rr, d); stop {
			return t
		}
	}
	return Transition{Action: stepOf(phase)}
}

// mayOrder checks, before the intent to order, that the Subscription still
// asks for this attempt.
func mayOrder(rr *billingv1alpha1.RenewalRequest, d *Dependencies) (Transition, bool) {
	sub := d.Subscription
	if sub == nil || !sub.DeletionTimestamp.IsZero() || sub.Spec.ManagementPolicy != billingv1alpha1.ManagementManage || sub.Spec.Paused {
		return end(billingv1alpha1.RenewalPhaseFailed, "the Subscription was deleted, switched to Observe or paused before anything was ordered; nothing was spent"), true
	}
	if !CreatedFor(rr, sub) {
		// Only attempts the Subscription controller created, for its
		// current or next revision, may spend: a RenewalRequest applied by
		// hand (or copied from Git) is refused before anything is ordered.
		return end(billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf(
			"not created by the operator for Subscription %s (revision %d); nothing was ordered — renewals start from the Subscription (annotation %s)",
			rr.Spec.SubscriptionName, rr.Spec.Revision, billingv1alpha1.AnnotationRenewNow)), true
	}
	if why := policyStopsRenewing(d.Policy); why != "" {
		return end(billingv1alpha1.RenewalPhaseFailed, why+"; nothing was ordered"), true
	}
	return Transition{}, false
}

// policyStopsRenewing returns why the Subscription's policy no longer asks
// for explicit renewal, or "" if it does. An attempt started under a Renew
// policy must not order after the policy changed (for example to AutoRenew,
// which would renew twice).
func policyStopsRenewing(p Policy) string {
	switch {
	case p.Name == "":
		return "the Subscription no longer has a RenewalPolicy"
	case p.ReadError != "":
		return fmt.Sprintf("RenewalPolicy %s cannot be read (%s)", p.Name, p.ReadError)
	case p.Mode != billingv1alpha1.RenewalModeRenew:
		return fmt.Sprintf("RenewalPolicy %s changed to mode %s", p.Name, p.Mode)
	}
	return ""
}

// CreatedFor reports whether the Subscription controller created the
// request for sub: sub is its controller (by UID), and its revision is the
// one sub's status records or the next (created, not yet recorded).
func CreatedFor(rr *billingv1alpha1.RenewalRequest, sub *billingv1alpha1.Subscription) bool {
	if !metav1.IsControlledBy(rr, sub) {
		return false
	}
	rev := sub.Status.RenewalRevision
	return rr.Spec.Revision == rev || rr.Spec.Revision == rev+1
}

// stepOf is the step that moves an attempt on from phase.
func stepOf(phase billingv1alpha1.RenewalPhase) Action {
	switch phase {
	case billingv1alpha1.RenewalPhasePending, billingv1alpha1.RenewalPhaseAwaitingApproval,
		billingv1alpha1.RenewalPhaseBlocked, billingv1alpha1.RenewalPhaseApproved:
		return ActionGate
	case billingv1alpha1.RenewalPhaseOrdering:
		return ActionOrder
	case billingv1alpha1.RenewalPhasePaymentPending:
		return ActionPay
	case billingv1alpha1.RenewalPhaseConfirming:
		return ActionConfirm
	}
	return ActionNone
}

// ApprovalWait is how often an attempt that waits for a person is looked
// at: it notices a paused or deleted Subscription (whose changes do not
// re-queue the request), and calls BSS only once its quote is stale.
const ApprovalWait = time.Minute

// GatedInput is the gates' Decision on an attempt in a gated phase, and
// what the transition needs besides.
type GatedInput struct {
	// Now is the business time.
	Now time.Time
	// Request is the RenewalRequest: its name for the approval prompt, its
	// status quote and orders (a gated pending order) for the message.
	Request *billingv1alpha1.RenewalRequest
	// Decision is what Evaluate decided.
	Decision Decision
}

// ApprovalPrompt is the ApprovalRequired message while the attempt waits
// for a person: the gates' message and how to approve.
func ApprovalPrompt(msg, name, namespace string) string {
	return fmt.Sprintf("%s; approve with `kubectl bss approve %s -n %s` or by setting spec.approval", msg, name, namespace)
}

// Gated turns the gates' Decision into the attempt's next phase: ended
// (Denied, Failed), held (Blocked), waiting for a person
// (AwaitingApproval), or on to the order: the intent is recorded
// (ActionRecordIntent), or a gated pending order is paid (PaymentPending).
func Gated(in GatedInput) Transition {
	d, rr := in.Decision, in.Request
	switch d.Phase {
	case billingv1alpha1.RenewalPhaseDenied, billingv1alpha1.RenewalPhaseFailed:
		return end(d.Phase, d.Message)
	case billingv1alpha1.RenewalPhaseBlocked:
		wake := d.WakeAt
		if wake.IsZero() {
			wake = in.Now
		}
		return Transition{Phase: billingv1alpha1.RenewalPhaseBlocked, Message: d.Message, WakeAt: wake}
	case billingv1alpha1.RenewalPhaseAwaitingApproval:
		wake := in.Now.Add(ApprovalWait)
		if !d.WakeAt.IsZero() {
			wake = Earliest(d.WakeAt, wake)
		}
		return Transition{Phase: billingv1alpha1.RenewalPhaseAwaitingApproval,
			Message: ApprovalPrompt(d.ApprovalMessage, rr.Name, rr.Namespace), WakeAt: wake}
	}
	if ids := rr.Status.OrderIDs; len(ids) > 0 {
		// A pending order was gated: it is paid, not placed again.
		var price *billingv1alpha1.Money
		if q := rr.Status.Quote; q != nil {
			price = &q.Price
		}
		return Transition{Phase: billingv1alpha1.RenewalPhasePaymentPending, StampIntent: true, WakeAt: in.Now,
			Message: fmt.Sprintf("paying pending renewal order %s (%s): %s", ids[0], FormatMoney(price), d.Message)}
	}
	// The wake-up is for the order, once the intent is recorded; an
	// attempt that could not record it keeps the wait recording set.
	return Transition{Phase: billingv1alpha1.RenewalPhaseApproved, Action: ActionRecordIntent, WakeAt: in.Now}
}
