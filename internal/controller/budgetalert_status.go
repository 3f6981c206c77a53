package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/budget"
)

// money renders an amount for status: two decimals.
func money(d decimal.Decimal) string { return d.StringFixed(2) }

// evaluate computes committed spend and the forecast, decides which
// thresholds are crossed and which actions are in force, and writes the
// figures and ThresholdExceeded. It reports false when the figures cannot
// be compared with the limit.
func (r *BudgetAlertReconciler) evaluate(st *budgetState, spend spendFigures, dues []budget.Due, newPeriod bool) bool {
	b := st.b
	cur := b.Spec.Limit.Currency
	asOf := spend.fetchedAt.Add(-costDataLag)
	sum, err := budget.CommittedPending(dues, st.start, st.end, asOf, cur)
	if err != nil {
		r.currencyMismatch(st, dueCurrencyMessage(err, "the budget"))
		return false
	}
	pending := sum.Amount
	if sum.Unpriced > 0 {
		st.notes = append(st.notes, fmt.Sprintf("%d renewals due in the period have no quote yet and are not in committed spend", sum.Unpriced))
	}
	fig := budget.Figures{
		Actual:    spend.Actual,
		Committed: spend.Actual.Add(pending),
		Forecast: budget.Forecast(budget.ForecastInput{Actual: spend.Actual, Usage: spend.Usage, Pending: pending,
			Start: st.start, End: st.end, AsOf: asOf}),
	}
	ev := budget.Evaluate(budget.EvaluateInput{
		Thresholds: b.Spec.Thresholds, Limit: st.limit, Figures: fig, Previous: b.Status.Crossed,
		NewPeriod:   newPeriod,
		SpecChanged: b.Status.ObservedGeneration != 0 && b.Status.ObservedGeneration != b.Generation,
		Now:         st.now,
	})
	b.Status.Actual, b.Status.Forecast, b.Status.Committed = toMoney(fig.Actual, cur), toMoney(fig.Forecast, cur), toMoney(fig.Committed, cur)
	b.Status.PercentUsed = ""
	if st.limit.IsPositive() {
		b.Status.PercentUsed = fig.Actual.Mul(decimal.NewFromInt(100)).DivRound(st.limit, 1).StringFixed(1)
	}
	b.Status.Crossed = ev.Crossed
	b.Status.ActiveActions = ev.Active
	for _, c := range ev.New {
		st.event(corev1.EventTypeWarning, billingv1alpha1.ReasonThresholdCrossed, "Notify",
			"%s spend %s %s reached %d%% of the %s limit %s %s (period from %s)", c.Basis, money(fig.Of(c.Basis)), cur,
			c.Percent, periodName(b), money(st.limit), cur, formatTime(st.start))
	}
	figures := fmt.Sprintf("actual %s, forecast %s, committed %s of %s %s", money(fig.Actual), money(fig.Forecast),
		money(fig.Committed), money(st.limit), cur)
	if len(ev.Current) > 0 {
		var parts []string
		for _, t := range ev.Current {
			basis := t.Basis
			if basis == "" {
				basis = billingv1alpha1.BasisActual
			}
			parts = append(parts, fmt.Sprintf("%s %d%%", basis, t.Percent))
		}
		msg := "crossed: " + strings.Join(parts, ", ") + "; " + figures
		if len(ev.Active) > 0 {
			msg += fmt.Sprintf("; in force: %v", ev.Active)
		}
		setCondition(&b.Status.Conditions, st.now, billingv1alpha1.ConditionThresholdExceeded, metav1.ConditionTrue, billingv1alpha1.ReasonThresholdCrossed, msg)
		st.summary.ready(billingv1alpha1.ReasonThresholdCrossed, msg)
	} else {
		setCondition(&b.Status.Conditions, st.now, billingv1alpha1.ConditionThresholdExceeded, metav1.ConditionFalse, billingv1alpha1.ReasonWithinLimits, figures)
		st.summary.ready(billingv1alpha1.ReasonWithinLimits, figures)
	}
	return true
}

// projectBalance projects the cash balance (5.1) over balanceFloor's
// horizon: minus every explicit renewal and cloud auto-renew deduction due
// before the horizon ends, whatever the filters.
func (r *BudgetAlertReconciler) projectBalance(ctx context.Context, st *budgetState, dues []budget.Due) {
	b := st.b
	floor := b.Spec.BalanceFloor
	floorAmount, err := decimal.NewFromString(floor.Amount.Amount)
	if err != nil {
		st.summary.stalled(billingv1alpha1.ReasonInvalidBudget, fmt.Sprintf("balanceFloor amount %q is not a decimal", floor.Amount.Amount))
		return
	}
	end := st.now.Add(horizon(floor))
	// The balance is read again whenever the deductions due change (a
	// renewal was paid), so that a payment is never subtracted twice.
	fp := budget.Fingerprint(dues, end)
	cash, ok := r.cashBalance(ctx, st, fp)
	if !ok {
		return
	}
	if cash.currency != floor.Amount.Currency {
		r.balanceCurrencyMismatch(st, fmt.Sprintf("the balance is in %s but balanceFloor is in %s; currencies are never converted",
			cash.currency, floor.Amount.Currency))
		return
	}
	sum, err := budget.DueBefore(dues, end, cash.currency)
	if err != nil {
		r.balanceCurrencyMismatch(st, dueCurrencyMessage(err, "the balance"))
		return
	}
	due, unpriced := sum.Amount, sum.Unpriced
	projected := cash.amount.Sub(due)
	b.Status.Balance = &billingv1alpha1.BalanceProjection{
		Balance:       toMoney(cash.amount, cash.currency),
		DueDeductions: toMoney(due, cash.currency),
		Projected:     toMoney(projected, cash.currency),
		HorizonEnd:    metaTime(end.Truncate(time.Second)),
	}
	msg := fmt.Sprintf("balance %s minus %s due by %s is %s %s; floor %s", money(cash.amount), money(due),
		formatTime(end), money(projected), cash.currency, money(floorAmount))
	if unpriced > 0 {
		msg += fmt.Sprintf(" (%d deductions have no quote yet and are not counted)", unpriced)
	}
	prev := condition(b.Status.Conditions, billingv1alpha1.ConditionBalanceLow)
	wasLow := prev != nil && prev.Status == metav1.ConditionTrue
	if projected.LessThan(floorAmount) {
		if setCondition(&b.Status.Conditions, st.now, billingv1alpha1.ConditionBalanceLow, metav1.ConditionTrue, billingv1alpha1.ReasonBalanceBelowFloor, msg) {
			st.event(corev1.EventTypeWarning, billingv1alpha1.ReasonBalanceBelowFloor, "Notify", "%s", msg)
		}
		return
	}
	if setCondition(&b.Status.Conditions, st.now, billingv1alpha1.ConditionBalanceLow, metav1.ConditionFalse, billingv1alpha1.ReasonBalanceAboveFloor, msg) && wasLow {
		st.event(corev1.EventTypeNormal, billingv1alpha1.ReasonBalanceAboveFloor, "Notify", "%s", msg)
	}
}

// balanceCurrencyMismatch refuses a balance projection across currencies.
func (r *BudgetAlertReconciler) balanceCurrencyMismatch(st *budgetState, msg string) {
	st.summary.stalled(billingv1alpha1.ReasonCurrencyMismatch, msg)
	if setCondition(&st.b.Status.Conditions, st.now, billingv1alpha1.ConditionBalanceLow, metav1.ConditionUnknown, billingv1alpha1.ReasonCurrencyMismatch, msg) {
		st.event(corev1.EventTypeWarning, billingv1alpha1.ReasonCurrencyMismatch, "Evaluate", "%s", msg)
	}
}

// dueCurrencyMessage says which due payment is in another currency than
// what it is added to (whose: "the budget", "the balance").
func dueCurrencyMessage(err error, whose string) string {
	var ce *budget.DueCurrencyError
	if errors.As(err, &ce) {
		return fmt.Sprintf("the %s of %s is quoted in %s but %s is in %s; currencies are never converted",
			ce.Due.Kind, ce.Due.Source, ce.Due.Currency, whose, ce.Want)
	}
	return err.Error()
}
