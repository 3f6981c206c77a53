package renewal

import (
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// Decision is what the gates decided about a quoted attempt.
type Decision struct {
	// Phase is the attempt's next phase: Approved (record the intent to
	// order, or pay the adopted pending order), AwaitingApproval, Blocked,
	// Denied or Failed.
	Phase billingv1alpha1.RenewalPhase
	// Reason is the deciding reason: the hold's or the end's, or the
	// ApprovalRequired condition's while waiting for a person.
	Reason Reason
	// Message says the decision to a person.
	Message string
	// Hold is the finding behind Blocked, Failed or Denied; nil otherwise.
	Hold *Finding
	// Asks are the findings that needed a person's approval, in chain
	// order.
	Asks []Finding
	// WakeAt is when to look again without an event (zero: no need): the
	// window's opening, a budget hold's recheck, or the quote's expiry
	// while waiting for a person.
	WakeAt time.Time
	// ApprovalState, ApprovalReason and ApprovalMessage describe the
	// approval once the approval gates were reached (ApprovalState empty:
	// they were not, and the approval status stays as it was).
	ApprovalState   billingv1alpha1.ApprovalState
	ApprovalReason  Reason
	ApprovalMessage string
}

// Reasons lists every reason found, the deciding one first.
func (d Decision) Reasons() []Reason {
	out := []Reason{}
	if d.Reason != "" {
		out = append(out, d.Reason)
	}
	for _, f := range d.Asks {
		if f.Reason != d.Reason {
			out = append(out, f.Reason)
		}
	}
	return out
}

// Evaluate applies the gates, in the order the package documents, to a
// quoted attempt that has not ordered yet.
func Evaluate(in Input) Decision {
	if a := in.Approval; a != nil && a.Decision == billingv1alpha1.DecisionDeny {
		msg := "denied by " + a.Approver
		if a.Reason != "" {
			msg += ": " + a.Reason
		}
		f := &Finding{Gate: GateDecision, Reason: ReasonDenied, Message: msg}
		return Decision{Phase: billingv1alpha1.RenewalPhaseDenied, Reason: f.Reason, Message: f.Message, Hold: f,
			ApprovalState: billingv1alpha1.ApprovalStateDenied, ApprovalReason: ReasonDenied, ApprovalMessage: "denied by " + a.Approver}
	}
	if f := pendingOrderPeriodGate(in); f != nil {
		return Decision{Phase: billingv1alpha1.RenewalPhaseFailed, Reason: f.Reason, Message: f.Message, Hold: f}
	}

	var asks []Finding
	if f := priceGate(in); f != nil {
		asks = append(asks, *f)
	}
	hold, ask := budgetGate(in)
	if hold != nil {
		return Decision{Phase: billingv1alpha1.RenewalPhaseBlocked, Reason: hold.Reason, Message: hold.Message, Hold: hold,
			Asks: asks, WakeAt: in.Now.Add(BudgetHoldRecheck)}
	}
	for _, f := range []*Finding{ask, approvalPolicyGate(in), pendingOrderApprovalGate(in)} {
		if f != nil {
			asks = append(asks, *f)
		}
	}

	d := Decision{Asks: asks}
	if len(asks) > 0 {
		state, reason, msg := decisionGate(in, asks)
		d.ApprovalState, d.ApprovalReason, d.ApprovalMessage = state, reason, msg
		if state != billingv1alpha1.ApprovalStateApproved {
			d.Phase, d.Reason, d.Message = billingv1alpha1.RenewalPhaseAwaitingApproval, reason, msg
			if !in.Quote.QuotedAt.IsZero() {
				// The quote goes stale while the attempt waits: look again
				// then, to quote again (issue 16, path 8).
				d.WakeAt = QuoteExpiry(in.Quote.QuotedAt)
			}
			return d
		}
	} else {
		d.ApprovalState, d.ApprovalReason = billingv1alpha1.ApprovalStateAutoApproved, ReasonAutoApproved
		d.ApprovalMessage = "within maxPrice, budget and approval policy"
	}

	if f, next := windowGate(in); f != nil {
		d.Reason, d.Message, d.Hold = f.Reason, f.Message, f
		if f.Reason == ReasonWindowInvalid {
			d.Phase = billingv1alpha1.RenewalPhaseFailed
			return d
		}
		d.Phase, d.WakeAt = billingv1alpha1.RenewalPhaseBlocked, next
		return d
	}
	d.Phase, d.Reason, d.Message = billingv1alpha1.RenewalPhaseApproved, d.ApprovalReason, d.ApprovalMessage
	return d
}
