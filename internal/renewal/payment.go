package renewal

import (
	"fmt"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// Read intervals while an order waits for payment or for BSS.
const (
	// ManualPaymentPoll is how often an order left to a person (Manual
	// payment, a partner) is read before its deadline.
	ManualPaymentPoll = 10 * time.Minute
	// PayerUnknownPoll is how often an order the order list does not show
	// yet is read again (who pays it is not known).
	PayerUnknownPoll = time.Minute
	// PaymentUnknownPoll is how soon an order is read again after a
	// payment whose outcome is unknown.
	PaymentUnknownPoll = 10 * time.Second
	// ExpiryPoll is how often a completed order's new expiry is looked for.
	ExpiryPoll = 30 * time.Second
)

// Payer is who pays a pending order (6.2.1 agent_pay_info).
type Payer struct {
	// Listed is false when the order list does not show the order yet.
	Listed bool
	// Partner is whether a partner pays it; Agent names the partner.
	Partner bool
	Agent   string
}

// PayOutcome is how BSS answered a payment (6.2.4).
type PayOutcome int

// The outcomes.
const (
	// PayDone: paid.
	PayDone PayOutcome = iota
	// PayUnknown: the outcome is unknown, or the payment or the order's
	// status is changing; the order's status tells next time.
	PayUnknown
	// PayExpired: the order expired unpaid.
	PayExpired
	// PayFailed: refused or failed; retried after a backoff.
	PayFailed
)

// CancelOutcome is how BSS answered a cancellation (6.2.5).
type CancelOutcome int

// The outcomes.
const (
	// CancelDone: cancelled.
	CancelDone CancelOutcome = iota
	// CancelNotCancelable: the order changed state (paid, or cancelled by
	// BSS); it is read again.
	CancelNotCancelable
	// CancelFailed: failed; retried after a backoff.
	CancelFailed
)

// Answer is BSS's answer to a write of the payment step.
type Answer[O any] struct {
	// Outcome is how BSS answered.
	Outcome O
	// Detail describes the error, for messages.
	Detail string
}

// PaymentInput is what the PaymentPending step looks at.
type PaymentInput struct {
	// Now is the business time.
	Now time.Time
	// Request is the RenewalRequest.
	Request *billingv1alpha1.RenewalRequest
	// Order is the attempt's order; nil before ActionReadOrder.
	Order *Order
	// Payer is who pays it; nil before ActionReadPayer.
	Payer *Payer
	// Cancel is the answer to ActionCancel; nil before.
	Cancel *Answer[CancelOutcome]
	// Paid is the answer to ActionPayOrder; nil before.
	Paid *Answer[PayOutcome]
}

// CancelUnpaidAfter is the policy's deadline for unpaid orders.
func CancelUnpaidAfter(spec *billingv1alpha1.RenewalRequestSpec) time.Duration {
	if d := spec.Payment.CancelUnpaidAfter; d != nil && d.Duration > 0 {
		return d.Duration
	}
	return billingv1alpha1.DefaultCancelUnpaidAfter
}

// Payment pays the pending order (method Pay or AutoPay), waits for a
// person (Manual) or a partner, and cancels the order at the deadline or
// when it costs more than was authorized (issue 16, path 6).
func Payment(in PaymentInput) Transition {
	rr := in.Request
	if len(rr.Status.OrderIDs) == 0 {
		return Transition{Phase: billingv1alpha1.RenewalPhaseOrdering, WakeAt: in.Now}
	}
	id := rr.Status.OrderIDs[0]
	order := in.Order
	if order == nil {
		return need(ActionReadOrder)
	}
	switch order.State {
	case OrderCompleted, OrderProcessing:
		return Transition{Phase: billingv1alpha1.RenewalPhaseConfirming, WakeAt: in.Now}
	case OrderCancelled:
		return end(billingv1alpha1.RenewalPhaseCancelled, "order "+id+" was cancelled before it was paid")
	case OrderOther:
		// Pending approval, to be confirmed: not payable (digest §7.7
		// rule 50); waited for, within a bound.
		return need(ActionWaitOrder)
	}

	deadline := rr.Status.OrderIntentTime.Add(CancelUnpaidAfter(&rr.Spec))
	if !order.PendingPaymentEnd.IsZero() && order.PendingPaymentEnd.Before(deadline) {
		deadline = order.PendingPaymentEnd
	}
	t := payment(in, id, deadline)
	t.PaymentDeadline = deadline
	return t
}

// payment decides on a pending order once its deadline is known.
func payment(in PaymentInput, id string, deadline time.Time) Transition {
	rr, order := in.Request, in.Order
	if !in.Now.Before(deadline) {
		// Unpaid at the deadline: cancelled, so that a new attempt can be
		// made (6.2.5: only pending orders can be cancelled).
		return cancelled(in.Cancel, in.Now, id, "", func() Transition {
			t := end(billingv1alpha1.RenewalPhaseCancelled, "order "+id+" was unpaid at the deadline and was cancelled")
			t.Warn, t.WarnMessage = ReasonOrderCancelled, fmt.Sprintf("cancelled renewal order %s, unpaid at the deadline", id)
			return t
		}, "cancel unpaid order "+id)
	}
	// A partner's order is the partner's to pay: never paid here. An order
	// the list does not show yet is not paid either: who pays it is not
	// known.
	if in.Payer == nil {
		return need(ActionReadPayer)
	}
	if !in.Payer.Listed {
		return Transition{WakeAt: in.Now.Add(PayerUnknownPoll), Message: fmt.Sprintf(
			"order %s is not in the order list (6.2.1) yet, so who pays it is not known; it is not paid until it shows", id)}
	}
	if in.Payer.Partner {
		agent := in.Payer.Agent
		if agent == "" {
			agent = "(not named)"
		}
		return Transition{Reason: ReasonPartnerPays, WakeAt: Earliest(deadline, in.Now.Add(ManualPaymentPoll)), Message: fmt.Sprintf(
			"order %s (%s %s) is paid by partner %s (agent_pay_info.is_agent_pay): the operator does not pay it; it is cancelled at %s if still unpaid",
			id, order.Amount, order.Currency, agent, formatTime(deadline))}
	}
	if rr.Spec.Payment.Method == billingv1alpha1.PaymentMethodManual {
		return Transition{WakeAt: Earliest(deadline, in.Now.Add(ManualPaymentPoll)), Message: fmt.Sprintf(
			"order %s (%s %s) awaits payment in the console; it is cancelled at %s if unpaid", id, order.Amount, order.Currency, formatTime(deadline))}
	}
	// Whatever the order costs is not paid blindly (issue 16, path 6): its
	// amount must be within the quote the gates passed and the approved
	// maximum, or it is cancelled and the next attempt asks again.
	if why := OrderWithinApproval(rr, id, order); why != "" {
		return cancelled(in.Cancel, in.Now, id, why+"; ", func() Transition {
			msg := why + "; it was not paid and was cancelled — the next attempt needs the price approved again"
			t := endBecause(billingv1alpha1.RenewalPhaseCancelled, ReasonPriceAboveApproved, msg)
			t.Warn = ReasonPriceAboveApproved
			return t
		}, why+"; cancelling it")
	}
	if in.Paid == nil {
		return need(ActionPayOrder)
	}
	switch in.Paid.Outcome {
	case PayDone:
		return Transition{Phase: billingv1alpha1.RenewalPhaseConfirming, Message: "paid order " + id, ClearFailures: true, WakeAt: in.Now}
	case PayUnknown:
		// The order's status tells next time whether it was paid.
		return Transition{WakeAt: in.Now.Add(PaymentUnknownPoll), Message: fmt.Sprintf(
			"payment of %s outcome unknown (%s); reading the order again", id, in.Paid.Detail)}
	case PayExpired:
		return end(billingv1alpha1.RenewalPhaseCancelled, fmt.Sprintf("order %s expired unpaid (%s)", id, in.Paid.Detail))
	}
	t := backoff("pay order " + id)
	t.RetryBy = deadline
	return t
}

// cancelled decides on a cancellation of order id: asked for, done (done),
// refused because the order changed state (read again at once), or failed
// (a backoff on what). prefix leads the message of a refused cancellation.
func cancelled(a *Answer[CancelOutcome], now time.Time, id, prefix string, done func() Transition, what string) Transition {
	if a == nil {
		return need(ActionCancel)
	}
	switch a.Outcome {
	case CancelDone:
		return done()
	case CancelNotCancelable:
		// Not cancellable means it changed state (paid, or cancelled by
		// BSS or a person); the next pass reads the order again.
		msg := fmt.Sprintf("order %s could not be cancelled (%s); reading it again", id, a.Detail)
		if prefix != "" {
			msg = fmt.Sprintf("%sit could not be cancelled (%s); reading it again", prefix, a.Detail)
		}
		return Transition{Message: msg, WakeAt: now}
	}
	return backoff(what)
}

// moneyLimit is one bound on what an order may cost; a nil limit is none.
type moneyLimit struct {
	what  string
	limit *billingv1alpha1.Money
}

// OrderWithinApproval checks the amount of placed order id (6.2.2, after
// discounts, before the discount the operator applies when paying) against
// what was authorized: the quote the gates passed, spec.maxPrice unless a
// person approved a price above it, and spec.approval.maxAmount. It returns
// "" when the order may be paid, otherwise why not. An amount that cannot
// be compared (no quote, an unknown currency, a currency other than the
// limit's) is never paid: a check that cannot decide holds.
func OrderWithinApproval(rr *billingv1alpha1.RenewalRequest, id string, o *Order) string {
	price := o.Price
	if price == nil {
		return fmt.Sprintf("order %s costs %s in currency %q, which cannot be compared with the quote", id, o.Amount, o.Currency)
	}
	if rr.Status.Quote == nil {
		return fmt.Sprintf("order %s costs %s but the attempt has no quote to compare it with", id, FormatMoney(price))
	}
	limits := []moneyLimit{{"the quote the gates passed", &rr.Status.Quote.Price}}
	if rr.Status.ApprovalState != billingv1alpha1.ApprovalStateApproved {
		limits = append(limits, moneyLimit{"spec.maxPrice", rr.Spec.MaxPrice})
	}
	if a := rr.Spec.Approval; a != nil && a.Decision == billingv1alpha1.DecisionApprove {
		limits = append(limits, moneyLimit{"the maximum " + a.Approver + " approved", a.MaxAmount})
		// The amount the approval was bound to when it was applied (the
		// quote the person saw, when they gave no maximum).
		limits = append(limits, moneyLimit{"the amount approved", rr.Status.ApprovedAmount})
	}
	for _, l := range limits {
		over, err := Exceeds(*price, l.limit)
		switch {
		case err != nil:
			return fmt.Sprintf("order %s costs %s, which cannot be compared with %s %s: %v", id, FormatMoney(price), l.what, FormatMoney(l.limit), err)
		case over:
			return fmt.Sprintf("order %s costs %s, above %s (%s)", id, FormatMoney(price), l.what, FormatMoney(l.limit))
		}
	}
	return ""
}

// ConfirmingInput is what the Confirming step looks at.
type ConfirmingInput struct {
	// Now is the business time.
	Now time.Time
	// Request is the RenewalRequest.
	Request *billingv1alpha1.RenewalRequest
	// Order is the attempt's first order; nil before ActionReadOrder (or
	// when the attempt has none).
	Order *Order
	// Resource is the resource as BSS shows it; nil before
	// ActionReadExpiry.
	Resource *Resource
}

// Confirming waits for the order to complete and the new expiry to show
// (6.2.2 then 6.3.1, digest §7.11).
func Confirming(in ConfirmingInput) Transition {
	rr := in.Request
	if len(rr.Status.OrderIDs) > 0 {
		if in.Order == nil {
			return need(ActionReadOrder)
		}
		switch in.Order.State {
		case OrderPendingPayment:
			return Transition{Phase: billingv1alpha1.RenewalPhasePaymentPending, WakeAt: in.Now}
		case OrderCancelled:
			return end(billingv1alpha1.RenewalPhaseCancelled, "order "+in.Order.ID+" was cancelled")
		case OrderCompleted:
		default:
			// Processing after payment, or a state a person must move on.
			return need(ActionWaitOrder)
		}
	}
	res := in.Resource
	if res == nil {
		return need(ActionReadExpiry)
	}
	if !res.Listed || !res.ExpireTime.After(rr.Spec.BaselineExpireTime.Time) {
		return Transition{Message: "the order is complete; waiting for BSS to show the new expiry", WakeAt: in.Now.Add(ExpiryPoll)}
	}
	t := end(billingv1alpha1.RenewalPhaseSucceeded, fmt.Sprintf("renewed %s until %s (orders %v)", rr.Spec.ResourceID, formatTime(res.ExpireTime), rr.Status.OrderIDs))
	t.NewExpireTime = res.ExpireTime
	if in.Order != nil {
		t.AmountPaid = in.Order.Price
	}
	return t
}
