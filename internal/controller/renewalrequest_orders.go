package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/discount"
)

// lookupSlack widens the creation-time window of the order lookup to
// allow for clock differences between the operator and BSS.
const lookupSlack = 10 * time.Minute

// order places the renewal order, at most once per revision. The intent
// was recorded before this step; so every pass first looks for an order
// the previous pass may have created (a crash or a lost response), and
// adopts it instead of ordering again (issue 4; digest §7.11).
func (r *RenewalRequestReconciler) order(ctx context.Context, st *rrState) error {
	rr := st.rr
	bctx, cancel := r.bssContext(ctx)
	defer cancel()

	intent := rr.Status.OrderIntentTime.Time
	fresh, known := r.ledger().lookup(rr.UID, intent)
	switch {
	case len(known) > 0:
		// This process placed the order; the cache has not caught up.
		r.placed(st, known)
		return nil
	case !fresh || rr.Spec.LookupFirst:
		// Recorded by another process, a call with an unknown outcome, or
		// an attempt after one (spec.lookupFirst): search BSS first.
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

	pt, pn := periodToBSS(rr.Spec.Period)
	autoPay := rr.Spec.Payment.Method == billingv1alpha1.PaymentMethodAutoPay
	// Count the call durably before making it (issue 16, path 1): a count
	// kept only in memory until the write after the call is lost with a
	// crash, a handover or a conflicting write, and the bound on blind
	// calls with it. The write carries the optimistic lock, so a pass
	// working from a stale copy stops here without calling BSS.
	rr.Status.RenewCalls++
	rr.Status.Message = fmt.Sprintf("renew call %d of at most %d under way", rr.Status.RenewCalls, maxRenewCalls)
	if err := r.patchStatus(ctx, st.orig, rr, false); err != nil {
		return fmt.Errorf("record renew call %d before making it: %w", rr.Status.RenewCalls, err)
	}
	st.orig = rr.DeepCopy()
	r.ledger().calling(rr.UID, intent)
	out, err := st.acct.BSS.Renew(bctx, bss.RenewRequest{ResourceIDs: []string{rr.Spec.ResourceID}, PeriodType: pt, PeriodNum: pn, AutoPay: autoPay})
	switch {
	case err == nil:
		r.ledger().answered(rr.UID, intent, out.OrderIDs)
		r.event(rr, "Normal", "OrderPlaced", "Renew", "renewal orders %v placed for %s (auto-pay %v)", out.OrderIDs, rr.Spec.ResourceID, autoPay)
		r.placed(st, out.OrderIDs)
	case bss.HasCode(err, bss.CodeAutoPayFailed):
		// The order exists but auto-payment failed (6.3.2): it waits for
		// payment like any other.
		var be *bss.Error
		if errors.As(err, &be) && len(be.OrderIDs) > 0 {
			rr.Status.OrderIDs = be.OrderIDs
		}
		rr.Status.Phase = billingv1alpha1.RenewalPhasePaymentPending
		rr.Status.Message = fmt.Sprintf("auto-payment failed (%v); the order awaits payment", bss.Describe(err))
		st.wakeAt(st.now)
	case bss.HasCode(err, bss.CodePendingOrder):
		// Another order for this resource awaits payment (digest §7.2 rule
		// 12): the next pass adopts it, or fails if it is not a renewal.
		rr.Status.RenewCalls--
		if order, ferr := r.findOrder(bctx, st, time.Time{}, bss.OrderPendingPayment); ferr != nil {
			r.bssWait(st, "find the pending order", ferr)
		} else if order == nil {
			r.end(st, billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf(
				"resource %s has an order pending payment that is not a renewal; pay or cancel it in the console (CBC.99003100)", rr.Spec.ResourceID))
		} else {
			r.adopt(st, order)
		}
	case bss.IsAmbiguous(err):
		// The request may have been applied. Never call again blindly: the
		// next pass looks the order up first.
		rr.Status.Message = fmt.Sprintf("renew call outcome unknown (%v); looking the order up", bss.Describe(err))
		st.wakeAt(st.now.Add(10 * time.Second))
	case bss.IsRetryable(err), bss.IsAuth(err):
		// Definitely not applied. Rejected credentials (an expired token,
		// say) are not the renewal's fault: the attempt waits for new ones,
		// which re-queue it, instead of failing and starting over.
		rr.Status.RenewCalls--
		r.bssWait(st, "renew", err)
	default:
		r.end(st, billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf("BSS refused the renewal: %v", bss.Describe(err)))
	}
	return nil
}

// placed moves the attempt on with the orders a renew call returned.
func (r *RenewalRequestReconciler) placed(st *rrState, orderIDs []string) {
	rr := st.rr
	rr.Status.OrderIDs = orderIDs
	rr.Status.FailureCount = 0
	rr.Status.NextAttemptTime = nil
	if rr.Spec.Payment.Method == billingv1alpha1.PaymentMethodAutoPay {
		rr.Status.Phase = billingv1alpha1.RenewalPhaseConfirming
		rr.Status.Message = "ordered with auto-pay; confirming"
	} else {
		rr.Status.Phase = billingv1alpha1.RenewalPhasePaymentPending
		rr.Status.Message = "ordered; awaiting payment"
	}
	st.wakeAt(st.now)
}

// adoptExisting finds an order placed by an earlier pass of this attempt,
// or a renewal that already took effect, and moves the attempt on.
func (r *RenewalRequestReconciler) adoptExisting(ctx context.Context, st *rrState) (bool, error) {
	rr := st.rr
	since := rr.Status.OrderIntentTime.Add(-lookupSlack)
	order, err := r.findOrder(ctx, st, since, 0)
	if err != nil {
		return false, err
	}
	if order != nil {
		r.adopt(st, order)
		return true, nil
	}
	// With auto-pay the order may be complete and the expiry moved even
	// if the order list lags: the expiry is the final word.
	found, err := r.Inventory.Lookup(ctx, st.acct.Key, st.acct.BSS, []string{rr.Spec.ResourceID})
	if err != nil {
		return false, err
	}
	if res, ok := found[rr.Spec.ResourceID]; ok && res.ExpireTime.After(rr.Spec.BaselineExpireTime.Time) {
		rr.Status.NewExpireTime = &metav1.Time{Time: res.ExpireTime}
		r.end(st, billingv1alpha1.RenewalPhaseSucceeded, fmt.Sprintf(
			"BSS shows the expiry moved to %s; no matching order was found, so none was placed again", formatTime(res.ExpireTime)))
		return true, nil
	}
	return false, nil
}

// adopt takes an existing renewal order over.
func (r *RenewalRequestReconciler) adopt(st *rrState, order *bss.Order) {
	rr := st.rr
	rr.Status.OrderIDs = []string{order.ID}
	rr.Status.OrderStatus = order.Status.String()
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
	rr.Status.OrderStatus = order.Status.String()
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
		rr.Status.Message = fmt.Sprintf("order %s is %s; waiting", id, order.Status)
		st.wakeAt(st.now.Add(time.Minute))
		return nil
	}

	deadline := rr.Status.OrderIntentTime.Add(cancelUnpaidAfter(rr))
	if !order.PendingPaymentEndTime.IsZero() && order.PendingPaymentEndTime.Before(deadline) {
		deadline = order.PendingPaymentEndTime
	}
	rr.Status.PaymentDeadline = &metav1.Time{Time: deadline}
	if !st.now.Before(deadline) {
		return r.cancelUnpaid(bctx, st, id)
	}
	if rr.Spec.Payment.Method == billingv1alpha1.PaymentMethodManual {
		rr.Status.Message = fmt.Sprintf("order %s (%s %s) awaits payment in the console; it is cancelled at %s if unpaid",
			id, order.AmountAfterDiscount.Amount.StringFixed(2), order.AmountAfterDiscount.Currency, formatTime(deadline))
		st.wakeAt(earliest(deadline, st.now.Add(10*time.Minute)))
		return nil
	}
	req := bss.PayOrderRequest{OrderID: id}
	if rr.Spec.Payment.Discount != billingv1alpha1.DiscountNone {
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
	err = st.acct.BSS.PayOrder(bctx, req)
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
		rr.Status.OrderStatus = order.Status.String()
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
			rr.Status.Message = fmt.Sprintf("order %s is %s; waiting for it to complete", order.ID, order.Status)
			st.wakeAt(st.now.Add(30 * time.Second))
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
	if c := condition(*conds, billingv1alpha1.ConditionPaymentPending); pending && (c == nil || c.Reason != billingv1alpha1.ReasonPaymentFailed) {
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
		// Subscription starts a new attempt after its backoff.
		sum.stalled(string(rr.Status.Phase), rr.Status.Message)
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
		sum.notReady(string(rr.Status.Phase), rr.Status.Message)
		sum.working(string(rr.Status.Phase), rr.Status.Message)
	}
	sum.apply(conds, st.now)
}
