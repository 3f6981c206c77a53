package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// quoteMaxAge is how long a renewal quote is shown before it is refreshed.
const quoteMaxAge = renewal.MaxQuoteAge

// renewalTime is when the operator renews: expiry minus the lead, minus a
// stable per-object jitter of up to a tenth of the lead (at most 6h), so
// that many subscriptions due the same day do not fire in the same second.
func renewalTime(sub *billingv1alpha1.Subscription, expire time.Time, lead time.Duration) time.Time {
	spread := lead / 10
	if spread > 6*time.Hour {
		spread = 6 * time.Hour
	}
	jitter := time.Duration(renewal.JitterFraction(sub.UID, "renew") * float64(spread))
	return expire.Add(-lead).Add(-jitter).Truncate(time.Second)
}

// reconcileRenewal plans and drives explicit renewal (mode Renew).
func (r *SubscriptionReconciler) reconcileRenewal(ctx context.Context, st *subState) error {
	sub, res, spec := st.sub, st.res, st.policy.Spec.Renew
	lead, err := renewal.RenewalLead(spec, res.ID, res.ExpireTime)
	if err != nil {
		st.summary.stalled(billingv1alpha1.ReasonPolicyInvalid, fmt.Sprintf("RenewalPolicy %s: %v", st.policy.Name, bss.Describe(err)))
		return nil
	}
	if err := renewal.CheckLead(lead, spec.Period); err != nil {
		st.summary.stalled(billingv1alpha1.ReasonLeadTimeInvalid, fmt.Sprintf("RenewalPolicy %s: %v; no renewal is scheduled until the policy changes", st.policy.Name, err))
		sub.Status.RenewalTime = nil
		sub.Status.PlannedAction = "none: the policy's lead time is invalid (see the Stalled condition)"
		return nil
	}
	due := renewalTime(sub, res.ExpireTime, lead)
	sub.Status.RenewalTime = &metav1.Time{Time: due}
	renewNow := sub.Annotations[billingv1alpha1.AnnotationRenewNow]
	renewNowPending := renewNow != "" && renewNow != sub.Status.RenewNowHandled
	// While a renewal is due or under way its RenewalRequest has the quote
	// that counts; quoting here too would spend a rating call for nothing.
	// Quotes further out than the horizon would cost one rating call per
	// subscription per day for nothing (renewal.PlanQuotes says which).
	in := r.quoteInput(st)
	in.RenewPeriod, in.RenewalTime = &spec.Period, due
	in.AboutToRenew = st.acting() && !res.AutoRenew() && (sub.Status.ActiveRequest != "" || !st.now.Before(due) || renewNowPending)
	r.keepQuotes(ctx, st, in)
	quoteFrom := due.Add(-r.quoteHorizon())
	if !st.acting() {
		quoteFrom = due.Add(-min(r.quoteHorizon(), renewal.DefaultQuoteHorizon))
	}

	if sub.Status.ActiveRequest != "" {
		done, err := r.followActiveRequest(ctx, st)
		if err != nil || !done {
			return err
		}
	}
	if r.holdUnknownOutcome(ctx, st) {
		return nil
	}

	price := "a price quoted from " + formatTime(quoteFrom)
	if q := sub.Status.LastQuote; q != nil {
		price = formatMoney(&q.Price)
	}
	what := fmt.Sprintf("renew %d %s at %s for %s", spec.Period.Count, spec.Period.Unit, formatTime(due), price)
	switch {
	case res.AutoRenew():
		// Never renew explicitly while the cloud's auto-renew is on (digest
		// §7.3): the drift correction turns it off first under Manage.
		sub.Status.PlannedAction = "none while the cloud's auto-renew is on; then " + what
		return nil
	case !st.acting():
		sub.Status.PlannedAction = "would " + what + " (Observe or paused: no order will be placed)"
		st.summary.ready(billingv1alpha1.ReasonObserving, sub.Status.PlannedAction)
		return nil
	}
	sub.Status.PlannedAction = what

	if st.now.Before(due) && !renewNowPending {
		st.wakeAt(due)
		st.summary.ready(billingv1alpha1.ReasonScheduled, "renewal scheduled: "+what)
		return nil
	}
	if next := sub.Status.NextAttemptTime; next != nil && st.now.Before(next.Time) && !renewNowPending {
		st.wakeAt(next.Time)
		sub.Status.PlannedAction = fmt.Sprintf("retry renewal at %s after %d failed attempts", formatTime(next.Time), sub.Status.FailureCount)
		return nil
	}
	return r.startRenewal(ctx, st, renewNow, renewNowPending)
}

// refreshQuote keeps status.lastQuote at most a day old (reads only, so
// Observe mode quotes too). A failed quote is shown, not fatal.
func (r *SubscriptionReconciler) refreshQuote(ctx context.Context, st *subState, period billingv1alpha1.RenewalPeriod) {
	q := st.sub.Status.LastQuote
	if q != nil && q.QuotedAt != nil && q.Period != nil && *q.Period == period && st.now.Sub(q.QuotedAt.Time) < quoteMaxAge {
		st.wakeAt(q.QuotedAt.Add(quoteMaxAge))
		return
	}
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	fresh, err := quoteRenewal(bctx, st.cl, st.res.ID, period, st.now)
	if err != nil {
		st.sub.Status.PlannedAction = fmt.Sprintf("quote unavailable: %v", bss.Describe(err))
		st.wakeAt(st.now.Add(time.Hour))
		return
	}
	st.sub.Status.LastQuote = fresh
	st.wakeAt(st.now.Add(quoteMaxAge))
}

// requestName is the deterministic name of a Subscription's renewal
// attempt: <subscription>-r<revision>, hashed down if too long.
func requestName(sub string, revision int64) string {
	suffix := fmt.Sprintf("-r%d", revision)
	if len(sub)+len(suffix) <= 253 {
		return sub + suffix
	}
	sum := sha256.Sum256([]byte(sub))
	return sub[:253-len(suffix)-9] + "-" + hex.EncodeToString(sum[:4]) + suffix
}

// startRenewal creates the next RenewalRequest. Its name is derived from the
// revision, so a crash between creating it and recording it in status finds
// the same object again instead of creating a second attempt.
func (r *SubscriptionReconciler) startRenewal(ctx context.Context, st *subState, renewNow string, renewNowPending bool) error {
	sub, res, spec := st.sub, st.res, st.policy.Spec.Renew

	// The latest attempt guards against renewing twice: if it succeeded for
	// the expiry BSS still shows, the inventory is stale, not the renewal.
	if sub.Status.RenewalRevision > 0 {
		var last billingv1alpha1.RenewalRequest
		err := r.Client.Get(ctx, client.ObjectKey{Namespace: sub.Namespace, Name: requestName(sub.Name, sub.Status.RenewalRevision)}, &last)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return fmt.Errorf("get the latest RenewalRequest: %w", err)
		case !res.ExpireTime.After(last.Spec.BaselineExpireTime.Time) && last.Status.Phase == billingv1alpha1.RenewalPhaseSucceeded:
			bctx, cancel := r.bssContext(ctx)
			defer cancel()
			if _, err := r.Inventory.Lookup(bctx, st.acct.Key, st.acct.BSS, []string{res.ID}); err != nil {
				return r.bssTrouble(st, "read the renewed expiry", err)
			}
			st.summary.working(billingv1alpha1.ReasonRenewing, "waiting for BSS to show the expiry of renewal "+last.Name)
			st.wakeAt(st.now.Add(30 * time.Second))
			return nil
		case !res.ExpireTime.After(last.Spec.BaselineExpireTime.Time) && last.Status.Phase == billingv1alpha1.RenewalPhaseDenied && !renewNowPending:
			sub.Status.PlannedAction = fmt.Sprintf("none: renewal %s was denied; set the %s annotation to try again",
				last.Name, billingv1alpha1.AnnotationRenewNow)
			return nil
		}
	}

	rev := sub.Status.RenewalRevision + 1
	payment := spec.Payment
	if payment.Method == "" {
		payment.Method = billingv1alpha1.DefaultPaymentMethod
	}
	if payment.Discount == "" {
		payment.Discount = billingv1alpha1.DefaultDiscount
	}
	if payment.CancelUnpaidAfter == nil {
		payment.CancelUnpaidAfter = &metav1.Duration{Duration: billingv1alpha1.DefaultCancelUnpaidAfter}
	}
	rr := &billingv1alpha1.RenewalRequest{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: sub.Namespace,
			Name:      requestName(sub.Name, rev),
			Labels:    map[string]string{labelSubscription: sub.Name},
		},
		Spec: billingv1alpha1.RenewalRequestSpec{
			SubscriptionName:   sub.Name,
			AccountRef:         sub.Spec.AccountRef,
			ResourceID:         res.ID,
			Revision:           rev,
			BaselineExpireTime: metav1.Time{Time: res.ExpireTime},
			Period:             spec.Period,
			Payment:            payment,
			MaxPrice:           spec.MaxPrice.DeepCopy(),
			ApprovalPolicy:     spec.Approval.Policy,
			ApprovalAmount:     spec.Approval.Amount.DeepCopy(),
			BudgetAlertRef:     spec.BudgetAlertRef.DeepCopy(),
			Window:             spec.Window.DeepCopy(),
			PendingOrders:      spec.PendingOrders,
			LookupFirst:        unknownOutcomeGate(sub.Status.UnknownRenewalOutcome) == outcomeLookupFirst,
		},
	}
	if err := controllerutil.SetControllerReference(sub, rr, r.Client.Scheme()); err != nil {
		return fmt.Errorf("own RenewalRequest %s: %w", rr.Name, err)
	}
	if err := r.Client.Create(ctx, rr); err != nil {
		if !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create RenewalRequest %s: %w", rr.Name, err)
		}
		// Created before a crash or a lost status write: adopt it.
		var existing billingv1alpha1.RenewalRequest
		if err := r.Client.Get(ctx, client.ObjectKeyFromObject(rr), &existing); err != nil {
			return fmt.Errorf("get existing RenewalRequest %s: %w", rr.Name, err)
		}
		if existing.Spec.SubscriptionName != sub.Name || !metav1.IsControlledBy(&existing, sub) {
			// Not this operator's attempt (applied by hand, or left from a
			// deleted Subscription of the same name): never adopt it.
			st.summary.stalled(billingv1alpha1.ReasonRequestNotOwned, fmt.Sprintf(
				"RenewalRequest %s exists but was not created by the operator for this Subscription; delete it to let the renewal start", rr.Name))
			return nil
		}
	} else {
		r.event(sub, "Normal", "RenewalStarted", "Renew", "started renewal %s: %d %s of %s from expiry %s",
			rr.Name, spec.Period.Count, spec.Period.Unit, res.ID, formatTime(res.ExpireTime))
	}
	sub.Status.RenewalRevision = rev
	sub.Status.ActiveRequest = rr.Name
	if renewNowPending {
		sub.Status.RenewNowHandled = renewNow
	}
	setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionRenewing, metav1.ConditionTrue, billingv1alpha1.ReasonRenewing, "renewal "+rr.Name+" started")
	st.summary.working(billingv1alpha1.ReasonRenewing, "renewal "+rr.Name+" under way")
	st.wakeAt(st.now.Add(time.Minute))
	return nil
}

// followActiveRequest mirrors the active RenewalRequest into the
// Subscription and records its outcome once it ends. It returns true when
// no attempt is under way any more.
func (r *SubscriptionReconciler) followActiveRequest(ctx context.Context, st *subState) (bool, error) {
	sub := st.sub
	var rr billingv1alpha1.RenewalRequest
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: sub.Namespace, Name: sub.Status.ActiveRequest}, &rr); err != nil {
		if !apierrors.IsNotFound(err) {
			return false, fmt.Errorf("get RenewalRequest %s: %w", sub.Status.ActiveRequest, err)
		}
		sub.Status.ActiveRequest = ""
		r.mirrorRequest(st, nil)
		return true, nil
	}
	st.active = &rr
	r.mirrorRequest(st, &rr)
	switch rr.Status.Phase {
	case billingv1alpha1.RenewalPhaseSucceeded:
		sub.Status.LastRenewal = &billingv1alpha1.RenewalRecord{
			RequestName: rr.Name, OrderIDs: rr.Status.OrderIDs, OrderStatus: rr.Status.OrderStatus,
			AmountPaid:    rr.Status.AmountPaid.DeepCopy(),
			NewExpireTime: rr.Status.NewExpireTime, CompletionTime: rr.Status.CompletionTime,
		}
		sub.Status.FailureCount = 0
		sub.Status.NextAttemptTime = nil
		// A renewal confirmed by its own order settles any earlier unknown
		// outcome: new attempts need not search first any more.
		sub.Status.UnknownRenewalOutcome = nil
		// The attempt's quote stands for the next period until it is a day
		// old, like any other quote.
		sub.Status.LastQuote = rr.Status.Quote.DeepCopy()
		r.recordOrders(st, &rr)
		r.event(sub, "Normal", billingv1alpha1.ReasonRenewed, "Renew", "renewed by %s (orders %v, %s); new expiry %s",
			rr.Name, rr.Status.OrderIDs, formatMoney(rr.Status.AmountPaid), formatMetaTime(rr.Status.NewExpireTime))
		// The request confirmed the new expiry through the shared
		// inventory; read it from there rather than asking BSS again. If
		// the inventory is older (another process confirmed), the stale
		// guard in startRenewal looks the resource up before anything else.
		if fresh, ok := r.Inventory.Get(st.acct.Key, st.res.ID); ok && fresh.ExpireTime.After(st.res.ExpireTime) {
			st.res = &fresh
			sub.Status.Resource = observed(fresh, r.Inventory.Attached(st.acct.Key, fresh.ID))
			sub.Status.ExpireTime = metaTime(fresh.ExpireTime)
		}
	case billingv1alpha1.RenewalPhaseFailed, billingv1alpha1.RenewalPhaseCancelled:
		sub.Status.FailureCount++
		next := st.now.Add(renewal.Backoff(sub.Status.FailureCount, st.now, st.res.ExpireTime))
		sub.Status.NextAttemptTime = &metav1.Time{Time: next}
		r.recordOrders(st, &rr)
		if outcomeUnknown(&rr) {
			// The attempt may have ordered without anyone finding the
			// order: hold until a person looks (issue 16, path 2).
			sub.Status.UnknownRenewalOutcome = unknownOutcomeEvidence(&rr, st.now)
			r.event(sub, "Warning", billingv1alpha1.ReasonRenewalOutcomeUnknown, "Renew",
				"renewal %s ended %s after %d renew calls whose outcome is unknown: %s; no new attempt starts until %s is set to %s",
				rr.Name, rr.Status.Phase, rr.Status.RenewCalls, rr.Status.Message, billingv1alpha1.AnnotationAcknowledgeUnknownOutcome, rr.Name)
			break
		}
		r.event(sub, "Warning", "RenewalFailed", "Renew", "renewal %s ended %s: %s; next attempt at %s",
			rr.Name, rr.Status.Phase, rr.Status.Message, formatTime(next))
	case billingv1alpha1.RenewalPhaseDenied:
		r.event(sub, "Warning", billingv1alpha1.ReasonDenied, "Renew", "renewal %s was denied by %s", rr.Name, approverOf(&rr))
	default:
		st.summary.working(billingv1alpha1.ReasonRenewing, fmt.Sprintf("renewal %s is %s", rr.Name, rr.Status.Phase))
		st.wakeAt(st.now.Add(time.Minute))
		return false, nil
	}
	sub.Status.ActiveRequest = ""
	r.mirrorRequest(st, nil)
	return true, nil
}

// mirrorRequest copies the gate conditions of the active request. Without
// one, Renewing is False and the gate conditions are absent: they describe
// a renewal, and there is none (the finished one is in status.lastRenewal
// and on its RenewalRequest). A gate the request has not reached is absent
// too. Fewer conditions also make every status write cheaper (issue 7).
func (r *SubscriptionReconciler) mirrorRequest(st *subState, rr *billingv1alpha1.RenewalRequest) {
	conds := &st.sub.Status.Conditions
	gateConditions := [...]string{billingv1alpha1.ConditionApprovalRequired, billingv1alpha1.ConditionPaymentPending, billingv1alpha1.ConditionBudgetBlocked}
	if rr == nil {
		setCondition(conds, st.now, billingv1alpha1.ConditionRenewing, metav1.ConditionFalse, billingv1alpha1.ReasonUpToDate, "no renewal under way")
		for _, t := range gateConditions {
			meta.RemoveStatusCondition(conds, t)
		}
		return
	}
	setCondition(conds, st.now, billingv1alpha1.ConditionRenewing, metav1.ConditionTrue, billingv1alpha1.ReasonRenewing,
		fmt.Sprintf("renewal %s is %s", rr.Name, rr.Status.Phase))
	for _, t := range gateConditions {
		if c := condition(rr.Status.Conditions, t); c != nil {
			setCondition(conds, st.now, t, c.Status, c.Reason, rr.Name+": "+c.Message)
		} else {
			meta.RemoveStatusCondition(conds, t)
		}
	}
}

// recordOrders prepends the request's orders to the order history,
// bounded by the policy's orderHistoryLimit.
func (r *SubscriptionReconciler) recordOrders(st *subState, rr *billingv1alpha1.RenewalRequest) {
	st.sub.Status.OrderHistory = prependOrders(st.sub.Status.OrderHistory, rr, metav1.Time{Time: st.now}, orderHistoryLimit(st.policy))
}

// orderHistoryLimit is the policy's orderHistoryLimit, or the default.
func orderHistoryLimit(p *billingv1alpha1.RenewalPolicy) int {
	if p != nil && p.Spec.OrderHistoryLimit > 0 {
		return int(p.Spec.OrderHistoryLimit)
	}
	return int(billingv1alpha1.DefaultOrderHistoryLimit)
}

// prependOrders returns hist with the request's orders not yet listed in
// front, newest first, cut to limit entries.
func prependOrders(hist []billingv1alpha1.OrderRecord, rr *billingv1alpha1.RenewalRequest, now metav1.Time, limit int) []billingv1alpha1.OrderRecord {
	for _, id := range rr.Status.OrderIDs {
		seen := false
		for _, o := range hist {
			seen = seen || o.OrderID == id
		}
		if seen {
			continue
		}
		hist = append([]billingv1alpha1.OrderRecord{{
			OrderID: id, Type: billingv1alpha1.OrderTypeRenewal, Status: rr.Status.OrderStatus,
			Amount: rr.Status.AmountPaid.DeepCopy(), RequestName: rr.Name,
			Time: now.DeepCopy(),
		}}, hist...)
	}
	if len(hist) > limit {
		hist = hist[:limit]
	}
	return hist
}

// clearRenewalPlan empties the explicit-renewal fields for modes that do
// not renew explicitly.
func (r *SubscriptionReconciler) clearRenewalPlan(st *subState) {
	st.sub.Status.RenewalTime = nil
	if st.sub.Status.ActiveRequest == "" {
		r.mirrorRequest(st, nil)
	}
	if st.policy == nil || st.res == nil {
		return
	}
	switch st.policy.Spec.Mode {
	case billingv1alpha1.RenewalModeAutoRenew:
		st.sub.Status.PlannedAction = "the cloud renews automatically: BSS deducts the fee at 03:00 seven days before expiry (6.3.4)"
		st.summary.ready(billingv1alpha1.ReasonAutoRenewOn, st.sub.Status.PlannedAction)
	case billingv1alpha1.RenewalModePayPerUse:
		st.sub.Status.PlannedAction = "converts to pay-per-use at expiry " + formatTime(st.res.ExpireTime) + " (6.3.6)"
		st.summary.ready(billingv1alpha1.ReasonPayPerUseAtExpiry, st.sub.Status.PlannedAction)
	case billingv1alpha1.RenewalModeLapse:
		st.sub.Status.PlannedAction = "none: lapses at expiry " + formatTime(st.res.ExpireTime)
		st.summary.ready(billingv1alpha1.ReasonLapsing, st.sub.Status.PlannedAction)
	}
	if !st.acting() {
		st.summary.ready(billingv1alpha1.ReasonObserving, st.sub.Status.PlannedAction)
	}
}

// reportExpiringSoon escalates as expiry nears with no renewal path that
// will act in time.
func (r *SubscriptionReconciler) reportExpiringSoon(st *subState) {
	sub, res := st.sub, st.res
	if res == nil || !st.now.Before(res.ExpireTime) {
		setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionExpiringSoon, metav1.ConditionFalse, billingv1alpha1.ReasonExpired, "already expired")
		return
	}
	warnAt := res.ExpireTime.Add(-renewal.WarnLead(st.policy))
	if st.now.Before(warnAt) {
		setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionExpiringSoon, metav1.ConditionFalse, billingv1alpha1.ReasonNotExpired,
			"expires at "+formatTime(res.ExpireTime))
		st.wakeAt(warnAt)
		return
	}
	path, why := r.renewalPath(st)
	left := res.ExpireTime.Sub(st.now).Round(time.Hour)
	if path {
		setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionExpiringSoon, metav1.ConditionFalse, billingv1alpha1.ReasonScheduled,
			fmt.Sprintf("expires in %s; %s", left, why))
		return
	}
	msg := fmt.Sprintf("expires at %s (in %s) and %s", formatTime(res.ExpireTime), left, why)
	if setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionExpiringSoon, metav1.ConditionTrue, billingv1alpha1.ReasonExpiringSoon, msg) {
		r.event(sub, "Warning", billingv1alpha1.ReasonExpiringSoon, "Observe", "%s %s", res.ID, msg)
	}
	st.wakeAt(st.now.Add(6 * time.Hour))
}

// renewalPath reports whether something will keep the resource from lapsing.
func (r *SubscriptionReconciler) renewalPath(st *subState) (bool, string) {
	if st.policy == nil {
		return false, "no RenewalPolicy will renew it"
	}
	cur := currentMechanism(st.res)
	switch st.policy.Spec.Mode {
	case billingv1alpha1.RenewalModeAutoRenew:
		if cur.autoRenew && st.autoRenewOverdue {
			return false, "the cloud's auto-renew deduction is overdue (see AutoRenewOverdue)"
		}
		if cur.autoRenew {
			return true, "the cloud's auto-renew is on"
		}
		return false, "the cloud's auto-renew is off"
	case billingv1alpha1.RenewalModePayPerUse:
		if cur.toOnDemand {
			return true, "it converts to pay-per-use at expiry"
		}
		return false, "the change to pay-per-use at expiry is not set in BSS"
	case billingv1alpha1.RenewalModeLapse:
		return false, "the policy lets it lapse"
	}
	if !st.acting() {
		return false, "the subscription is in Observe mode or paused, so the operator will not renew it"
	}
	if st.active != nil {
		switch st.active.Status.Phase {
		case billingv1alpha1.RenewalPhaseAwaitingApproval:
			return false, "renewal " + st.active.Name + " waits for approval"
		case billingv1alpha1.RenewalPhaseBlocked:
			return false, "renewal " + st.active.Name + " is blocked: " + st.active.Status.Message
		case billingv1alpha1.RenewalPhasePaymentPending:
			return false, "renewal " + st.active.Name + " waits for payment"
		}
		return true, "renewal " + st.active.Name + " is under way"
	}
	if unknownOutcomeGate(st.sub.Status.UnknownRenewalOutcome) == outcomeHold {
		return false, "the outcome of renewal " + st.sub.Status.UnknownRenewalOutcome.RequestName + " is unknown and no new attempt starts until it is acknowledged"
	}
	if st.sub.Status.FailureCount > 0 {
		return false, fmt.Sprintf("%d renewal attempts failed", st.sub.Status.FailureCount)
	}
	return true, "a renewal is scheduled at " + formatMetaTime(st.sub.Status.RenewalTime)
}

// pruneHistory deletes finished RenewalRequests beyond the policy's history
// limit, oldest first; the active one is never deleted.
func (r *SubscriptionReconciler) pruneHistory(ctx context.Context, st *subState) error {
	limit := billingv1alpha1.DefaultHistoryLimit
	if st.policy != nil && st.policy.Spec.HistoryLimit > 0 {
		limit = st.policy.Spec.HistoryLimit
	}
	if st.sub.Status.RenewalRevision <= int64(limit) {
		return nil
	}
	var list billingv1alpha1.RenewalRequestList
	if err := r.Client.List(ctx, &list, client.InNamespace(st.sub.Namespace),
		client.MatchingLabels{labelSubscription: st.sub.Name}); err != nil {
		return fmt.Errorf("list RenewalRequests: %w", err)
	}
	var finished []billingv1alpha1.RenewalRequest
	for _, rr := range list.Items {
		if rr.Name != st.sub.Status.ActiveRequest && rr.Status.Phase.Finished() {
			finished = append(finished, rr)
		}
	}
	sort.Slice(finished, func(i, j int) bool { return finished[i].Spec.Revision < finished[j].Spec.Revision })
	for i := 0; i < len(finished)-int(limit); i++ {
		if err := r.Client.Delete(ctx, &finished[i]); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete old RenewalRequest %s: %w", finished[i].Name, err)
		}
	}
	return nil
}

// summarize writes Ready, Reconciling and Stalled from what the reconcile found.
func (r *SubscriptionReconciler) summarize(st *subState) {
	if st.sub.Spec.Paused {
		st.summary.ready(billingv1alpha1.ReasonPaused, "paused: status is refreshed, nothing is changed")
	}
	st.summary.apply(&st.sub.Status.Conditions, st.now)
}

// approverOf names who decided a request.
func approverOf(rr *billingv1alpha1.RenewalRequest) string {
	if rr.Spec.Approval != nil {
		return rr.Spec.Approval.Approver
	}
	return "nobody"
}

// formatMetaTime renders an optional time.
func formatMetaTime(t *metav1.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(t.Time)
}
