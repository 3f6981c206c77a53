package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// payPerUseMonthHours is the month of the pay-per-use monthly estimate: 730
// hours, the average month (8760 h / 12).
const payPerUseMonthHours = 730

// payPerUseRetry is how long after a failed pay-per-use quote (4.2.1) the
// next attempt comes.
const payPerUseRetry = time.Hour

// payPerUseComparePeriod is the renewal quoted next to the pay-per-use
// price of a PayPerUse subscription: one month, the period the monthly
// estimate covers.
var payPerUseComparePeriod = billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}

// payPerUseDue decides whether a pay-per-use quote must be asked for now
// and, if not, when next: a price is kept for a day (quoteMaxAge), a
// failure is retried after payPerUseRetry.
func payPerUseDue(q *billingv1alpha1.PayPerUseQuote, now time.Time) (bool, time.Time) {
	if q == nil {
		return true, time.Time{}
	}
	if q.Error != "" && q.FailedAt != nil {
		if next := q.FailedAt.Add(payPerUseRetry); now.Before(next) {
			return false, next
		}
		return true, time.Time{}
	}
	if q.QuotedAt != nil {
		if next := q.QuotedAt.Add(quoteMaxAge); now.Before(next) {
			return false, next
		}
	}
	return true, time.Time{}
}

// quotePayPerUse asks BSS what one hour of the resource and its attached
// resources costs on pay-per-use (4.2.1): 6.3.6 converts them together
// (digest §7.5 rule 34). The products come from what 6.3.1 reports.
func quotePayPerUse(ctx context.Context, cl bss.Client, res bss.Resource, attached []bss.Resource, now time.Time) (*billingv1alpha1.PayPerUseQuote, error) {
	if res.ProjectID == "" {
		return nil, errors.New("BSS reports no project for the resource (6.3.1 project_id), which the pay-per-use price (4.2.1) needs")
	}
	products := []bss.OnDemandProduct{bss.HourlyProduct(res.ID, res)}
	for _, a := range attached {
		products = append(products, bss.HourlyProduct(a.ID, a))
	}
	q, err := cl.OnDemandPrice(ctx, bss.OnDemandPriceRequest{ProjectID: res.ProjectID, Products: products})
	if err != nil {
		return nil, fmt.Errorf("pay-per-use price of %s: %w", res.ID, err)
	}
	hourly := toPreciseMoney(q.Amount.Amount, q.Amount.Currency)
	if hourly == nil {
		return nil, fmt.Errorf("pay-per-use price of %s: BSS quoted %s in currency %q", res.ID, q.Amount.Amount, q.Amount.Currency)
	}
	out := &billingv1alpha1.PayPerUseQuote{
		Hourly:          hourly,
		MonthlyEstimate: toMoney(q.Amount.Amount.Mul(decimal.NewFromInt(payPerUseMonthHours)), q.Amount.Currency),
		QuotedAt:        &metav1.Time{Time: now},
	}
	if o := q.OfficialAmount; o != nil {
		out.OfficialHourly = toPreciseMoney(o.Amount, q.Amount.Currency)
	}
	return out, nil
}

// toPreciseMoney is like toMoney but keeps up to 6 decimals (the schema's
// limit): hourly prices are fractions of a cent.
func toPreciseMoney(d decimal.Decimal, currency string) *billingv1alpha1.Money {
	m := toMoney(d, currency)
	if m != nil {
		m.Amount = d.Round(6).String()
	}
	return m
}

// reconcilePayPerUsePrices keeps, for a PayPerUse policy, the pay-per-use
// price (status.payPerUseQuote) and a one-month renewal quote
// (status.lastQuote) at most a day old, and says both in plannedAction so
// the admin can compare. Both are reads, so Observe shows them too; a
// failed quote is shown, never fatal. Other modes clear the pay-per-use
// price.
func (r *SubscriptionReconciler) reconcilePayPerUsePrices(ctx context.Context, st *subState) {
	if st.policy == nil || st.policy.Spec.Mode != billingv1alpha1.RenewalModePayPerUse || st.res == nil {
		st.sub.Status.PayPerUseQuote = nil
		return
	}
	planned := st.sub.Status.PlannedAction
	// refreshQuote reports a failure in plannedAction; keep it as a note.
	r.refreshQuote(ctx, st, payPerUseComparePeriod)
	renewalNote := ""
	if st.sub.Status.PlannedAction != planned {
		renewalNote = "renewal " + st.sub.Status.PlannedAction
	}
	r.refreshPayPerUseQuote(ctx, st)
	st.sub.Status.PlannedAction = planned + "; " + comparePrices(st.sub.Status.PayPerUseQuote, st.sub.Status.LastQuote, renewalNote)
}

// refreshPayPerUseQuote asks for the pay-per-use price when due. A failure
// keeps the last price, with the error and its time.
func (r *SubscriptionReconciler) refreshPayPerUseQuote(ctx context.Context, st *subState) {
	q := st.sub.Status.PayPerUseQuote
	due, next := payPerUseDue(q, st.now)
	if !due {
		st.wakeAt(next)
		return
	}
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	fresh, err := quotePayPerUse(bctx, st.cl, *st.res, r.Inventory.Attached(st.acct.Key, st.res.ID), st.now)
	if err != nil {
		failed := &billingv1alpha1.PayPerUseQuote{}
		if q != nil {
			failed = q.DeepCopy()
		}
		failed.Error = truncate("pay-per-use price unavailable: "+bss.Describe(err), 1024)
		failed.FailedAt = &metav1.Time{Time: st.now}
		st.sub.Status.PayPerUseQuote = failed
		st.wakeAt(st.now.Add(payPerUseRetry))
		return
	}
	st.sub.Status.PayPerUseQuote = fresh
	st.wakeAt(st.now.Add(quoteMaxAge))
}

// comparePrices says the pay-per-use price next to the renewal quote, for
// plannedAction.
func comparePrices(ppu *billingv1alpha1.PayPerUseQuote, renewal *billingv1alpha1.PriceQuote, renewalNote string) string {
	var s string
	switch {
	case ppu == nil || ppu.Hourly == nil:
		s = "pay-per-use price not known yet"
	default:
		s = fmt.Sprintf("on pay-per-use about %s a month (%s an hour, 4.2.1)", formatMoney(ppu.MonthlyEstimate), formatMoney(ppu.Hourly))
	}
	if ppu != nil && ppu.Error != "" {
		s += " (" + ppu.Error + ")"
	}
	switch {
	case renewalNote != "":
		s += "; " + renewalNote
	case renewal != nil && renewal.Period != nil && *renewal.Period == payPerUseComparePeriod:
		s += fmt.Sprintf(" against %s to renew 1 Month (4.2.3)", formatMoney(&renewal.Price))
	}
	return s
}
