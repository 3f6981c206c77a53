package controller

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/audit"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/discount"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// lookupSlack widens the creation-time window of the order lookup to
// allow for clock differences between the operator and BSS.
const lookupSlack = 10 * time.Minute

// order is the Ordering step (renewal.Ordering): it does the reads and
// the renew call the decision asks for, one after the other, and writes
// what it decided. A call is recorded durably before it is made.
func (r *RenewalRequestReconciler) order(ctx context.Context, st *rrState) error {
	rr := st.rr
	bctx, cancel := r.bssContext(ctx)
	defer cancel()

	intent := rr.Status.OrderIntentTime.Time
	in := renewal.OrderingInput{Now: st.now, Request: rr, Quiet: r.renewQuiet()}
	in.Fresh, in.Known = r.ledger().Lookup(rr.UID, intent)
	in.CallStarted, in.Settled = r.ledger().LastCall(rr.UID, intent)
	var callErr error
	for {
		t := renewal.Ordering(in)
		switch t.Action {
		case renewal.ActionLookup:
			var unknown *billingv1alpha1.UnknownRenewalOutcome
			if st.sub != nil {
				unknown = st.sub.Status.UnknownRenewalOutcome
			}
			order, err := r.findOrder(bctx, st, renewal.LookupSince(rr, unknown, lookupSlack), 0)
			if err != nil {
				r.bssWait(st, "look for an order placed earlier", err)
				return nil
			}
			in.Lookup = &renewal.Lookup{Order: orderView(order)}
		case renewal.ActionReadExpiry:
			res, err := r.readResource(bctx, st)
			if err != nil {
				r.bssWait(st, "look for an order placed earlier", err)
				return nil
			}
			in.Lookup.Expiry = &res
		case renewal.ActionReadResource:
			res, err := r.readResource(bctx, st)
			if err != nil {
				r.bssWait(st, "read the resource before renewing", err)
				return nil
			}
			in.Resource = &res
		case renewal.ActionRenew:
			res, cerr, err := r.renew(ctx, st, intent)
			if err != nil {
				return err
			}
			in.Renew, callErr = res, cerr
		case renewal.ActionFindPending:
			order, err := r.findOrder(bctx, st, time.Time{}, bss.OrderPendingPayment)
			if err != nil {
				r.bssWait(st, "find the pending order", err)
				return nil
			}
			in.Renew.Pending = &renewal.Found{Order: orderView(order)}
		case renewal.ActionBackoff:
			r.bssWait(st, t.Backoff, callErr)
			return nil
		default:
			r.apply(st, t)
			return nil
		}
	}
}

// renew records the renew call durably, with the time it starts, makes it,
// and returns BSS's answer with the error behind it (callErr). It returns
// an error only when the record failed: then no call was made.
func (r *RenewalRequestReconciler) renew(ctx context.Context, st *rrState, intent time.Time) (res *renewal.RenewResult, callErr, err error) {
	rr := st.rr
	pt, pn := periodToBSS(rr.Spec.Period)
	// Count the call durably, with the time it starts, before making it
	// (issue 16, path 1): a count kept only in memory until the write after
	// the call is lost with a crash, a handover or a conflicting write, and
	// the bound on blind calls with it; the start tells the next leader how
	// long the call may still be under way. The write carries the
	// optimistic lock, so a pass working from a stale copy stops here
	// without calling BSS. Seconds, rounded down, as the apiserver keeps it.
	mark := metav1.Time{Time: r.Timing.Now().Truncate(time.Second)}
	first := renewal.FirstRenewCall(&rr.Status)
	if first == nil {
		first = &mark
	}
	rr.Status.FirstRenewCallAt = first.DeepCopy()
	rr.Status.RenewCalls++
	rr.Status.RenewCallStartedAt = &mark
	rr.Status.Message = fmt.Sprintf("renew call %d of at most %d under way", rr.Status.RenewCalls, renewal.MaxRenewCalls)
	// Shutdown cuts neither this record nor the call that follows it
	// (writeContext): a SIGTERM while the record is on the wire would
	// otherwise leave a call recorded but never made, which the next
	// leader waits out and counts as a blind call.
	pctx, pcancel := r.writeContext(ctx, statusWriteTimeout)
	defer pcancel()
	if err := r.patchStatus(pctx, st.orig, rr, false); err != nil {
		return nil, nil, fmt.Errorf("record renew call %d before making it: %w", rr.Status.RenewCalls, err)
	}
	st.orig = rr.DeepCopy()
	r.ledger().Calling(rr.UID, intent, mark.Time)
	// The order is placed unpaid (is_auto_pay 0, digest §7.2 rules 18-19),
	// whatever the payment method: it is paid only after its amount was
	// compared with what was approved (issue 16, path 6; see pay).
	wctx, wcancel := r.writeContext(ctx, r.writeTimeout())
	defer wcancel()
	out, err := st.acct.BSS.Renew(wctx, bss.RenewRequest{ResourceIDs: []string{rr.Spec.ResourceID}, PeriodType: pt, PeriodNum: pn})
	res = &renewal.RenewResult{Started: mark.Time, Detail: describe(err)}
	switch {
	case err == nil:
		res.Outcome, res.Orders = renewal.RenewPlaced, out.OrderIDs
		r.ledger().Answered(rr.UID, intent, out.OrderIDs)
		r.event(rr, "Normal", "OrderPlaced", "Renew", "renewal orders %v placed for %s", out.OrderIDs, rr.Spec.ResourceID)
	case bss.HasCode(err, bss.CodePendingOrder):
		res.Outcome = renewal.RenewPendingOrder
		r.notApplied(st, intent)
	case bss.IsAmbiguous(err):
		res.Outcome = renewal.RenewUnknown
	case bss.IsRetryable(err), bss.IsAuth(err):
		res.Outcome = renewal.RenewNotApplied
		r.notApplied(st, intent)
	default:
		res.Outcome = renewal.RenewRefused
	}
	return res, err, nil
}

// describe is bss.Describe of a call's error, "" for none.
func describe(err error) string {
	if err == nil {
		return ""
	}
	return bss.Describe(err)
}

// notApplied records that BSS answered the latest renew call with a
// refusal that ordered nothing: the call is not counted, and no quiet time
// follows it.
func (r *RenewalRequestReconciler) notApplied(st *rrState, intent time.Time) {
	st.rr.Status.RenewCalls--
	st.rr.Status.RenewCallStartedAt = nil
	r.ledger().NotApplied(st.rr.UID, intent)
}

// readResource reads the resource from BSS (6.3.1 by ID, not the inventory
// view, which may be an hour old).
func (r *RenewalRequestReconciler) readResource(ctx context.Context, st *rrState) (renewal.Resource, error) {
	id := st.rr.Spec.ResourceID
	found, err := r.Inventory.Lookup(ctx, st.acct.Key, st.acct.BSS, []string{id})
	if err != nil {
		return renewal.Resource{}, err
	}
	res, ok := found[id]
	if !ok {
		return renewal.Resource{}, nil
	}
	return resourceView(&res), nil
}

// resourceView is what the transitions need of a BSS resource.
func resourceView(res *bss.Resource) renewal.Resource {
	if res == nil {
		return renewal.Resource{}
	}
	return renewal.Resource{Listed: true, ExpireTime: res.ExpireTime, AutoRenew: currentMechanism(res).autoRenew}
}

// orderView is what the transitions need of a BSS order; nil for none.
func orderView(o *bss.Order) *renewal.Order {
	if o == nil {
		return nil
	}
	amount := o.AmountAfterDiscount
	v := &renewal.Order{
		ID: o.ID, Status: o.Status.String(), CreateTime: o.CreateTime, PendingPaymentEnd: o.PendingPaymentEndTime,
		Price: toMoney(amount.Amount, amount.Currency), Amount: amount.Amount.StringFixed(2), Currency: amount.Currency,
	}
	switch o.Status {
	case bss.OrderPendingPayment:
		v.State = renewal.OrderPendingPayment
	case bss.OrderProcessing:
		v.State = renewal.OrderProcessing
	case bss.OrderCompleted:
		v.State = renewal.OrderCompleted
	case bss.OrderCanceled:
		v.State = renewal.OrderCancelled
	default:
		v.State = renewal.OrderOther
	}
	return v
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

// pay is the PaymentPending step (renewal.Payment): it reads the order and
// who pays it, and pays or cancels it as the decision says.
func (r *RenewalRequestReconciler) pay(ctx context.Context, st *rrState) error {
	rr := st.rr
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	in := renewal.PaymentInput{Now: st.now, Request: rr}
	var detail *bss.OrderDetail
	// Writes (pay, cancel) are bounded from the moment the order was read.
	wctx := ctx
	var callErr error
	for {
		t := renewal.Payment(in)
		if !t.PaymentDeadline.IsZero() {
			rr.Status.PaymentDeadline = &metav1.Time{Time: t.PaymentDeadline}
		}
		id := ""
		if len(rr.Status.OrderIDs) > 0 {
			id = rr.Status.OrderIDs[0]
		}
		switch t.Action {
		case renewal.ActionReadOrder:
			d, err := st.acct.BSS.GetOrder(bctx, id)
			if err != nil {
				r.bssWait(st, "read order "+id, err)
				return nil
			}
			detail = d
			in.Order = orderView(&detail.Order)
			observeOrder(st, in.Order)
			var wcancel context.CancelFunc
			wctx, wcancel = r.writeContext(ctx, r.writeTimeout())
			defer wcancel()
		case renewal.ActionWaitOrder:
			r.waitOrderState(st, &detail.Order)
			return nil
		case renewal.ActionCancel:
			err := st.acct.BSS.CancelOrder(wctx, id)
			in.Cancel, callErr = &renewal.Answer[renewal.CancelOutcome]{Outcome: cancelOutcome(err), Detail: describe(err)}, err
		case renewal.ActionReadPayer:
			payer, err := r.payerOf(bctx, st, &detail.Order)
			if err != nil {
				r.bssWait(st, "read who pays order "+id, err)
				return nil
			}
			if c := condition(rr.Status.Conditions, billingv1alpha1.ConditionPaymentPending); payer.Listed && !payer.Partner && c != nil && c.Reason == billingv1alpha1.ReasonPartnerPays {
				meta.RemoveStatusCondition(&rr.Status.Conditions, billingv1alpha1.ConditionPaymentPending)
			}
			in.Payer = &payer
		case renewal.ActionPayOrder:
			outcome, err, stop := r.payOrder(bctx, wctx, st, detail)
			if stop {
				return nil
			}
			in.Paid, callErr = &renewal.Answer[renewal.PayOutcome]{Outcome: outcome, Detail: describe(err)}, err
		case renewal.ActionBackoff:
			r.bssWait(st, t.Backoff, callErr)
			if next := rr.Status.NextAttemptTime; next != nil && !t.RetryBy.IsZero() && next.After(t.RetryBy) {
				rr.Status.NextAttemptTime = &metav1.Time{Time: t.RetryBy}
			}
			return nil
		default:
			r.apply(st, t)
			if t.Reason == renewal.ReasonPartnerPays {
				old := condition(rr.Status.Conditions, billingv1alpha1.ConditionPaymentPending)
				setCondition(&rr.Status.Conditions, st.now, billingv1alpha1.ConditionPaymentPending, metav1.ConditionTrue, billingv1alpha1.ReasonPartnerPays, t.Message)
				if old == nil || old.Reason != billingv1alpha1.ReasonPartnerPays {
					r.event(rr, "Normal", billingv1alpha1.ReasonPartnerPays, "Pay", "%s", t.Message)
				}
			}
			return nil
		}
	}
}

// payOrder pays the order with the best discount (6.2.3, 6.2.4) and
// classifies BSS's answer. stop is set when the discounts could not be
// listed: the pass ends with a backoff and nothing paid.
func (r *RenewalRequestReconciler) payOrder(bctx, wctx context.Context, st *rrState, detail *bss.OrderDetail) (renewal.PayOutcome, error, bool) {
	rr := st.rr
	order := detail.Order
	id := order.ID
	if len(rr.Status.OrderIDs) > 0 {
		id = rr.Status.OrderIDs[0]
	}
	req := bss.PayOrderRequest{OrderID: id}
	// AutoPay used to let BSS apply the discounts itself (is_auto_pay=1);
	// now that the operator pays, it applies the best one for it.
	if rr.Spec.Payment.Discount != billingv1alpha1.DiscountNone || rr.Spec.Payment.Method == billingv1alpha1.PaymentMethodAutoPay {
		discounts, err := st.acct.BSS.ListOrderDiscounts(bctx, id)
		if err != nil {
			r.bssWait(st, "list the discounts of order "+id, err)
			return 0, nil, true
		}
		if best, ok := discount.Best(discounts, id, detail.LineItems, order.AmountAfterDiscount.Amount); ok {
			req.Discount = &bss.DiscountRef{ID: best.Discount.ID, Type: best.Discount.Type}
			t := int32(best.Discount.Type)
			rr.Status.DiscountID, rr.Status.DiscountType = best.Discount.ID, &t
			rr.Status.DiscountSaved = toMoney(best.Saved, order.AmountAfterDiscount.Currency)
		}
	}
	wctx = audit.WithAmount(wctx, auditMoney(order.AmountAfterDiscount))
	err := st.acct.BSS.PayOrder(wctx, req)
	switch {
	case err == nil:
		r.event(rr, "Normal", "OrderPaid", "Pay", "paid renewal order %s", id)
		return renewal.PayDone, nil, false
	case bss.IsAmbiguous(err), bss.HasCode(err, bss.CodePaymentInProgress), bss.HasCode(err, bss.CodeOrderStatusChanged):
		return renewal.PayUnknown, err, false
	case bss.HasCode(err, bss.CodeOrderPaymentExpired):
		return renewal.PayExpired, err, false
	}
	if setCondition(&rr.Status.Conditions, st.now, billingv1alpha1.ConditionPaymentPending, metav1.ConditionTrue, billingv1alpha1.ReasonPaymentFailed,
		fmt.Sprintf("paying order %s failed: %v", id, bss.Describe(err))) {
		r.event(rr, "Warning", billingv1alpha1.ReasonPaymentFailed, "Pay", "paying order %s failed: %v", id, err)
	}
	return renewal.PayFailed, err, false
}

// cancelOutcome classifies BSS's answer to a cancellation (6.2.5).
func cancelOutcome(err error) renewal.CancelOutcome {
	switch {
	case bss.HasCode(err, bss.CodeOrderNotCancelable):
		return renewal.CancelNotCancelable
	case err == nil:
		return renewal.CancelDone
	}
	return renewal.CancelFailed
}

// confirm is the Confirming step (renewal.Confirming): it reads the order
// and then the resource's expiry as the decision asks.
func (r *RenewalRequestReconciler) confirm(ctx context.Context, st *rrState) error {
	rr := st.rr
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	in := renewal.ConfirmingInput{Now: st.now, Request: rr}
	var detail *bss.OrderDetail
	for {
		t := renewal.Confirming(in)
		switch t.Action {
		case renewal.ActionReadOrder:
			d, err := st.acct.BSS.GetOrder(bctx, rr.Status.OrderIDs[0])
			if err != nil {
				r.bssWait(st, "read order "+rr.Status.OrderIDs[0], err)
				return nil
			}
			detail = d
			in.Order = orderView(&detail.Order)
			observeOrder(st, in.Order)
		case renewal.ActionWaitOrder:
			r.waitOrderState(st, &detail.Order)
			return nil
		case renewal.ActionReadExpiry:
			res, err := r.readResource(bctx, st)
			if err != nil {
				r.bssWait(st, "read the renewed expiry", err)
				return nil
			}
			in.Resource = &res
		default:
			r.apply(st, t)
			return nil
		}
	}
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
