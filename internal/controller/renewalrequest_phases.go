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

// advance moves the attempt forward by one step: renewal.Admit decides
// whether this pass acts at all, and which phase's step follows.
func (r *RenewalRequestReconciler) advance(ctx context.Context, st *rrState) error {
	rr := st.rr
	in := renewal.AdmitInput{Now: st.now, Request: rr, LedgerKnows: r.ledger().Knows(rr.UID), LedgerEnded: r.ledger().Ended(rr.UID)}
	t := renewal.Admit(in)
	if t.Action == renewal.ActionRead {
		// A new request is Pending even when the reads fail.
		r.apply(st, renewal.Transition{Phase: t.Phase})
		deps, err := r.dependencies(ctx, st)
		if err != nil {
			return err
		}
		in.Read = deps
		t = renewal.Admit(in)
	}
	step := t.Action
	t.Action = renewal.ActionNone
	r.apply(st, t)
	switch step {
	case renewal.ActionGate:
		return r.gate(ctx, st)
	case renewal.ActionOrder:
		return r.order(ctx, st)
	case renewal.ActionPay:
		return r.pay(ctx, st)
	case renewal.ActionConfirm:
		return r.confirm(ctx, st)
	}
	return nil
}

// dependencies reads what an attempt depends on: its BillingAccount (a
// problem with it stops the reads), its Subscription and, before the intent
// to order, the Subscription's RenewalPolicy.
func (r *RenewalRequestReconciler) dependencies(ctx context.Context, st *rrState) (*renewal.Dependencies, error) {
	rr := st.rr
	acct, err := r.Accounts.Resolve(ctx, rr.Namespace, rr.Spec.AccountRef.Name)
	if err != nil {
		if accounts.ErrorReason(err) != "" {
			return &renewal.Dependencies{AccountProblem: err.Error()}, nil
		}
		return nil, err
	}
	st.acct = acct

	var sub billingv1alpha1.Subscription
	err = r.Client.Get(ctx, client.ObjectKey{Namespace: rr.Namespace, Name: rr.Spec.SubscriptionName}, &sub)
	switch {
	case err == nil:
		st.sub = &sub
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("get Subscription %s: %w", rr.Spec.SubscriptionName, err)
	}
	deps := &renewal.Dependencies{Subscription: st.sub}
	if rr.Status.OrderIntentTime == nil && st.sub != nil {
		deps.Policy = r.policyOf(ctx, st.sub)
	}
	return deps, nil
}

// policyOf reads the Subscription's RenewalPolicy for renewal.Admit.
func (r *RenewalRequestReconciler) policyOf(ctx context.Context, sub *billingv1alpha1.Subscription) renewal.Policy {
	ref := sub.Spec.RenewalPolicyRef
	if ref == nil {
		return renewal.Policy{}
	}
	var pol billingv1alpha1.RenewalPolicy
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: sub.Namespace, Name: ref.Name}, &pol); err != nil {
		return renewal.Policy{Name: ref.Name, ReadError: bss.Describe(err)}
	}
	return renewal.Policy{Name: ref.Name, Mode: pol.Spec.Mode}
}

// apply writes a transition into the request's status and this pass's
// state: phase, message, reason, wake-up, what it records, and its events.
// The transition's Action is the caller's to do.
func (r *RenewalRequestReconciler) apply(st *rrState, t renewal.Transition) {
	rr := st.rr
	if t.Stale {
		st.stale = true
		return
	}
	if t.Orders != nil {
		rr.Status.OrderIDs = t.Orders
	}
	if o := t.Adopt; o != nil {
		rr.Status.OrderIDs = []string{o.ID}
		observeOrder(st, o)
		r.event(rr, "Normal", "OrderAdopted", "Renew", "adopted renewal order %s (%s) instead of ordering again", o.ID, o.Status)
	}
	if t.ClearFailures {
		rr.Status.FailureCount = 0
	}
	if t.ClearRetry {
		rr.Status.NextAttemptTime = nil
	}
	if t.StampIntent && rr.Status.OrderIntentTime == nil {
		rr.Status.OrderIntentTime = &metav1.Time{Time: st.now}
	}
	if !t.PaymentDeadline.IsZero() {
		rr.Status.PaymentDeadline = &metav1.Time{Time: t.PaymentDeadline}
	}
	if !t.NewExpireTime.IsZero() {
		rr.Status.NewExpireTime = &metav1.Time{Time: t.NewExpireTime}
	}
	if t.AmountPaid != nil {
		rr.Status.AmountPaid = t.AmountPaid
	}
	if t.Phase != "" {
		rr.Status.Phase = t.Phase
	}
	if t.Message != "" {
		rr.Status.Message = t.Message
	}
	if t.Ends() {
		rr.Status.CompletionTime = &metav1.Time{Time: st.now}
		rr.Status.NextAttemptTime = nil
	}
	if t.Reason != "" {
		st.reason = string(t.Reason)
	}
	if t.Warn != "" {
		action, note := "Renew", t.WarnMessage
		if t.Phase == billingv1alpha1.RenewalPhaseCancelled {
			action = "Cancel"
		}
		if note == "" {
			note = t.Message
		}
		r.event(rr, "Warning", string(t.Warn), action, "%s", note)
	}
	if !t.WakeAt.IsZero() {
		st.wakeAt(t.WakeAt)
	}
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
		r.fail(st, msg)
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
		r.fail(st, fmt.Sprintf("BSS will not quote the renewal: %v", bss.Describe(err)))
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
		r.fail(st, fmt.Sprintf(
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
		r.fail(st, fmt.Sprintf(
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
	observeOrder(st, orderView(&order))
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
			msg = renewal.ApprovalPrompt(msg, rr.Name, rr.Namespace)
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
	t := renewal.Gated(renewal.GatedInput{Now: st.now, Request: rr, Decision: d})
	if t.Phase == billingv1alpha1.RenewalPhaseBlocked && d.Hold.Gate == renewal.GateBudget {
		r.block(st, billingv1alpha1.ConditionBudgetBlocked, string(d.Reason), d.Message)
	}
	if t.Action != renewal.ActionRecordIntent {
		// The end's event comes from finished(), with the message.
		r.apply(st, t)
		return nil
	}
	wake := t.WakeAt
	t.Action, t.WakeAt = renewal.ActionNone, time.Time{}
	r.apply(st, t)
	if err := r.recordIntent(ctx, st); err != nil {
		return err
	}
	if rr.Status.Phase == billingv1alpha1.RenewalPhaseOrdering {
		// Recorded: the order follows at once. An attempt that did not
		// record it (a rival orders the resource, BSS failed) keeps the
		// wake-up recordIntent set.
		st.wakeAt(wake)
	}
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

// fail ends the attempt in phase Failed: the quote step's ends, which
// the gates do not see.
func (r *RenewalRequestReconciler) fail(st *rrState, msg string) {
	r.apply(st, renewal.Transition{Phase: billingv1alpha1.RenewalPhaseFailed, Message: msg})
}
