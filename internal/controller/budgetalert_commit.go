package controller

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/budget"
)

// Kinds of due renewal.
const (
	// dueExplicit is a renewal the operator orders at status.renewalTime.
	dueExplicit = "renewal"
	// dueAutoRenew is the cloud's own auto-renew deduction.
	dueAutoRenew = "cloud auto-renew"
	// duePaid is a renewal the operator completed at at, which cost data
	// may not show yet (it lags about an hour, 8.1).
	duePaid = "completed renewal"
)

// quoteMaxCalls bounds the renewal-price calls (4.2.3) of one reconcile;
// unpriced deductions are priced in later passes.
const quoteMaxCalls = 4

// autoRenewQuoteMaxAge is how long a price quoted for an auto-renew
// deduction is reused.
const autoRenewQuoteMaxAge = 24 * time.Hour

// maxRepeats bounds the renewals of one subscription inside a horizon
// (twelve monthly renewals in a year, and a margin).
const maxRepeats = 40

// dueRenewal is a renewal or cloud deduction expected at a time.
type dueRenewal struct {
	// at is when it is due; an overdue one is due now.
	at time.Time
	// amount and currency are the quoted price, when priced.
	amount   decimal.Decimal
	currency string
	priced   bool
	// kind is dueExplicit or dueAutoRenew.
	kind string
	// source is the Subscription, or the resource ID of a resource that
	// has none.
	source string
	// resourceID is the primary resource.
	resourceID string
	// months is the renewal term.
	months int
	// inBudget is true when it counts toward committed spend: it comes
	// from a Subscription and matches the filters.
	inBudget bool
}

// quoteEntry is a cached renewal price.
type quoteEntry struct {
	amount    decimal.Decimal
	currency  string
	quotedAt  time.Time
	failed    bool
	failedMsg string
}

// dueRenewals lists what the account will pay for renewals before the end
// of the period or of the balance horizon, whichever is later: explicit
// renewals of Subscriptions under Manage with a Renew policy, and the
// cloud's auto-renew deductions of Subscriptions whose resource has
// auto-renew on; with a balanceFloor also the auto-renew deductions of
// resources that have no Subscription. Repeats inside the horizon (a
// monthly renewal in a yearly budget) are listed once each.
func (r *BudgetAlertReconciler) dueRenewals(ctx context.Context, st *budgetState) ([]dueRenewal, error) {
	b := st.b
	until := st.end
	if f := b.Spec.BalanceFloor; f != nil {
		if h := st.now.Add(horizon(f)); h.After(until) {
			until = h
		}
	}
	var subs billingv1alpha1.SubscriptionList
	if err := r.Client.List(ctx, &subs, client.InNamespace(b.Namespace),
		client.MatchingFields{indexSubscriptionAccount: b.Spec.AccountRef.Name}); err != nil {
		return nil, fmt.Errorf("list Subscriptions of BillingAccount %s: %w", b.Spec.AccountRef.Name, err)
	}
	var dues []dueRenewal
	covered := map[string]bool{}
	for i := range subs.Items {
		sub := &subs.Items[i]
		covered[sub.Spec.ResourceID] = true
		d, err := r.subscriptionDues(ctx, st, sub, until)
		if err != nil {
			return nil, err
		}
		dues = append(dues, d...)
	}
	if b.Spec.BalanceFloor != nil {
		dues = append(dues, r.inventoryDues(ctx, st, covered, until)...)
	}
	r.priceAutoRenewals(ctx, st, dues)
	slices.SortStableFunc(dues, func(a, c dueRenewal) int { return a.at.Compare(c.at) })
	return dues, nil
}

// horizon is the balance floor's look-ahead.
func horizon(f *billingv1alpha1.BalanceFloor) time.Duration {
	if f.Horizon == nil || f.Horizon.Duration <= 0 {
		return billingv1alpha1.DefaultBalanceHorizon
	}
	return f.Horizon.Duration
}

// subscriptionDues lists one Subscription's renewals before until.
func (r *BudgetAlertReconciler) subscriptionDues(ctx context.Context, st *budgetState, sub *billingv1alpha1.Subscription, until time.Time) ([]dueRenewal, error) {
	res := sub.Status.Resource
	if res == nil || sub.Status.ExpireTime == nil {
		return nil, nil
	}
	var policy *billingv1alpha1.RenewalPolicy
	if ref := sub.Spec.RenewalPolicyRef; ref != nil {
		var p billingv1alpha1.RenewalPolicy
		err := r.Client.Get(ctx, client.ObjectKey{Namespace: sub.Namespace, Name: ref.Name}, &p)
		switch {
		case err == nil:
			policy = &p
		case !apierrors.IsNotFound(err):
			return nil, fmt.Errorf("get RenewalPolicy %s: %w", ref.Name, err)
		}
	}
	base := dueRenewal{source: sub.Name, resourceID: sub.Spec.ResourceID, inBudget: r.subscriptionMatches(st, sub)}
	if q := sub.Status.LastQuote; q != nil {
		if amount, err := decimal.NewFromString(q.Price.Amount); err == nil {
			base.amount, base.currency, base.priced = amount, q.Price.Currency, true
		}
	}
	var out []dueRenewal
	if lr := sub.Status.LastRenewal; lr != nil && lr.CompletionTime != nil && lr.AmountPaid != nil {
		if amount, err := decimal.NewFromString(lr.AmountPaid.Amount); err == nil {
			paid := base
			paid.kind, paid.at, paid.amount, paid.currency, paid.priced = duePaid, lr.CompletionTime.Time, amount, lr.AmountPaid.Currency, true
			out = append(out, paid)
		}
	}
	explicit := sub.Spec.ManagementPolicy == billingv1alpha1.ManagementManage && !sub.Spec.Paused &&
		policy != nil && policy.Spec.Mode == billingv1alpha1.RenewalModeRenew && policy.Spec.Renew != nil &&
		sub.Status.RenewalTime != nil
	var first time.Time
	var next func(k int) time.Time
	switch {
	case explicit:
		base.kind, first = dueExplicit, sub.Status.RenewalTime.Time
		p := policy.Spec.Renew.Period
		base.months = int(p.Count)
		if p.Unit == billingv1alpha1.PeriodUnitYear {
			base.months *= 12
		}
		if q := sub.Status.LastQuote; base.priced && q.Period != nil && *q.Period != p {
			base.priced = false // quoted for another term
		}
		next = func(k int) time.Time { return budget.AddMonths(first, k*base.months) }
	case res.ExpirePolicy == bss.ExpirePolicyAutoRenew.String():
		expire := sub.Status.ExpireTime.Time
		base.kind = dueAutoRenew
		var effective time.Time
		if res.EffectiveTime != nil {
			effective = res.EffectiveTime.Time
		}
		base.months = budget.TermMonths(effective, expire)
		next = func(k int) time.Time { return budget.AutoRenewDeduction(budget.AddMonths(expire, k*base.months)) }
	default:
		return out, nil
	}
	return append(out, repeat(base, next, st.now, until)...), nil
}

// repeat lists base at next(0), next(1), ... before until; an overdue first
// one is due now.
func repeat(base dueRenewal, next func(int) time.Time, now, until time.Time) []dueRenewal {
	var out []dueRenewal
	for k := 0; k < maxRepeats; k++ {
		t := next(k)
		if !t.Before(until) {
			break
		}
		d := base
		d.at = t
		if t.Before(now) {
			d.at = now
		}
		out = append(out, d)
	}
	return out
}

// subscriptionMatches applies the budget's filters to a Subscription's
// resource. Subscriptions are yearly/monthly; a resource whose enterprise
// project is not known yet is counted (overstating committed spend is the
// safe side).
func (r *BudgetAlertReconciler) subscriptionMatches(st *budgetState, sub *billingv1alpha1.Subscription) bool {
	f := st.b.Spec.Filters
	res := sub.Status.Resource
	if len(f.ChargingModes) > 0 && !slices.Contains(f.ChargingModes, billingv1alpha1.ChargingModeYearlyMonthly) {
		return false
	}
	project := res.EnterpriseProjectID
	if project == "" && r.Inventory != nil && st.acct != nil {
		if inv, ok := r.Inventory.Get(st.acct.Key, sub.Spec.ResourceID); ok {
			project = inv.EnterpriseProject.ID
		}
	}
	if project == "" {
		sel := f.ResourceSelector
		sel.EnterpriseProjectIDs = nil
		return sel.Matches(res.ServiceTypeCode, res.RegionCode, "")
	}
	return f.Matches(res.ServiceTypeCode, res.RegionCode, project)
}

// inventoryDues lists the auto-renew deductions of the account's primary
// resources that no Subscription covers (for the balance projection only).
func (r *BudgetAlertReconciler) inventoryDues(ctx context.Context, st *budgetState, covered map[string]bool, until time.Time) []dueRenewal {
	if r.Inventory == nil {
		return nil
	}
	maxAge := billingv1alpha1.DefaultAccountRefreshInterval
	if ri := st.acct.Object.Spec.RefreshInterval; ri != nil && ri.Duration > 0 {
		maxAge = ri.Duration
	}
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	if err := r.Inventory.Ensure(bctx, st.acct.Key, st.acct.BSS, maxAge); err != nil {
		// The projection then covers Subscriptions only; say so.
		st.notes = append(st.notes, fmt.Sprintf("resources without a Subscription are not projected: %v", bss.Describe(err)))
		return nil
	}
	var out []dueRenewal
	for _, res := range r.Inventory.All(st.acct.Key) {
		if !res.IsMain || !res.AutoRenew() || covered[res.ID] || res.Status == bss.ResourceClosed {
			continue
		}
		expire := res.ExpireTime
		base := dueRenewal{kind: dueAutoRenew, source: res.ID, resourceID: res.ID,
			months: budget.TermMonths(res.EffectiveTime, expire)}
		out = append(out, repeat(base, func(k int) time.Time {
			return budget.AutoRenewDeduction(budget.AddMonths(expire, k*base.months))
		}, st.now, until)...)
	}
	return out
}

// priceAutoRenewals prices unpriced auto-renew deductions from the quote
// cache, asking BSS (4.2.3, up to 10 resources a call) for at most
// quoteMaxCalls calls.
func (r *BudgetAlertReconciler) priceAutoRenewals(ctx context.Context, st *budgetState, dues []dueRenewal) {
	c := r.cache()
	key := func(d dueRenewal) string { return fmt.Sprintf("%s|%s|%d", st.acct.Key, d.resourceID, d.months) }
	fresh := func(e quoteEntry) bool {
		maxAge := autoRenewQuoteMaxAge
		if e.failed {
			maxAge = time.Hour
		}
		return st.now.Sub(e.quotedAt) < maxAge
	}
	need := map[int][]string{}
	c.mu.Lock()
	for _, d := range dues {
		if d.priced || d.kind != dueAutoRenew {
			continue
		}
		if e, ok := c.quotes[key(d)]; ok && fresh(e) {
			continue
		}
		if !slices.Contains(need[d.months], d.resourceID) {
			need[d.months] = append(need[d.months], d.resourceID)
		}
	}
	c.mu.Unlock()
	calls := 0
	months := make([]int, 0, len(need))
	for m := range need {
		months = append(months, m)
	}
	slices.Sort(months)
	for _, m := range months {
		ids := need[m]
		for len(ids) > 0 && calls < quoteMaxCalls {
			n := min(len(ids), 10)
			calls += r.quoteBatch(ctx, st, m, ids[:n], quoteMaxCalls-calls)
			ids = ids[n:]
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range dues {
		d := &dues[i]
		if d.priced || d.kind != dueAutoRenew {
			continue
		}
		if e, ok := c.quotes[key(*d)]; ok && !e.failed {
			d.amount, d.currency, d.priced = e.amount, e.currency, true
		}
	}
}

// quoteBatch quotes ids for a term of months and caches the prices. A
// failed batch is retried one resource at a time while calls remain, so
// one unpriceable resource does not leave the others unpriced. It returns
// the calls made.
func (r *BudgetAlertReconciler) quoteBatch(ctx context.Context, st *budgetState, months int, ids []string, callsLeft int) int {
	if callsLeft <= 0 {
		return 0
	}
	req := bss.RenewalPriceRequest{ResourceIDs: ids, PeriodType: bss.PeriodMonth, PeriodNum: months}
	if months%12 == 0 {
		req.PeriodType, req.PeriodNum = bss.PeriodYear, months/12
	}
	bctx, cancel := r.bssContext(ctx)
	q, err := st.acct.BSS.RenewalPrice(bctx, req)
	cancel()
	c := r.cache()
	if err != nil {
		if len(ids) > 1 {
			calls := 1
			for _, id := range ids {
				calls += r.quoteBatch(ctx, st, months, []string{id}, callsLeft-calls)
			}
			return calls
		}
		c.mu.Lock()
		c.quotes[fmt.Sprintf("%s|%s|%d", st.acct.Key, ids[0], months)] = quoteEntry{quotedAt: st.now, failed: true, failedMsg: bss.Describe(err)}
		c.mu.Unlock()
		return 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.quotes {
		if st.now.Sub(e.quotedAt) > 2*autoRenewQuoteMaxAge {
			delete(c.quotes, k)
		}
	}
	for _, it := range q.Items {
		cur := it.Amount.Currency
		if cur == "" {
			cur = q.Currency
		}
		c.quotes[fmt.Sprintf("%s|%s|%d", st.acct.Key, it.ResourceID, months)] = quoteEntry{
			amount: it.Amount.Amount, currency: cur, quotedAt: st.now}
	}
	return 1
}
