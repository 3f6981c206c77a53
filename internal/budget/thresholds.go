package budget

import (
	"slices"
	"time"

	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// Figures are the spend figures of a period, in the limit's currency.
type Figures struct {
	// Actual is the spend so far.
	Actual decimal.Decimal
	// Forecast is the expected spend for the whole period.
	Forecast decimal.Decimal
	// Committed is actual plus renewals due inside the period.
	Committed decimal.Decimal
}

// Of returns the figure a basis compares; an empty basis is Actual.
func (f Figures) Of(b billingv1alpha1.ThresholdBasis) decimal.Decimal {
	switch b {
	case billingv1alpha1.BasisForecasted:
		return f.Forecast
	case billingv1alpha1.BasisCommitted:
		return f.Committed
	}
	return f.Actual
}

// IsCrossed reports whether value reaches percent of limit, exactly:
// value × 100 ≥ limit × percent. Nothing is crossed by a zero spend, so a
// zero limit is crossed by the first cent.
func IsCrossed(value, limit decimal.Decimal, percent int32) bool {
	if !value.IsPositive() {
		return false
	}
	return value.Mul(decimal.NewFromInt(100)).GreaterThanOrEqual(limit.Mul(decimal.NewFromInt(int64(percent))))
}

// basisOf defaults an empty basis to Actual.
func basisOf(b billingv1alpha1.ThresholdBasis) billingv1alpha1.ThresholdBasis {
	if b == "" {
		return billingv1alpha1.BasisActual
	}
	return b
}

// Evaluation is the outcome of comparing the figures with the thresholds.
type Evaluation struct {
	// Crossed is the new status.crossed: thresholds crossed this period,
	// in spec order, each with the time it was first seen crossed.
	Crossed []billingv1alpha1.CrossedThreshold
	// Current are the thresholds crossed by the figures now.
	Current []billingv1alpha1.BudgetThreshold
	// New are the entries of Crossed first seen in this evaluation.
	New []billingv1alpha1.CrossedThreshold
	// Active are the RequireApproval and BlockRenewals actions of the
	// thresholds crossed now, sorted and without duplicates.
	Active []billingv1alpha1.BudgetAction
}

// EvaluateInput is what Evaluate compares.
type EvaluateInput struct {
	// Thresholds are the spec's thresholds.
	Thresholds []billingv1alpha1.BudgetThreshold
	// Limit is the period's limit.
	Limit decimal.Decimal
	// Figures are the current figures.
	Figures Figures
	// Previous is status.crossed from the last evaluation.
	Previous []billingv1alpha1.CrossedThreshold
	// NewPeriod is true when the period rolled over: Previous is dropped.
	NewPeriod bool
	// SpecChanged is true when the spec changed since Previous was
	// written (the limit may have risen): entries no longer crossed are
	// dropped, so that crossing the new level notifies again.
	SpecChanged bool
	// Now is the business time of the evaluation.
	Now time.Time
}

// Evaluate decides which thresholds are crossed. Within one period an entry
// of Crossed is sticky: once a threshold was crossed (and notified) it stays
// recorded even if the figure dips below again (a forecast that wobbles
// notifies once), unless the spec changed. A new period starts empty.
// Current and Active always follow the figures of now, so raising the limit
// releases BlockRenewals at once.
func Evaluate(in EvaluateInput) Evaluation {
	var ev Evaluation
	prev := in.Previous
	if in.NewPeriod {
		prev = nil
	}
	type key struct {
		percent int32
		basis   billingv1alpha1.ThresholdBasis
	}
	seen := map[key]bool{}
	for _, t := range in.Thresholds {
		k := key{t.Percent, basisOf(t.Basis)}
		crossed := IsCrossed(in.Figures.Of(k.basis), in.Limit, t.Percent)
		if crossed {
			ev.Current = append(ev.Current, t)
			for _, a := range t.Actions {
				if a != billingv1alpha1.ActionNotify && !slices.Contains(ev.Active, a) {
					ev.Active = append(ev.Active, a)
				}
			}
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		i := slices.IndexFunc(prev, func(c billingv1alpha1.CrossedThreshold) bool {
			return c.Percent == k.percent && basisOf(c.Basis) == k.basis
		})
		switch {
		case i >= 0 && (crossed || !in.SpecChanged):
			ev.Crossed = append(ev.Crossed, prev[i])
		case crossed:
			c := billingv1alpha1.CrossedThreshold{Percent: k.percent, Basis: k.basis,
				CrossedAt: metav1.NewTime(in.Now.UTC().Truncate(time.Second))}
			ev.Crossed = append(ev.Crossed, c)
			ev.New = append(ev.New, c)
		}
	}
	slices.Sort(ev.Active)
	return ev
}
