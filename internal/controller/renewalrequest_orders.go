package controller

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/audit"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/discount"
)

// lookupSlack widens the creation-time window of the order lookup to
// allow for clock differences between the operator and BSS.
const lookupSlack = 10 * time.Minute

// order places the renewal order, at most once per revision. The intent
// was recorded before this step; so every pass first looks for an order
// the previous pass may have created (a crash or a lost response), and
// adopts it instead of ordering again (issue 4; digest §7.11). A call that
// may still be under way is waited out before that lookup (issue 16, path
// 1), and the resource is read again just before each call (path 3).
func (r *RenewalRequestReconciler) order(ctx context.Context, st *rrState) error {
	rr := st.rr
	bctx, cancel := r.bssContext(ctx)
	defer cancel()

	intent := rr.Status.OrderIntentTime.Time
	fresh, known := r.ledger().Lookup(rr.UID, intent)
	switch {
	case len(known) > 0:
		// This process placed the order; the cache has not caught up.
		r.placed(st, known)
		return nil
	case !fresh || rr.Spec.LookupFirst:
		// Recorded by another process, a call with an unknown outcome, or
		// an attempt after one (spec.lookupFirst).
		// A call that started less than the write timeout plus the
		// settling delay ago may still be on the wire (the old leader's,
		// or this process's own whose answer was lost), or its order may
		// not show yet: a lookup now could miss it and order again. Only
		// this process, having got the answer, may skip the wait.
		started, settled := r.ledger().LastCall(rr.UID, intent)
		if until, quiet := renewQuietUntil(rr, started, r.renewQuiet(), st.now); quiet && !settled {
			rr.Status.Message = fmt.Sprintf("renew call %d may still be under way; the order is looked up at %s, and nothing is ordered before",
				rr.Status.RenewCalls, formatTime(until))
			st.reason = billingv1alpha1.ReasonRenewCallSettling
			st.wakeAt(until)
			return nil
		}
		// Then search BSS before anything else.
		if adopted, err := r.adoptExisting(bctx, st); err != nil || adopted {
			if err != nil {
				r.bssWait(st, "look for an order placed earlier", err)
			}
			return nil
		}
	}
	if rr.Status.RenewCalls >= maxRenewCalls {
		r.end(st, billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf(
			"%d renew calls got no answer and no order can be found; stopping so that nothing is ordered twice — check the BSS console", rr.Status.RenewCalls))
		return nil
	}
	// The world may have changed since the intent (a renewal in the
	// console, cloud auto-renew switched on): read the resource again just
	// before the call.
	if stop, err := r.resourceChanged(bctx, st); err != nil || stop {
		if err != nil {
			r.bssWait(st, "read the resource before renewing", err)
		}
		return nil
	}

	pt, pn := periodToBSS(rr.Spec.Period)
	// Count the call durably, with the time it starts, before making it
	// (issue 16, path 1): a count kept only in memory until the write after
	// the call is lost with a crash, a handover or a conflicting write, and
	// the bound on blind calls with it; the start tells the next leader how
	// long the call may still be under way. The write carries the
	// optimistic lock, so a pass working from a stale copy stops here
	// without calling BSS. Seconds, rounded down, as the apiserver keeps it.
	mark := metav1.Time{Time: r.Timing.Now().Truncate(time.Second)}
	first := firstRenewCall(rr)
	if first == nil {
		first = &mark
	}
	rr.Status.FirstRenewCallAt = first.DeepCopy()
	rr.Status.RenewCalls++
	rr.Status.RenewCallStartedAt = &mark
	rr.Status.Message = fmt.Sprintf("renew call %d of at most %d under way", rr.Status.RenewCalls, maxRenewCalls)
	// Shutdown cuts neither this record nor the call that follows it
	// (writeContext): a SIGTERM while the record is on the wire would
	// otherwise leave a call recorded but never made, which the next
	// leader waits out and counts as a blind call.
	pctx, pcancel := r.writeContext(ctx, statusWriteTimeout)
	defer pcancel()
	if err := r.patchStatus(pctx, st.orig, rr, false); err != nil {
		return fmt.Errorf("record renew call %d before making it: %w", rr.Status.RenewCalls, err)
	}
	st.orig = rr.DeepCopy()
	r.ledger().Calling(rr.UID, intent, mark.Time)
	// The order is placed unpaid (is_auto_pay 0, digest §7.2 rules 18-19),
	// whatever the payment method: it is paid only after its amount was
	// compared with what was approved (issue 16, path 6; see pay).
	wctx, wcancel := r.writeContext(ctx, r.writeTimeout())
	defer wcancel()
	out, err := st.acct.BSS.Renew(wctx, bss.RenewRequest{ResourceIDs: []string{rr.Spec.ResourceID}, PeriodType: pt, PeriodNum: pn})
	switch {
	case err == nil:
		r.ledger().Answered(rr.UID, intent, out.OrderIDs)
		r.event(rr, "Normal", "OrderPlaced", "Renew", "renewal orders %v placed for %s", out.OrderIDs, rr.Spec.ResourceID)
		r.placed(st, out.OrderIDs)
	case bss.HasCode(err, bss.CodePendingOrder):
		// Another order for this resource awaits payment (digest §7.2 rule
		// 12): this call ordered nothing. The pending order is adopted only
		// if an earlier call of this attempt can have placed it, and
		// reported if not.
		r.notApplied(st, intent)
		if order, ferr := r.findOrder(bctx, st, time.Time{}, bss.OrderPendingPayment); ferr != nil {
			r.bssWait(st, "find the pending order", ferr)
		} else if order == nil {
			r.end(st, billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf(
				"resource %s has an order pending payment that is not a renewal; pay or cancel it in the console (CBC.99003100)", rr.Spec.ResourceID))
		} else {
			r.adoptOwn(st, order, pendingOrderOwn(order, rr.Status.RenewCalls, firstRenewCall(rr), mark.Time),
				fmt.Sprintf("BSS refused this attempt's renew call of %s because of it (CBC.99003100), and no earlier call of the attempt can have placed it",
					formatTime(mark.Time)))
		}
	case bss.IsAmbiguous(err):
		// The request may have been applied. Never call again blindly: the
		// order is looked up once the call cannot be under way any more.
		until := mark.Add(r.renewQuiet())
		rr.Status.Message = fmt.Sprintf("renew call outcome unknown (%v); the order is looked up at %s", bss.Describe(err), formatTime(until))
		st.reason = billingv1alpha1.ReasonRenewCallSettling
		st.wakeAt(until)
	case bss.IsRetryable(err), bss.IsAuth(err):
		// Definitely not applied. Rejected credentials (an expired token,
		// say) are not the renewal's fault: the attempt waits for new ones,
		// which re-queue it, instead of failing and starting over.
		r.notApplied(st, intent)
		r.bssWait(st, "renew", err)
	default:
		r.end(st, billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf("BSS refused the renewal: %v", bss.Describe(err)))
	}
	return nil
}

// notApplied records that BSS answered the latest renew call with a
// refusal that ordered nothing: the call is not counted, and no quiet time
// follows it.
func (r *RenewalRequestReconciler) notApplied(st *rrState, intent time.Time) {
	st.rr.Status.RenewCalls--
	st.rr.Status.RenewCallStartedAt = nil
	r.ledger().NotApplied(st.rr.UID, intent)
}

// placed moves the attempt on with the orders a renew call returned. The
// orders are unpaid: pay checks their amount before paying them.
func (r *RenewalRequestReconciler) placed(st *rrState, orderIDs []string) {
	rr := st.rr
	rr.Status.OrderIDs = orderIDs
	rr.Status.FailureCount = 0
	rr.Status.NextAttemptTime = nil
	rr.Status.Phase = billingv1alpha1.RenewalPhasePaymentPending
	if rr.Spec.Payment.Method == billingv1alpha1.PaymentMethodManual {
		rr.Status.Message = "ordered; awaiting payment"
	} else {
		rr.Status.Message = "ordered; its amount is checked before it is paid"
	}
	st.wakeAt(st.now)
}

// adoptExisting finds an order placed by an earlier pass of this attempt,
// or a renewal that already took effect, and moves the attempt on. An
// order this attempt cannot have placed stops it instead (issue 16, path 4).
func (r *RenewalRequestReconciler) adoptExisting(ctx context.Context, st *rrState) (bool, error) {
	rr := st.rr
	since := rr.Status.OrderIntentTime.Add(-lookupSlack)
	order, err := r.findOrder(ctx, st, since, 0)
	if err != nil {
		return false, err
	}
	if order != nil && order.Status == bss.OrderCanceled && foreignOrder(order, firstRenewCall(rr)) {
		// Cancelled before this attempt called (an earlier attempt's order
		// cancelled unpaid): it costs nothing and is nobody's to adopt.
		order = nil
	}
	if order != nil {
		r.adoptOwn(st, order, !foreignOrder(order, firstRenewCall(rr)), firstCallNote(rr))
		return true, nil
	}
	// With auto-pay the order may be complete and the expiry moved even
	// if the order list lags: the expiry is the final word.
	found, err := r.Inventory.Lookup(ctx, st.acct.Key, st.acct.BSS, []string{rr.Spec.ResourceID})
	if err != nil {
		return false, err
	}
	if res, ok := found[rr.Spec.ResourceID]; ok && res.ExpireTime.After(rr.Spec.BaselineExpireTime.Time) {
		if firstRenewCall(rr) == nil {
			// This attempt never called renew: someone else renewed.
			reason, msg := resourceChange(&res, rr.Spec.BaselineExpireTime.Time)
			r.endBecause(st, billingv1alpha1.RenewalPhaseFailed, reason, msg+"; nothing was ordered")
			return true, nil
		}
		rr.Status.NewExpireTime = &metav1.Time{Time: res.ExpireTime}
		r.end(st, billingv1alpha1.RenewalPhaseSucceeded, fmt.Sprintf(
			"BSS shows the expiry moved to %s; no matching order was found, so none was placed again", formatTime(res.ExpireTime)))
		return true, nil
	}
	return false, nil
}

// adoptOwn adopts a renewal order for the resource if this attempt can have
// placed it (own). An order it cannot have placed — created before its
// first renew call, with none made, or the cause of a refused call — was
// placed by someone else: a person in the console, another cluster's
// operator. It is never taken over: the attempt stops and names it, with
// why it is not the attempt's (issue 16, paths 4 and 5).
func (r *RenewalRequestReconciler) adoptOwn(st *rrState, order *bss.Order, own bool, why string) {
	rr := st.rr
	if own {
		r.adopt(st, order)
		return
	}
	msg := fmt.Sprintf("renewal order %s (%s, created %s) for %s was not placed by this operator (%s); it was not paid — pay or cancel it in the console, or find who placed it (another cluster?)",
		order.ID, order.Status, formatTime(order.CreateTime), rr.Spec.ResourceID, why)
	r.event(rr, "Warning", billingv1alpha1.ReasonForeignOrder, "Renew", "%s", msg)
	r.endBecause(st, billingv1alpha1.RenewalPhaseFailed, billingv1alpha1.ReasonForeignOrder, msg)
}

// firstCallNote says when the attempt's first renew call started, for the
// report of an order created before it.
func firstCallNote(rr *billingv1alpha1.RenewalRequest) string {
	if f := firstRenewCall(rr); f != nil {
		return "this attempt's first renew call started at " + formatTime(f.Time)
	}
	return "this attempt made no renew call"
}

// adopt takes an existing renewal order over.
func (r *RenewalRequestReconciler) adopt(st *rrState, order *bss.Order) {
	rr := st.rr
	rr.Status.OrderIDs = []string{order.ID}
	observeOrder(st, order)
	r.event(rr, "Normal", "OrderAdopted", "Renew", "adopted renewal order %s (%s) instead of ordering again", order.ID, order.Status)
	switch order.Status {
	case bss.OrderPendingPayment:
		rr.Status.Phase = billingv1alpha1.RenewalPhasePaymentPending
	case bss.OrderCanceled:
		r.end(st, billingv1alpha1.RenewalPhaseCancelled, "the renewal order "+order.ID+" was cancelled")
		return
	default:
		rr.Status.Phase = billingv1alpha1.RenewalPhaseConfirming
	}
	rr.Status.Message = "adopted order " + order.ID
	st.wakeAt(st.now)
}

// findOrder returns the newest renewal order for the request's resource
// created since the given time (zero: any time in the last year), with the
// given status (0: any), or nil.
func (r *RenewalRequestReconciler) findOrder(ctx context.Context, st *rrState, since time.Time, status bss.OrderStatus) (*bss.Order, error) {
	if since.IsZero() {
		since = st.now.Add(-364 * 24 * time.Hour)
	}
	req := bss.ListOrdersRequest{Type: bss.OrderRenewal, Status: status, CreateTimeBegin: since, CreateTimeEnd: st.now.Add(lookupSlack), Limit: 100}
	for offset := 0; ; offset += 100 {
		req.Offset = offset
		page, err := st.acct.BSS.ListOrders(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("list renewal orders: %w", err)
		}
		for i := range page.Orders {
			o := &page.Orders[i]
			res, err := st.acct.BSS.ListResources(ctx, bss.ListResourcesRequest{OrderID: o.ID, OnlyMainResource: true, Limit: 50})
			if err != nil {
				return nil, fmt.Errorf("list resources of order %s: %w", o.ID, err)
			}
			for _, x := range res.Resources {
				if x.ID == st.rr.Spec.ResourceID {
					return o, nil
				}
			}
		}
		if len(page.Orders) == 0 || offset+len(page.Orders) >= page.TotalCount {
			return nil, nil
		}
	}
}

// pay pays the pending order (method Pay, or AutoPay whose auto-payment
// failed), waits for a person (Manual), and cancels it at the deadline.
func (r *RenewalRequestReconciler) pay(ctx context.Context, st *rrState) error {
	rr := st.rr
	if len(rr.Status.OrderIDs) == 0 {
		rr.Status.Phase = billingv1alpha1.RenewalPhaseOrdering
		st.wakeAt(st.now)
		return nil
	}
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	id := rr.Status.OrderIDs[0]
	detail, err := st.acct.BSS.GetOrder(bctx, id)
	if err != nil {
		r.bssWait(st, "read order "+id, err)
		return nil
	}
	order := detail.Order
	observeOrder(st, &order)
	switch order.Status {
	case bss.OrderCompleted, bss.OrderProcessing:
		rr.Status.Phase = billingv1alpha1.RenewalPhaseConfirming
		st.wakeAt(st.now)
		return nil
	case bss.OrderCanceled:
		r.end(st, billingv1alpha1.RenewalPhaseCancelled, "order "+id+" was cancelled before it was paid")
		return nil
	case bss.OrderPendingPayment:
	default:
		// Pending approval, to be confirmed: not payable (digest §7.7
		// rule 50); waited for, within a bound.
		r.waitOrderState(st, &order)
		return nil
	}

	deadline := rr.Status.OrderIntentTime.Add(cancelUnpaidAfter(rr))
	if !order.PendingPaymentEndTime.IsZero() && order.PendingPaymentEndTime.Before(deadline) {
		deadline = order.PendingPaymentEndTime
	}
	rr.Status.PaymentDeadline = &metav1.Time{Time: deadline}
	wctx, wcancel := r.writeContext(ctx, r.writeTimeout())
	defer wcancel()
	if !st.now.Before(deadline) {
		return r.cancelUnpaid(wctx, st, id)
	}
	// A partner's order is the partner's to pay: never paid here.
	if waiting, err := r.leaveToPartner(bctx, st, &order, deadline); err != nil || waiting {
		if err != nil {
			r.bssWait(st, "read who pays order "+id, err)
		}
		return nil
	}
	if rr.Spec.Payment.Method == billingv1alpha1.PaymentMethodManual {
		rr.Status.Message = fmt.Sprintf("order %s (%s %s) awaits payment in the console; it is cancelled at %s if unpaid",
			id, order.AmountAfterDiscount.Amount.StringFixed(2), order.AmountAfterDiscount.Currency, formatTime(deadline))
		st.wakeAt(earliest(deadline, st.now.Add(10*time.Minute)))
		return nil
	}
	// Whatever the order costs is not paid blindly (issue 16, path 6): its
	// amount must be within the quote the gates passed and the approved
	// maximum, or it is cancelled and the next attempt asks again.
	if why := orderWithinApproval(rr, id, order.AmountAfterDiscount); why != "" {
		return r.refuseOrder(wctx, st, id, why)
	}
	req := bss.PayOrderRequest{OrderID: id}
	// AutoPay used to let BSS apply the discounts itself (is_auto_pay=1);
	// now that the operator pays, it applies the best one for it.
	if rr.Spec.Payment.Discount != billingv1alpha1.DiscountNone || rr.Spec.Payment.Method == billingv1alpha1.PaymentMethodAutoPay {
		discounts, err := st.acct.BSS.ListOrderDiscounts(bctx, id)
		if err != nil {
			r.bssWait(st, "list the discounts of order "+id, err)
			return nil
		}
		if best, ok := discount.Best(discounts, id, detail.LineItems, order.AmountAfterDiscount.Amount); ok {
			req.Discount = &bss.DiscountRef{ID: best.Discount.ID, Type: best.Discount.Type}
			t := int32(best.Discount.Type)
			rr.Status.DiscountID, rr.Status.DiscountType = best.Discount.ID, &t
			rr.Status.DiscountSaved = toMoney(best.Saved, order.AmountAfterDiscount.Currency)
		}
	}
	wctx = audit.WithAmount(wctx, auditMoney(order.AmountAfterDiscount))
	err = st.acct.BSS.PayOrder(wctx, req)
	switch {
	case err == nil:
		rr.Status.Phase = billingv1alpha1.RenewalPhaseConfirming
		rr.Status.Message = "paid order " + id
		rr.Status.FailureCount = 0
		r.event(rr, "Normal", "OrderPaid", "Pay", "paid renewal order %s", id)
		st.wakeAt(st.now)
	case bss.IsAmbiguous(err), bss.HasCode(err, bss.CodePaymentInProgress), bss.HasCode(err, bss.CodeOrderStatusChanged):
		// The order's status tells next time whether it was paid.
		rr.Status.Message = fmt.Sprintf("payment of %s outcome unknown (%v); reading the order again", id, bss.Describe(err))
		st.wakeAt(st.now.Add(10 * time.Second))
	case bss.HasCode(err, bss.CodeOrderPaymentExpired):
		r.end(st, billingv1alpha1.RenewalPhaseCancelled, fmt.Sprintf("order %s expired unpaid (%v)", id, bss.Describe(err)))
	default:
		if setCondition(&rr.Status.Conditions, st.now, billingv1alpha1.ConditionPaymentPending, metav1.ConditionTrue, billingv1alpha1.ReasonPaymentFailed,
			fmt.Sprintf("paying order %s failed: %v", id, bss.Describe(err))) {
			r.event(rr, "Warning", billingv1alpha1.ReasonPaymentFailed, "Pay", "paying order %s failed: %v", id, err)
		}
		r.bssWait(st, "pay order "+id, err)
		if rr.Status.NextAttemptTime != nil && rr.Status.NextAttemptTime.After(deadline) {
			rr.Status.NextAttemptTime = &metav1.Time{Time: deadline}
		}
	}
	return nil
}

// cancelUnpaid cancels an order still unpaid at the deadline, so that a new
// attempt can be made (6.2.5: only pending orders can be cancelled).
func (r *RenewalRequestReconciler) cancelUnpaid(ctx context.Context, st *rrState, id string) error {
	err := st.acct.BSS.CancelOrder(ctx, id)
	switch {
	case bss.HasCode(err, bss.CodeOrderNotCancelable):
		// Not cancellable means it changed state (paid, or cancelled by
		// BSS); the next pass reads the order again.
		st.rr.Status.Message = fmt.Sprintf("order %s could not be cancelled (%v); reading it again", id, bss.Describe(err))
		st.wakeAt(st.now)
	case err == nil:
		r.event(st.rr, "Warning", billingv1alpha1.ReasonOrderCancelled, "Cancel", "cancelled renewal order %s, unpaid at the deadline", id)
		r.end(st, billingv1alpha1.RenewalPhaseCancelled, "order "+id+" was unpaid at the deadline and was cancelled")
	default:
		r.bssWait(st, "cancel unpaid order "+id, err)
	}
	return nil
}

// refuseOrder cancels an order that costs more than was authorized (6.2.5;
// only a pending order can be cancelled, digest §7.7 rule 49) and ends the attempt unpaid, so that the Subscription's next attempt is
// quoted and gated, and approved if need be, again.
func (r *RenewalRequestReconciler) refuseOrder(ctx context.Context, st *rrState, id, why string) error {
	err := st.acct.BSS.CancelOrder(ctx, id)
	switch {
	case bss.HasCode(err, bss.CodeOrderNotCancelable):
		// Paid or cancelled meanwhile (by a person, or BSS): the next
		// pass reads the order again.
		st.rr.Status.Message = fmt.Sprintf("%s; it could not be cancelled (%v); reading it again", why, bss.Describe(err))
		st.wakeAt(st.now)
	case err == nil:
		msg := why + "; it was not paid and was cancelled — the next attempt needs the price approved again"
		r.event(st.rr, "Warning", billingv1alpha1.ReasonPriceAboveApproved, "Cancel", "%s", msg)
		r.endBecause(st, billingv1alpha1.RenewalPhaseCancelled, billingv1alpha1.ReasonPriceAboveApproved, msg)
	default:
		st.rr.Status.Message = why + "; not paid"
		r.bssWait(st, why+"; cancelling it", err)
	}
	return nil
}

// cancelUnpaidAfter is the policy's deadline for unpaid orders.
func cancelUnpaidAfter(rr *billingv1alpha1.RenewalRequest) time.Duration {
	if d := rr.Spec.Payment.CancelUnpaidAfter; d != nil && d.Duration > 0 {
		return d.Duration
	}
	return billingv1alpha1.DefaultCancelUnpaidAfter
}

// confirm waits for the order to complete and the new expiry to show (6.2.2
// then 6.3.1, digest §7.11).
func (r *RenewalRequestReconciler) confirm(ctx context.Context, st *rrState) error {
	rr := st.rr
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	var order *bss.Order
	if len(rr.Status.OrderIDs) > 0 {
		detail, err := st.acct.BSS.GetOrder(bctx, rr.Status.OrderIDs[0])
		if err != nil {
			r.bssWait(st, "read order "+rr.Status.OrderIDs[0], err)
			return nil
		}
		order = &detail.Order
		observeOrder(st, order)
		switch order.Status {
		case bss.OrderPendingPayment:
			rr.Status.Phase = billingv1alpha1.RenewalPhasePaymentPending
			st.wakeAt(st.now)
			return nil
		case bss.OrderCanceled:
			r.end(st, billingv1alpha1.RenewalPhaseCancelled, "order "+order.ID+" was cancelled")
			return nil
		case bss.OrderCompleted:
		default:
			// Processing after payment, or a state a person must move on.
			r.waitOrderState(st, order)
			return nil
		}
	}
	found, err := r.Inventory.Lookup(bctx, st.acct.Key, st.acct.BSS, []string{rr.Spec.ResourceID})
	if err != nil {
		r.bssWait(st, "read the renewed expiry", err)
		return nil
	}
	res, ok := found[rr.Spec.ResourceID]
	if !ok || !res.ExpireTime.After(rr.Spec.BaselineExpireTime.Time) {
		rr.Status.Message = "the order is complete; waiting for BSS to show the new expiry"
		st.wakeAt(st.now.Add(30 * time.Second))
		return nil
	}
	rr.Status.NewExpireTime = &metav1.Time{Time: res.ExpireTime}
	if order != nil {
		rr.Status.AmountPaid = toMoney(order.AmountAfterDiscount.Amount, order.AmountAfterDiscount.Currency)
	}
	r.end(st, billingv1alpha1.RenewalPhaseSucceeded, fmt.Sprintf("renewed %s until %s (orders %v)", rr.Spec.ResourceID, formatTime(res.ExpireTime), rr.Status.OrderIDs))
	return nil
}

// summarize writes the request's conditions from its phase.
func (r *RenewalRequestReconciler) summarize(st *rrState) {
	rr := st.rr
	conds := &rr.Status.Conditions
	pending := rr.Status.Phase == billingv1alpha1.RenewalPhasePaymentPending
	if c := condition(*conds, billingv1alpha1.ConditionPaymentPending); pending && (c == nil || (c.Reason != billingv1alpha1.ReasonPaymentFailed && c.Reason != billingv1alpha1.ReasonPartnerPays)) {
		setCondition(conds, st.now, billingv1alpha1.ConditionPaymentPending, metav1.ConditionTrue, billingv1alpha1.ReasonAwaitingPayment, rr.Status.Message)
	} else if !pending {
		setCondition(conds, st.now, billingv1alpha1.ConditionPaymentPending, metav1.ConditionFalse, billingv1alpha1.ReasonUpToDate, "no order awaits payment")
	}
	if rr.Status.Phase != billingv1alpha1.RenewalPhaseBlocked {
		setCondition(conds, st.now, billingv1alpha1.ConditionBudgetBlocked, metav1.ConditionFalse, billingv1alpha1.ReasonWithinLimits, "not held")
	}
	var sum readiness
	switch rr.Status.Phase {
	case billingv1alpha1.RenewalPhaseSucceeded:
		sum.ready(billingv1alpha1.ReasonRenewed, rr.Status.Message)
	case billingv1alpha1.RenewalPhaseDenied:
		// A decision was made and carried out: finished, not failed.
		sum.ready(billingv1alpha1.ReasonDenied, rr.Status.Message)
	case billingv1alpha1.RenewalPhaseFailed, billingv1alpha1.RenewalPhaseCancelled:
		// Finished without renewing: terminal for kstatus (Failed). The
		// Subscription starts a new attempt after its backoff. The reason
		// says what stopped it when a check did (endBecause).
		reason := string(rr.Status.Phase)
		if st.reason != "" {
			reason = st.reason
		}
		sum.stalled(reason, rr.Status.Message)
	case billingv1alpha1.RenewalPhaseBlocked:
		// Held by a budget (its condition says which) or else by the
		// renewal window.
		reason := billingv1alpha1.ReasonOutsideWindow
		if c := condition(*conds, billingv1alpha1.ConditionBudgetBlocked); c != nil && c.Status == metav1.ConditionTrue {
			reason = c.Reason
		}
		sum.notReady(reason, rr.Status.Message)
		sum.working(reason, rr.Status.Message)
	default:
		reason := string(rr.Status.Phase)
		if st.reason != "" {
			reason = st.reason
		}
		sum.notReady(reason, rr.Status.Message)
		if st.stuck {
			// The order waits for a person (OrderStuck says who).
			sum.stalled(reason, rr.Status.Message)
		} else {
			sum.working(reason, rr.Status.Message)
		}
	}
	sum.apply(conds, st.now)
}
