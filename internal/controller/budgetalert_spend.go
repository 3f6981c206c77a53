package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bssoutcome"
	"github.com/bss-operator/bss-operator/internal/budget"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// costDataLag is how far cost data trails real time (8.1: original costs
// show up after about an hour).
const costDataLag = time.Hour

// closedMonthMaxAge is how long the spend of a closed month is reused. The
// final bill of a month is generated on the 3rd of the next (8.1), so
// closed months still move a little in the first days.
const closedMonthMaxAge = 6 * time.Hour

// spendFigures are a period's spend and when it was measured.
type spendFigures struct {
	budget.Spend
	// fetchedAt is when BSS was read.
	fetchedAt time.Time
	// generation and periodStart the figures were measured for.
	generation  int64
	periodStart time.Time
}

// budgetCaches keep what a BudgetAlert reuses between reconciles: the last
// spend measured, closed months, renewal quotes and webhook retry state.
// All of it can be lost (a restart refetches).
type budgetCaches struct {
	mu       sync.Mutex
	spend    map[string]spendFigures
	closed   map[string]spendFigures
	webhooks map[string]webhookAttempt
	balances map[string]cashFigures
	// quotes prices cloud auto-renew deductions.
	quotes *budget.QuoteCache
	// terms holds the terms the cloud auto-renews resources by.
	terms *budget.TermCache
}

// cashFigures is a cash balance read from BSS (5.1).
type cashFigures struct {
	amount     decimal.Decimal
	currency   string
	fetchedAt  time.Time
	generation int64
	// dues fingerprints the deductions due when the balance was read.
	dues string
}

// cache returns the reconciler's caches, creating them once.
func (r *BudgetAlertReconciler) cache() *budgetCaches {
	r.cacheOnce.Do(func() {
		r.caches = &budgetCaches{spend: map[string]spendFigures{}, closed: map[string]spendFigures{},
			webhooks: map[string]webhookAttempt{},
			balances: map[string]cashFigures{}, quotes: budget.NewQuoteCache(r.BSSTimeout),
			terms: budget.NewTermCache(r.BSSTimeout)}
	})
	return r.caches
}

// quotes returns the cache of auto-renew prices.
func (r *BudgetAlertReconciler) quotes() *budget.QuoteCache { return r.cache().quotes }

// terms returns the cache of auto-renew terms.
func (r *BudgetAlertReconciler) terms() *budget.TermCache { return r.cache().terms }

// forget drops what is kept for a deleted BudgetAlert.
func (c *budgetCaches) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.spend, key)
	delete(c.balances, key)
	for k := range c.webhooks {
		if strings.HasPrefix(k, key+"|") {
			delete(c.webhooks, k)
		}
	}
}

// measureSpend returns the period's spend, from BSS when a refresh is due
// and from the last measurement otherwise. It reports false when the
// figures are unavailable or unusable (the conditions say why).
func (r *BudgetAlertReconciler) measureSpend(ctx context.Context, st *budgetState) (spendFigures, bool) {
	b := st.b
	key := b.Namespace + "/" + b.Name
	interval := r.refreshInterval(b)
	jitter := time.Duration(renewal.JitterFraction(b.UID, "budget") * float64(interval) / 10)
	c := r.cache()
	c.mu.Lock()
	last, ok := c.spend[key]
	c.mu.Unlock()
	if ok && last.generation == b.Generation && last.periodStart.Equal(st.start) && st.now.Before(last.fetchedAt.Add(interval+jitter)) {
		st.wakeAt(last.fetchedAt.Add(interval + jitter))
		return last, r.checkCurrency(st, last.Currency)
	}
	fresh, err := r.fetchSpend(ctx, st)
	if err != nil {
		var ce *budget.CurrencyError
		if errors.As(err, &ce) {
			r.currencyMismatch(st, err.Error())
			st.wakeAt(st.now.Add(interval + jitter))
			return spendFigures{}, false
		}
		r.bssTrouble(st, "read cost data", err)
		return spendFigures{}, false
	}
	fresh.fetchedAt, fresh.generation, fresh.periodStart = st.now, b.Generation, st.start
	c.mu.Lock()
	c.spend[key] = fresh
	c.mu.Unlock()
	b.Status.DataAsOf = metaTime(st.now.Add(-costDataLag).Truncate(time.Second))
	b.Status.LastSyncTime = metaTime(st.now.Truncate(time.Second))
	st.wakeAt(st.now.Add(interval + jitter))
	return fresh, r.checkCurrency(st, fresh.Currency)
}

// checkCurrency refuses figures in another currency than the limit's.
func (r *BudgetAlertReconciler) checkCurrency(st *budgetState, currency string) bool {
	if currency != "" && currency != st.b.Spec.Limit.Currency {
		r.currencyMismatch(st, (&budget.CurrencyError{Got: currency, Want: st.b.Spec.Limit.Currency}).Error())
		return false
	}
	return true
}

// currencyMismatch reports a currency that cannot be compared with the
// limit. The figures and activeActions are left as they were: nothing is
// converted and nothing is released on figures that cannot be trusted.
func (r *BudgetAlertReconciler) currencyMismatch(st *budgetState, msg string) {
	st.summary.stalled(billingv1alpha1.ReasonCurrencyMismatch, msg)
	if setCondition(&st.b.Status.Conditions, st.now, billingv1alpha1.ConditionThresholdExceeded, metav1.ConditionUnknown, billingv1alpha1.ReasonCurrencyMismatch, msg) {
		st.event(corev1.EventTypeWarning, billingv1alpha1.ReasonCurrencyMismatch, "Evaluate", "%s", msg)
	}
}

// bssTrouble records a failed BSS read and when to try again.
func (r *BudgetAlertReconciler) bssTrouble(st *budgetState, what string, err error) {
	o := bssoutcome.Of(what, err)
	if o.Stalled {
		// For example CBC.18000014, Cost Center not enabled: a person must act.
		st.summary.stalled(o.Reason, o.Message)
	} else {
		st.summary.notReady(o.Reason, o.Message)
	}
	retry := o.RetryAfter
	if o.Reason == billingv1alpha1.ReasonBSSRefused {
		retry = max(retry, r.refreshInterval(st.b))
	}
	st.wakeAt(st.now.Add(retry))
}

// fetchSpend reads the period's spend: closed GMT+08:00 months from the
// summary bills (7.1) and the other days from cost data (8.1).
func (r *BudgetAlertReconciler) fetchSpend(ctx context.Context, st *budgetState) (spendFigures, error) {
	f := st.b.Spec.Filters
	// 7.1 cannot filter by region (region_code is reserved), so with a
	// region filter every day comes from 8.1.
	plan := budget.Plan(st.start, st.end, st.now, len(f.RegionCodes) == 0)
	total := spendFigures{Spend: budget.Spend{Currency: st.b.Spec.Limit.Currency}}
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	for _, m := range plan.ClosedMonths {
		s, err := r.closedMonth(bctx, st, m)
		if err != nil {
			return spendFigures{}, err
		}
		if err := total.Add(s.Spend); err != nil {
			return spendFigures{}, err
		}
	}
	for _, d := range plan.Days {
		s, err := budget.CostData(bctx, st.acct.BSS, f, d)
		if err != nil {
			return spendFigures{}, err
		}
		if err := total.Add(s); err != nil {
			return spendFigures{}, err
		}
	}
	return total, nil
}

// closedMonth returns a closed month's spend from the v2 monthly summary
// bills (the SDK's ShowCustomerMonthlySum; §7.1 documents v1.0), reusing a
// recent answer. Unlike v1.0 it needs no domain id.
func (r *BudgetAlertReconciler) closedMonth(ctx context.Context, st *budgetState, month string) (spendFigures, error) {
	f := st.b.Spec.Filters
	key := fmt.Sprintf("%s|%s|%v|%v|%v", st.acct.Key, month, f.ServiceTypeCodes, f.EnterpriseProjectIDs, f.ChargingModes)
	c := r.cache()
	c.mu.Lock()
	hit, ok := c.closed[key]
	for k, v := range c.closed {
		if st.now.Sub(v.fetchedAt) > 4*closedMonthMaxAge {
			delete(c.closed, k)
		}
	}
	c.mu.Unlock()
	if ok && st.now.Sub(hit.fetchedAt) < closedMonthMaxAge {
		return hit, nil
	}
	spend, err := budget.ClosedMonth(ctx, st.acct.BSS, month, f)
	if err != nil {
		return spendFigures{}, err
	}
	out := spendFigures{Spend: spend, fetchedAt: st.now}
	c.mu.Lock()
	c.closed[key] = out
	c.mu.Unlock()
	return out, nil
}

// cashBalance returns the account's cash balance (5.1), read again on the
// spend refresh schedule and whenever the deductions due change. It reports false when BSS could not be read.
func (r *BudgetAlertReconciler) cashBalance(ctx context.Context, st *budgetState, dues string) (cashFigures, bool) {
	b := st.b
	key := b.Namespace + "/" + b.Name
	interval := r.refreshInterval(b)
	jitter := time.Duration(renewal.JitterFraction(b.UID, "budget") * float64(interval) / 10)
	c := r.cache()
	c.mu.Lock()
	last, ok := c.balances[key]
	c.mu.Unlock()
	if ok && last.generation == b.Generation && last.dues == dues && st.now.Before(last.fetchedAt.Add(interval+jitter)) {
		return last, true
	}
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	bal, err := st.acct.BSS.Balances(bctx)
	if err != nil {
		r.bssTrouble(st, "read the balance", err)
		return cashFigures{}, false
	}
	cash, found := bal.Cash()
	if !found {
		st.summary.stalled(billingv1alpha1.ReasonBSSRefused, "BSS reports no cash account for the balance projection (5.1)")
		return cashFigures{}, false
	}
	fresh := cashFigures{amount: cash.Amount, currency: cash.Currency, fetchedAt: st.now, generation: b.Generation, dues: dues}
	c.mu.Lock()
	c.balances[key] = fresh
	c.mu.Unlock()
	return fresh, true
}
