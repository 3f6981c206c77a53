package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/budget"
)

// costDataLag is how far cost data trails real time (8.1: original costs
// show up after about an hour).
const costDataLag = time.Hour

// closedMonthMaxAge is how long the spend of a closed month is reused. The
// final bill of a month is generated on the 3rd of the next (8.1), so
// closed months still move a little in the first days.
const closedMonthMaxAge = 6 * time.Hour

// maxCostPages bounds the pages of one 8.1 query (1000 groups a page).
const maxCostPages = 20

// chargingModeCode maps a spec charging mode onto its 8.1 CHARGING_MODE
// value (7.3 charge_mode: 1 yearly/monthly, 3 pay-per-use, 10 reserved
// instances, 11 savings plans).
func chargingModeCode(m billingv1alpha1.ChargingMode) string {
	switch m {
	case billingv1alpha1.ChargingModeYearlyMonthly:
		return "1"
	case billingv1alpha1.ChargingModePayPerUse:
		return "3"
	case billingv1alpha1.ChargingModeReservedInstance:
		return "10"
	case billingv1alpha1.ChargingModeSavingsPlan:
		return "11"
	}
	return ""
}

// spendFigures are the spend so far in the period.
type spendFigures struct {
	// actual is the spend so far.
	actual decimal.Decimal
	// usage is the part of actual that is not yearly/monthly.
	usage decimal.Decimal
	// currency of the figures.
	currency string
	// fetchedAt is when BSS was read.
	fetchedAt time.Time
	// generation and periodStart the figures were measured for.
	generation  int64
	periodStart time.Time
}

// add adds another measurement in the same currency.
func (s *spendFigures) add(o spendFigures) error {
	if o.currency != "" && s.currency != "" && o.currency != s.currency {
		return &currencyError{got: o.currency, want: s.currency}
	}
	if s.currency == "" {
		s.currency = o.currency
	}
	s.actual = s.actual.Add(o.actual)
	s.usage = s.usage.Add(o.usage)
	return nil
}

// currencyError is BSS data in a currency other than expected.
type currencyError struct{ got, want string }

func (e *currencyError) Error() string {
	return fmt.Sprintf("BSS reports amounts in %s but the budget is in %s; currencies are never converted", e.got, e.want)
}

// budgetCaches keep what a BudgetAlert reuses between reconciles: the last
// spend measured, closed months, renewal quotes and webhook retry state.
// All of it can be lost (a restart refetches).
type budgetCaches struct {
	mu       sync.Mutex
	spend    map[string]spendFigures
	closed   map[string]spendFigures
	quotes   map[string]quoteEntry
	webhooks map[string]webhookAttempt
	balances map[string]cashFigures
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
			quotes: map[string]quoteEntry{}, webhooks: map[string]webhookAttempt{},
			balances: map[string]cashFigures{}}
	})
	return r.caches
}

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
	jitter := time.Duration(jitterFraction(b.UID, "budget") * float64(interval) / 10)
	c := r.cache()
	c.mu.Lock()
	last, ok := c.spend[key]
	c.mu.Unlock()
	if ok && last.generation == b.Generation && last.periodStart.Equal(st.start) && st.now.Before(last.fetchedAt.Add(interval+jitter)) {
		st.wakeAt(last.fetchedAt.Add(interval + jitter))
		return last, r.checkCurrency(st, last.currency)
	}
	fresh, err := r.fetchSpend(ctx, st)
	if err != nil {
		var ce *currencyError
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
	return fresh, r.checkCurrency(st, fresh.currency)
}

// checkCurrency refuses figures in another currency than the limit's.
func (r *BudgetAlertReconciler) checkCurrency(st *budgetState, currency string) bool {
	if currency != "" && currency != st.b.Spec.Limit.Currency {
		r.currencyMismatch(st, (&currencyError{got: currency, want: st.b.Spec.Limit.Currency}).Error())
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
	msg := fmt.Sprintf("%s: %v", what, bss.Describe(err))
	switch {
	case bss.IsAuth(err):
		st.summary.stalled(billingv1alpha1.ReasonCredentialsRejected, msg)
		st.wakeAt(st.now.Add(5 * time.Minute))
	case bss.IsThrottled(err):
		st.summary.notReady(billingv1alpha1.ReasonThrottled, msg)
		st.wakeAt(st.now.Add(30 * time.Second))
	case bss.IsTerminal(err):
		// For example CBC.18000014, Cost Center not enabled: a person must act.
		st.summary.stalled(billingv1alpha1.ReasonBSSRefused, msg)
		st.wakeAt(st.now.Add(r.refreshInterval(st.b)))
	default:
		st.summary.notReady(billingv1alpha1.ReasonBSSUnavailable, msg)
		st.wakeAt(st.now.Add(time.Minute))
	}
}

// fetchSpend reads the period's spend: closed GMT+08:00 months from the
// summary bills (7.1) and the other days from cost data (8.1).
func (r *BudgetAlertReconciler) fetchSpend(ctx context.Context, st *budgetState) (spendFigures, error) {
	f := st.b.Spec.Filters
	// 7.1 cannot filter by region (region_code is reserved), so with a
	// region filter every day comes from 8.1.
	plan := budget.Plan(st.start, st.end, st.now, len(f.RegionCodes) == 0)
	total := spendFigures{currency: st.b.Spec.Limit.Currency}
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	for _, m := range plan.ClosedMonths {
		s, err := r.closedMonth(bctx, st, m)
		if err != nil {
			return spendFigures{}, err
		}
		if err := total.add(s); err != nil {
			return spendFigures{}, err
		}
	}
	for _, d := range plan.Days {
		s, err := costData(bctx, st.acct.BSS, f, d)
		if err != nil {
			return spendFigures{}, err
		}
		if err := total.add(s); err != nil {
			return spendFigures{}, err
		}
	}
	return total, nil
}

// costFilters maps the spec's filters onto 8.1 filters.
func costFilters(f billingv1alpha1.BudgetFilters) []bss.CostFilter {
	var out []bss.CostFilter
	add := func(key string, values []string) {
		if len(values) > 0 {
			out = append(out, bss.CostFilter{Key: key, Values: values})
		}
	}
	add("CLOUD_SERVICE_TYPE", f.ServiceTypeCodes)
	add("REGION_CODE", f.RegionCodes)
	add("ENTERPRISE_PROJECT_ID", f.EnterpriseProjectIDs)
	var modes []string
	for _, m := range f.ChargingModes {
		if code := chargingModeCode(m); code != "" {
			modes = append(modes, code)
		}
	}
	add("CHARGING_MODE", modes)
	return out
}

// costData sums the cost data (8.1, original cost, payment amount) of a
// range of days, grouped by charging mode so that yearly/monthly payments
// can be told from usage. It reads every page.
func costData(ctx context.Context, cl bss.Client, f billingv1alpha1.BudgetFilters, days budget.DayRange) (spendFigures, error) {
	req := bss.CostDataRequest{
		TimeMeasure: bss.TimeMeasureDay, Begin: days.First, End: days.Last,
		GroupBy:  []bss.CostGroupBy{{Type: bss.GroupByTypeDimension, Key: "CHARGING_MODE"}},
		CostType: bss.CostTypeOriginal, AmountType: bss.AmountTypePayment,
		Filters: costFilters(f), Limit: 1000,
	}
	var out spendFigures
	for page := 0; page < maxCostPages; page++ {
		p, err := cl.CostData(ctx, req)
		if err != nil {
			return spendFigures{}, fmt.Errorf("cost data %s..%s: %w", days.First, days.Last, err)
		}
		if out.currency == "" {
			out.currency = p.Currency
		} else if p.Currency != out.currency {
			return spendFigures{}, &currencyError{got: p.Currency, want: out.currency}
		}
		for _, rec := range p.Records {
			out.actual = out.actual.Add(rec.Amount.Amount)
			if len(rec.Dimensions) == 0 || rec.Dimensions[0].Value != "1" {
				out.usage = out.usage.Add(rec.Amount.Amount)
			}
		}
		req.Offset += len(p.Records)
		if len(p.Records) == 0 || req.Offset >= p.TotalCount {
			return out, nil
		}
	}
	return spendFigures{}, fmt.Errorf("cost data %s..%s: more than %d pages", days.First, days.Last, maxCostPages)
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
	// v2 records carry no enterprise project: filter in the request, once
	// per project, instead ("" is every project).
	projects := f.EnterpriseProjectIDs
	if len(projects) == 0 {
		projects = []string{""}
	}
	out := spendFigures{fetchedAt: st.now}
	for _, ep := range projects {
		if err := summaryBillsSpend(ctx, st.acct.BSS, month, ep, f, &out); err != nil {
			return spendFigures{}, err
		}
	}
	c.mu.Lock()
	c.closed[key] = out
	c.mu.Unlock()
	return out, nil
}

// maxSummaryBillPages bounds the pages of one month's summary bills, and
// summaryBillsPageLimit is their page size.
const (
	maxSummaryBillPages   = 50
	summaryBillsPageLimit = 100
)

// summaryBillsSpend adds one enterprise project's (or, for "", every
// project's) spend of month from the v2 monthly summary bills to out,
// reading every page.
func summaryBillsSpend(ctx context.Context, cl bss.Client, month, project string,
	f billingv1alpha1.BudgetFilters, out *spendFigures) error {
	// No maximum is documented for limit; 100 is the smallest maximum of
	// the other paged BSS lists (6.2.1), so a real account accepts it.
	req := bss.SummaryBillsRequest{Cycle: month, EnterpriseProjectID: project, Limit: summaryBillsPageLimit}
	for page := 0; page < maxSummaryBillPages; page++ {
		bills, err := cl.SummaryBills(ctx, req)
		if err != nil {
			return fmt.Errorf("summary bills of %s: %w", month, err)
		}
		if out.currency == "" {
			out.currency = bills.Currency
		} else if bills.Currency != out.currency {
			return &currencyError{got: bills.Currency, want: out.currency}
		}
		for _, bill := range bills.Bills {
			mode := billChargingMode(bill.ChargingMode)
			if (len(f.ServiceTypeCodes) > 0 && !slices.Contains(f.ServiceTypeCodes, bill.ServiceTypeCode)) ||
				(len(f.ChargingModes) > 0 && !slices.Contains(f.ChargingModes, mode)) {
				continue
			}
			amount := bill.Consume.Amount
			if bill.BillType == bss.BillTypeRefund {
				// A refund, whichever sign BSS gives it.
				amount = amount.Abs().Neg()
			}
			out.actual = out.actual.Add(amount)
			if mode != billingv1alpha1.ChargingModeYearlyMonthly {
				out.usage = out.usage.Add(amount)
			}
		}
		req.Offset += len(bills.Bills)
		if len(bills.Bills) == 0 || req.Offset >= bills.TotalCount {
			return nil
		}
	}
	return fmt.Errorf("summary bills of %s: more than %d pages", month, maxSummaryBillPages)
}

// billChargingMode maps a v2 summary bill's charging_mode onto a charging
// mode; "" is other.
func billChargingMode(mode int) billingv1alpha1.ChargingMode {
	switch mode {
	case bss.BillChargingYearlyMonthly:
		return billingv1alpha1.ChargingModeYearlyMonthly
	case bss.BillChargingPayPerUse:
		return billingv1alpha1.ChargingModePayPerUse
	case bss.BillChargingReservedInstance:
		return billingv1alpha1.ChargingModeReservedInstance
	case bss.BillChargingSavingsPlan:
		return billingv1alpha1.ChargingModeSavingsPlan
	}
	return ""
}

// cashBalance returns the account's cash balance (5.1), read again on the
// spend refresh schedule and whenever the deductions due change. It reports false when BSS could not be read.
func (r *BudgetAlertReconciler) cashBalance(ctx context.Context, st *budgetState, dues string) (cashFigures, bool) {
	b := st.b
	key := b.Namespace + "/" + b.Name
	interval := r.refreshInterval(b)
	jitter := time.Duration(jitterFraction(b.UID, "budget") * float64(interval) / 10)
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
