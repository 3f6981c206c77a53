package controller

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// maxRenewCalls bounds the renew calls of one attempt. A second call is
// made only after a lookup found no order from the first (a lost request);
// past this bound the attempt fails and a person looks.
const maxRenewCalls = 3

// advance moves the attempt forward by one step.
func (r *RenewalRequestReconciler) advance(ctx context.Context, st *rrState) error {
	rr := st.rr
	if rr.Status.Phase == "" {
		rr.Status.Phase = billingv1alpha1.RenewalPhasePending
	}
	if (rr.Status.OrderIntentTime == nil && r.ledger().Knows(rr.UID)) || r.ledger().Ended(rr.UID) {
		// The cache has not caught up with the intent this process
		// recorded (acting on it would quote again and lose the write to
		// an optimistic-lock conflict), or with the final phase this
		// process wrote (acting on it could renew an attempt that already
		// failed, while the next one orders). The watch event of the write
		// brings the request back.
		st.stale = true
		return nil
	}
	if next := rr.Status.NextAttemptTime; next != nil && st.now.Before(next.Time) {
		st.wakeAt(next.Time)
		return nil
	}
	acct, err := r.Accounts.Resolve(ctx, rr.Namespace, rr.Spec.AccountRef.Name)
	if err != nil {
		if accounts.ErrorReason(err) != "" {
			rr.Status.Message = "waiting for a usable BillingAccount: " + err.Error()
			st.wakeAt(st.now.Add(5 * time.Minute))
			return nil
		}
		return err
	}
	st.acct = acct

	var sub billingv1alpha1.Subscription
	err = r.Client.Get(ctx, client.ObjectKey{Namespace: rr.Namespace, Name: rr.Spec.SubscriptionName}, &sub)
	switch {
	case err == nil:
		st.sub = &sub
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("get Subscription %s: %w", rr.Spec.SubscriptionName, err)
	}
	beforeOrder := rr.Status.OrderIntentTime == nil
	if beforeOrder && (st.sub == nil || !sub.DeletionTimestamp.IsZero() || sub.Spec.ManagementPolicy != billingv1alpha1.ManagementManage || sub.Spec.Paused) {
		r.end(st, billingv1alpha1.RenewalPhaseFailed, "the Subscription was deleted, switched to Observe or paused before anything was ordered; nothing was spent")
		return nil
	}

	if beforeOrder && !createdFor(rr, st.sub) {
		// Only attempts the Subscription controller created, for its
		// current or next revision, may spend: a RenewalRequest applied by
		// hand (or copied from Git) is refused before anything is ordered.
		r.end(st, billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf(
			"not created by the operator for Subscription %s (revision %d); nothing was ordered — renewals start from the Subscription (annotation %s)",
			rr.Spec.SubscriptionName, rr.Spec.Revision, billingv1alpha1.AnnotationRenewNow))
		return nil
	}
	if beforeOrder {
		if reason := r.policyStillRenews(ctx, st.sub); reason != "" {
			r.end(st, billingv1alpha1.RenewalPhaseFailed, reason+"; nothing was ordered")
			return nil
		}
	}

	switch rr.Status.Phase {
	case billingv1alpha1.RenewalPhasePending, billingv1alpha1.RenewalPhaseAwaitingApproval,
		billingv1alpha1.RenewalPhaseBlocked, billingv1alpha1.RenewalPhaseApproved:
		return r.gate(ctx, st)
	case billingv1alpha1.RenewalPhaseOrdering:
		return r.order(ctx, st)
	case billingv1alpha1.RenewalPhasePaymentPending:
		return r.pay(ctx, st)
	case billingv1alpha1.RenewalPhaseConfirming:
		return r.confirm(ctx, st)
	}
	return nil
}

// createdFor reports whether the Subscription controller created the
// request for sub: sub is its controller (by UID), and its revision is the
// one sub's status records or the next (created, not yet recorded).
func createdFor(rr *billingv1alpha1.RenewalRequest, sub *billingv1alpha1.Subscription) bool {
	if !metav1.IsControlledBy(rr, sub) {
		return false
	}
	rev := sub.Status.RenewalRevision
	return rr.Spec.Revision == rev || rr.Spec.Revision == rev+1
}

// policyStillRenews returns why the Subscription's policy no longer asks
// for explicit renewal, or "" if it does. An attempt started under a Renew
// policy must not order after the policy changed (for example to AutoRenew,
// which would renew twice).
func (r *RenewalRequestReconciler) policyStillRenews(ctx context.Context, sub *billingv1alpha1.Subscription) string {
	ref := sub.Spec.RenewalPolicyRef
	if ref == nil {
		return "the Subscription no longer has a RenewalPolicy"
	}
	var pol billingv1alpha1.RenewalPolicy
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: sub.Namespace, Name: ref.Name}, &pol); err != nil {
		return fmt.Sprintf("RenewalPolicy %s cannot be read (%v)", ref.Name, bss.Describe(err))
	}
	if pol.Spec.Mode != billingv1alpha1.RenewalModeRenew {
		return fmt.Sprintf("RenewalPolicy %s changed to mode %s", ref.Name, pol.Spec.Mode)
	}
	return ""
}

// gate quotes the renewal, applies the gates (internal/renewal) and writes
// their decision. Only an attempt that passes all of them records its
// intent to order, on a quote fetched in the same pass.
func (r *RenewalRequestReconciler) gate(ctx context.Context, st *rrState) error {
	rr := st.rr
	// A new decision binds to the price shown when it was made: before
	// this pass quotes again (issue 16, path 8).
	bindApproval(rr)
	fetched := false
	if q := rr.Status.Quote; q == nil || renewal.QuoteStale(quotedAt(q), st.now) {
		// A quote that gated a long wait is fetched again before anything
		// is decided on it (issue 16, path 8).
		if ok, err := r.requote(ctx, st); !ok {
			return err
		}
		fetched = true
	}
	budget, err := r.budgetOf(ctx, rr)
	if err != nil {
		return err
	}
	d := renewal.Evaluate(gateInput(st, budget))
	if d.Phase == billingv1alpha1.RenewalPhaseApproved && !fetched {
		// Once more just before the intent: an approval or a budget
		// release after a wait must not order at a price nobody saw.
		if ok, err := r.requote(ctx, st); !ok {
			return err
		}
		d = renewal.Evaluate(gateInput(st, budget))
	}
	return r.applyGates(ctx, st, d)
}

// bindApproval records the amount a person's decision binds to, once per
// decision: spec.approval changes only by a new decision, which bumps the
// generation. A decision made before any quote was shown, without a
// maxAmount, binds to nothing: the operator asks again once it has a price.
func bindApproval(rr *billingv1alpha1.RenewalRequest) {
	a := rr.Spec.Approval
	if a == nil || rr.Status.ApprovalGeneration == rr.Generation {
		return
	}
	var shown *billingv1alpha1.Money
	if q := rr.Status.Quote; q != nil {
		shown = &q.Price
	}
	rr.Status.ApprovedAmount = renewal.BindApproval(a, shown)
	rr.Status.ApprovalGeneration = rr.Generation
}

// quotedAt is when a quote was given, zero when it does not say.
func quotedAt(q *billingv1alpha1.PriceQuote) time.Time {
	if q == nil || q.QuotedAt == nil {
		return time.Time{}
	}
	return q.QuotedAt.Time
}

// requote asks BSS for the renewal price (4.2.3) and records it. It
// returns false when the pass ends here (the attempt waits or ended; the
// status says why) or with an error.
func (r *RenewalRequestReconciler) requote(ctx context.Context, st *rrState) (bool, error) {
	rr := st.rr
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	q, err := quoteRenewal(bctx, st.acct.BSS, rr.Spec.ResourceID, rr.Spec.Period, st.now)
	switch {
	case err == nil && len(rr.Status.OrderIDs) > 0:
		// The pending order this attempt was gated on no longer blocks a
		// quote: someone paid or cancelled it while the attempt waited.
		// What BSS shows now is for a new attempt to read; nothing is
		// ordered on this one.
		msg := fmt.Sprintf("pending renewal order %s was paid or cancelled outside the operator while this attempt waited; nothing was ordered or paid, and the Subscription starts again from what BSS shows",
			rr.Status.OrderIDs[0])
		r.event(rr, "Warning", billingv1alpha1.ReasonPendingOrderGone, "Renew", "%s", msg)
		r.end(st, billingv1alpha1.RenewalPhaseFailed, msg)
		return false, nil
	case err == nil:
		rr.Status.Quote = q
		rr.Status.FailureCount = 0
		rr.Status.NextAttemptTime = nil
		return true, nil
	case bss.HasCode(err, bss.CodeQuotePendingOrder):
		// An order for this resource awaits payment already (digest §7.2
		// rule 12): it is gated on its own amount and period.
		return r.quotePendingOrder(bctx, st)
	case bss.IsTerminal(err):
		r.end(st, billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf("BSS will not quote the renewal: %v", bss.Describe(err)))
		return false, nil
	default:
		r.bssWait(st, "quote the renewal", err)
		return false, nil
	}
}

// quotePendingOrder prices the attempt by the renewal order that awaits
// payment and blocks a quote, read with 6.2.2 so that its period is known
// from its lines: the gates then apply to the order's own amount and
// period before it is paid (issue 16, path 5). The attempt has ordered
// nothing yet, so the order was not placed by it.
func (r *RenewalRequestReconciler) quotePendingOrder(ctx context.Context, st *rrState) (bool, error) {
	rr := st.rr
	found, err := r.findOrder(ctx, st, time.Time{}, bss.OrderPendingPayment)
	if err != nil {
		r.bssWait(st, "find the pending order", err)
		return false, nil
	}
	if found == nil {
		r.end(st, billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf(
			"resource %s has an order pending payment that is not a renewal; pay or cancel it in the console (CBC.30050010)", rr.Spec.ResourceID))
		return false, nil
	}
	detail, err := st.acct.BSS.GetOrder(ctx, found.ID)
	if err != nil {
		r.bssWait(st, "read pending order "+found.ID, err)
		return false, nil
	}
	order := detail.Order
	price := toMoney(order.AmountAfterDiscount.Amount, order.AmountAfterDiscount.Currency)
	if price == nil {
		// Without a currency the price cannot be held against maxPrice or
		// a budget; nothing is paid.
		r.end(st, billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf(
			"pending renewal order %s has no currency, so its price cannot be checked; pay or cancel it in the console", order.ID))
		return false, nil
	}
	if prev := rr.Status.OrderIDs; rr.Status.Quote != nil && (len(prev) == 0 || prev[0] != order.ID) {
		// What a person approved (a quote, or another order) is not this
		// order: the approval does not cover paying it.
		rr.Status.ApprovedAmount = nil
	}
	rr.Status.Quote = &billingv1alpha1.PriceQuote{
		Price: *price, OfficialPrice: toMoney(order.OfficialAmount.Amount, order.AmountAfterDiscount.Currency),
		Period: orderPeriod(detail.LineItems), QuotedAt: &metav1.Time{Time: st.now},
	}
	rr.Status.OrderIDs = []string{order.ID}
	observeOrder(st, &order)
	rr.Status.FailureCount = 0
	rr.Status.NextAttemptTime = nil
	return true, nil
}

// orderPeriod is the renewal period of an order's lines (6.2.2
// period_type, period_num), or nil when a line does not say or the lines
// disagree.
func orderPeriod(items []bss.OrderLineItem) *billingv1alpha1.RenewalPeriod {
	var out *billingv1alpha1.RenewalPeriod
	for _, li := range items {
		var p billingv1alpha1.RenewalPeriod
		switch li.PeriodType {
		case bss.PeriodMonth:
			p.Unit = billingv1alpha1.PeriodUnitMonth
		case bss.PeriodYear:
			p.Unit = billingv1alpha1.PeriodUnitYear
		default:
			return nil
		}
		if li.PeriodNum == nil {
			return nil
		}
		p.Count = int32(*li.PeriodNum) //nolint:gosec // 1 to 11 from BSS; compared, never used as a size
		if out != nil && *out != p {
			return nil
		}
		out = &p
	}
	return out
}

// budgetOf reads the referenced BudgetAlert for the budget gate: nil when
// none is referenced or it does not exist (the gate tells the two apart by
// the reference).
func (r *RenewalRequestReconciler) budgetOf(ctx context.Context, rr *billingv1alpha1.RenewalRequest) (*renewal.Budget, error) {
	ref := rr.Spec.BudgetAlertRef
	if ref == nil {
		return nil, nil
	}
	var b billingv1alpha1.BudgetAlert
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: rr.Namespace, Name: ref.Name}, &b); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("get BudgetAlert %s: %w", ref.Name, err)
	}
	return renewal.BudgetFrom(&b), nil
}

// gateInput is what the gates look at, from the request's spec and status.
func gateInput(st *rrState, budget *renewal.Budget) renewal.Input {
	rr := st.rr
	q := rr.Status.Quote
	in := renewal.Input{
		Now: st.now, Spec: &rr.Spec, Budget: budget,
		Quote: renewal.Quote{Price: q.Price, QuotedAt: quotedAt(q)},
	}
	if len(rr.Status.OrderIDs) > 0 {
		// Before the intent, an order in status is a pending order the
		// quote was refused for, priced and dated by quotePendingOrder.
		in.Quote.PendingOrder = &renewal.PendingOrder{ID: rr.Status.OrderIDs[0], Period: q.Period}
	}
	if a := rr.Spec.Approval; a != nil {
		in.Approval = &renewal.Approval{Decision: a.Decision, Approver: a.Approver, Reason: a.Reason, Amount: rr.Status.ApprovedAmount}
	}
	return in
}

// applyGates writes the gates' decision and, when the attempt may go on,
// records the intent to order (or, for an adopted pending order, moves on
// to paying it).
func (r *RenewalRequestReconciler) applyGates(ctx context.Context, st *rrState, d renewal.Decision) error {
	rr := st.rr
	if d.ApprovalState != "" {
		rr.Status.ApprovalState = d.ApprovalState
		status := metav1.ConditionFalse
		if d.Phase == billingv1alpha1.RenewalPhaseAwaitingApproval {
			status = metav1.ConditionTrue
		}
		msg := d.ApprovalMessage
		if status == metav1.ConditionTrue {
			msg = fmt.Sprintf("%s; approve with `kubectl bss approve %s -n %s` or by setting spec.approval", msg, rr.Name, rr.Namespace)
		}
		old := condition(rr.Status.Conditions, billingv1alpha1.ConditionApprovalRequired)
		changed := old == nil || old.Status != status || old.Reason != string(d.ApprovalReason)
		setCondition(&rr.Status.Conditions, st.now, billingv1alpha1.ConditionApprovalRequired, status, string(d.ApprovalReason), msg)
		if status == metav1.ConditionTrue && changed {
			r.event(rr, "Warning", string(d.ApprovalReason), "Approve", "%s", msg)
		}
	}
	if d.Phase != billingv1alpha1.RenewalPhaseBlocked || d.Hold.Gate != renewal.GateBudget {
		setCondition(&rr.Status.Conditions, st.now, billingv1alpha1.ConditionBudgetBlocked, metav1.ConditionFalse, billingv1alpha1.ReasonWithinLimits, "no budget holds this renewal")
	}
	switch d.Phase {
	case billingv1alpha1.RenewalPhaseDenied, billingv1alpha1.RenewalPhaseFailed:
		// The end's event comes from finished(), with the message.
		r.end(st, d.Phase, d.Message)
		return nil
	case billingv1alpha1.RenewalPhaseBlocked:
		if d.Hold.Gate == renewal.GateBudget {
			r.block(st, billingv1alpha1.ConditionBudgetBlocked, string(d.Reason), d.Message)
		}
		rr.Status.Phase = billingv1alpha1.RenewalPhaseBlocked
		rr.Status.Message = d.Message
		st.wakeAt(d.WakeAt)
		return nil
	case billingv1alpha1.RenewalPhaseAwaitingApproval:
		rr.Status.Phase = billingv1alpha1.RenewalPhaseAwaitingApproval
		rr.Status.Message = condition(rr.Status.Conditions, billingv1alpha1.ConditionApprovalRequired).Message
		if !d.WakeAt.IsZero() {
			st.wakeAt(d.WakeAt)
		}
		// And the usual minute's look, which notices a paused or deleted
		// Subscription (its changes do not re-queue the request); it calls
		// BSS only once the quote is stale.
		st.wakeAt(st.now.Add(time.Minute))
		return nil
	}
	rr.Status.Phase = billingv1alpha1.RenewalPhaseApproved
	if len(rr.Status.OrderIDs) > 0 {
		// A pending order was gated: it is paid, not placed again.
		rr.Status.Phase = billingv1alpha1.RenewalPhasePaymentPending
		rr.Status.Message = fmt.Sprintf("paying pending renewal order %s (%s): %s", rr.Status.OrderIDs[0], formatMoney(&rr.Status.Quote.Price), d.Message)
		if rr.Status.OrderIntentTime == nil {
			rr.Status.OrderIntentTime = &metav1.Time{Time: st.now}
		}
		st.wakeAt(st.now)
		return nil
	}
	if err := r.recordIntent(ctx, st); err != nil {
		return err
	}
	st.wakeAt(st.now)
	return nil
}

// block holds the attempt in phase Blocked with a condition.
func (r *RenewalRequestReconciler) block(st *rrState, condType, reason, msg string) {
	rr := st.rr
	rr.Status.Phase = billingv1alpha1.RenewalPhaseBlocked
	rr.Status.Message = msg
	if setCondition(&rr.Status.Conditions, st.now, condType, metav1.ConditionTrue, reason, msg) {
		r.event(rr, "Warning", reason, "Renew", "%s", msg)
	}
}

// end finishes the attempt.
func (r *RenewalRequestReconciler) end(st *rrState, phase billingv1alpha1.RenewalPhase, msg string) {
	st.rr.Status.Phase = phase
	st.rr.Status.Message = msg
	st.rr.Status.CompletionTime = &metav1.Time{Time: st.now}
	st.rr.Status.NextAttemptTime = nil
}
