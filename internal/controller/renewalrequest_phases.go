package controller

import (
	"context"
	"fmt"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/bss"
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
	if (rr.Status.OrderIntentTime == nil && r.ledger().knows(rr.UID)) || r.ledger().ended(rr.UID) {
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

// gate quotes the renewal and applies the gates in order: price cap,
// budget, approval, window. Only an attempt that passes all of them records
// its intent to order.
func (r *RenewalRequestReconciler) gate(ctx context.Context, st *rrState) error {
	rr := st.rr
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	if rr.Status.Quote == nil {
		q, err := quoteRenewal(bctx, st.acct.BSS, rr.Spec.ResourceID, rr.Spec.Period, st.now)
		switch {
		case err == nil:
			rr.Status.Quote = q
			rr.Status.FailureCount = 0
			rr.Status.NextAttemptTime = nil
		case bss.HasCode(err, bss.CodeQuotePendingOrder):
			// An order for this resource awaits payment already (digest
			// §7.2 rule 12). It is adopted in Ordering, after the gates,
			// priced by the order itself.
			return r.gateOnPendingOrder(ctx, st)
		case bss.IsTerminal(err):
			r.end(st, billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf("BSS will not quote the renewal: %v", bss.Describe(err)))
			return nil
		default:
			r.bssWait(st, "quote the renewal", err)
			return nil
		}
	}
	return r.applyGates(ctx, st)
}

// gateOnPendingOrder prices the attempt by the pending renewal order that
// blocks a quote, so that the gates still apply before it is paid.
func (r *RenewalRequestReconciler) gateOnPendingOrder(ctx context.Context, st *rrState) error {
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	order, err := r.findOrder(bctx, st, time.Time{}, bss.OrderPendingPayment)
	if err != nil {
		r.bssWait(st, "find the pending order", err)
		return nil
	}
	if order == nil {
		r.end(st, billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf(
			"resource %s has an order pending payment that is not a renewal; pay or cancel it in the console (CBC.30050010)", st.rr.Spec.ResourceID))
		return nil
	}
	price := toMoney(order.AmountAfterDiscount.Amount, order.AmountAfterDiscount.Currency)
	if price == nil {
		// Without a currency the price cannot be held against maxPrice or
		// a budget; nothing is paid.
		r.end(st, billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf(
			"pending renewal order %s has no currency, so its price cannot be checked; pay or cancel it in the console", order.ID))
		return nil
	}
	st.rr.Status.Quote = &billingv1alpha1.PriceQuote{
		Price: *price, OfficialPrice: toMoney(order.OfficialAmount.Amount, order.AmountAfterDiscount.Currency),
		Period: st.rr.Spec.Period.DeepCopy(), QuotedAt: &metav1.Time{Time: st.now},
	}
	st.rr.Status.OrderIDs = []string{order.ID}
	st.rr.Status.Message = "adopting pending renewal order " + order.ID
	return r.applyGates(ctx, st)
}

// applyGates decides whether the quoted renewal may be ordered now.
func (r *RenewalRequestReconciler) applyGates(ctx context.Context, st *rrState) error {
	rr := st.rr
	q := rr.Status.Quote
	var needApproval []string

	over, err := exceeds(q.Price, rr.Spec.MaxPrice)
	switch {
	case err != nil:
		needApproval = append(needApproval, billingv1alpha1.ReasonCurrencyMismatch+": "+err.Error())
	case over:
		needApproval = append(needApproval, fmt.Sprintf("%s: the quote %s is above maxPrice %s",
			billingv1alpha1.ReasonPriceAboveMax, formatMoney(&q.Price), formatMoney(rr.Spec.MaxPrice)))
	}

	if ref := rr.Spec.BudgetAlertRef; ref != nil {
		var budget billingv1alpha1.BudgetAlert
		if err := r.Client.Get(ctx, client.ObjectKey{Namespace: rr.Namespace, Name: ref.Name}, &budget); err != nil {
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("get BudgetAlert %s: %w", ref.Name, err)
			}
			r.block(st, billingv1alpha1.ConditionBudgetBlocked, billingv1alpha1.ReasonBudgetNotFound,
				fmt.Sprintf("BudgetAlert %q is referenced but does not exist; renewals are held rather than unchecked", ref.Name))
			return nil
		}
		if slices.Contains(budget.Status.ActiveActions, billingv1alpha1.ActionBlockRenewals) {
			r.block(st, billingv1alpha1.ConditionBudgetBlocked, billingv1alpha1.ReasonBudgetBlocks,
				fmt.Sprintf("BudgetAlert %q blocks renewals (a threshold with BlockRenewals is crossed); released when the period rolls over or the limit rises", ref.Name))
			return nil
		}
		if slices.Contains(budget.Status.ActiveActions, billingv1alpha1.ActionRequireApproval) {
			needApproval = append(needApproval, fmt.Sprintf("%s: BudgetAlert %q requires approval", billingv1alpha1.ReasonBudgetRequires, ref.Name))
		}
	}
	setCondition(&rr.Status.Conditions, st.now, billingv1alpha1.ConditionBudgetBlocked, metav1.ConditionFalse, billingv1alpha1.ReasonWithinLimits, "no budget holds this renewal")

	switch rr.Spec.ApprovalPolicy {
	case billingv1alpha1.ApprovalAlways:
		needApproval = append(needApproval, billingv1alpha1.ReasonApprovalPolicy+": the policy requires approval of every renewal")
	case billingv1alpha1.ApprovalAboveAmount:
		if above, err := exceeds(q.Price, rr.Spec.ApprovalAmount); err != nil || above {
			needApproval = append(needApproval, fmt.Sprintf("%s: the quote %s is above the approval threshold", billingv1alpha1.ReasonApprovalPolicy, formatMoney(&q.Price)))
		}
	}

	if len(needApproval) > 0 {
		if done := r.approval(st, needApproval); !done {
			return nil
		}
	} else {
		rr.Status.ApprovalState = billingv1alpha1.ApprovalStateAutoApproved
		setCondition(&rr.Status.Conditions, st.now, billingv1alpha1.ConditionApprovalRequired, metav1.ConditionFalse, billingv1alpha1.ReasonAutoApproved,
			"within maxPrice, budget and approval policy")
	}

	open, next, werr := windowOpen(rr.Spec.Window, st.now)
	if werr != nil {
		// A window that cannot be evaluated ends the attempt with its
		// reason in status; nothing is ordered.
		r.end(st, billingv1alpha1.RenewalPhaseFailed, "renewal window: "+werr.Error())
		return nil //nolint:nilerr // reported in status, not retried
	}
	if !open {
		rr.Status.Phase = billingv1alpha1.RenewalPhaseBlocked
		rr.Status.Message = "outside the renewal window; the order will be placed at " + formatTime(next)
		st.wakeAt(next)
		return nil
	}
	rr.Status.Phase = billingv1alpha1.RenewalPhaseApproved
	if len(rr.Status.OrderIDs) > 0 {
		// A pending order was adopted: it is paid, not placed again.
		rr.Status.Phase = billingv1alpha1.RenewalPhasePaymentPending
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

// approval applies a person's decision. It returns true when the attempt
// may go on.
func (r *RenewalRequestReconciler) approval(st *rrState, reasons []string) bool {
	rr := st.rr
	why := reasons[0]
	for _, more := range reasons[1:] {
		why += "; " + more
	}
	a := rr.Spec.Approval
	if a == nil {
		rr.Status.Phase = billingv1alpha1.RenewalPhaseAwaitingApproval
		rr.Status.ApprovalState = billingv1alpha1.ApprovalStateRequired
		msg := fmt.Sprintf("approval required (%s); approve with `kubectl bss approve %s -n %s` or by setting spec.approval", why, rr.Name, rr.Namespace)
		rr.Status.Message = msg
		if setCondition(&rr.Status.Conditions, st.now, billingv1alpha1.ConditionApprovalRequired, metav1.ConditionTrue, firstReason(why), msg) {
			r.event(rr, "Warning", billingv1alpha1.ReasonApprovalPolicy, "Approve", "%s", msg)
		}
		return false
	}
	if a.Decision == billingv1alpha1.DecisionDeny {
		setCondition(&rr.Status.Conditions, st.now, billingv1alpha1.ConditionApprovalRequired, metav1.ConditionFalse, billingv1alpha1.ReasonDenied, "denied by "+a.Approver)
		rr.Status.ApprovalState = billingv1alpha1.ApprovalStateDenied
		r.end(st, billingv1alpha1.RenewalPhaseDenied, fmt.Sprintf("denied by %s: %s", a.Approver, a.Reason))
		return false
	}
	if a.MaxAmount != nil {
		if over, err := exceeds(rr.Status.Quote.Price, a.MaxAmount); err != nil || over {
			r.end(st, billingv1alpha1.RenewalPhaseFailed, fmt.Sprintf("approved by %s up to %s, but the quote is %s; a new attempt needs a new approval",
				a.Approver, formatMoney(a.MaxAmount), formatMoney(&rr.Status.Quote.Price)))
			return false
		}
	}
	rr.Status.ApprovalState = billingv1alpha1.ApprovalStateApproved
	setCondition(&rr.Status.Conditions, st.now, billingv1alpha1.ConditionApprovalRequired, metav1.ConditionFalse, billingv1alpha1.ReasonApproved,
		fmt.Sprintf("approved by %s (%s)", a.Approver, why))
	return true
}

// firstReason extracts the reason prefix of a gate message.
func firstReason(why string) string {
	for i := 0; i < len(why); i++ {
		if why[i] == ':' {
			return why[:i]
		}
	}
	return billingv1alpha1.ReasonApprovalPolicy
}

// block holds the attempt in phase Blocked with a condition.
func (r *RenewalRequestReconciler) block(st *rrState, condType, reason, msg string) {
	rr := st.rr
	rr.Status.Phase = billingv1alpha1.RenewalPhaseBlocked
	rr.Status.Message = msg
	if setCondition(&rr.Status.Conditions, st.now, condType, metav1.ConditionTrue, reason, msg) {
		r.event(rr, "Warning", reason, "Renew", "%s", msg)
	}
	st.wakeAt(st.now.Add(15 * time.Minute))
}

// end finishes the attempt.
func (r *RenewalRequestReconciler) end(st *rrState, phase billingv1alpha1.RenewalPhase, msg string) {
	st.rr.Status.Phase = phase
	st.rr.Status.Message = msg
	st.rr.Status.CompletionTime = &metav1.Time{Time: st.now}
	st.rr.Status.NextAttemptTime = nil
}
