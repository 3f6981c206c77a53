package renewal

import (
	"fmt"
	"slices"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// BudgetFreshIntervals bounds how old a BudgetAlert's figures may be, in
// its own refresh intervals, for it to vouch for a renewal (issue 16, path
// 7). The BudgetAlert measures every refreshInterval plus up to a tenth of
// jitter; three intervals allow one missed or slow refresh (cost data lags
// an hour, 8.1) while still holding renewals when the measurements stop.
const BudgetFreshIntervals = 3

// BudgetHoldRecheck is how long a budget hold waits before it looks again
// when nothing re-queues it sooner (every BudgetAlert status write does).
const BudgetHoldRecheck = 15 * time.Minute

// budgetGate applies the referenced BudgetAlert. It fails closed: the
// renewal is held unless the BudgetAlert exists, is Ready, was evaluated at
// its current generation and measured recently; only then do its actions
// decide (BlockRenewals holds, RequireApproval asks). It returns a hold, or
// a reason to ask, or neither.
func budgetGate(in Input) (hold, ask *Finding) {
	ref := in.Spec.BudgetAlertRef
	if ref == nil {
		return nil, nil
	}
	held := func(reason Reason, format string, args ...any) (*Finding, *Finding) {
		return &Finding{Gate: GateBudget, Reason: reason, Message: fmt.Sprintf(format, args...)}, nil
	}
	b := in.Budget
	if b == nil {
		return held(ReasonBudgetNotFound,
			"BudgetAlert %q is referenced but does not exist; renewals are held rather than unchecked", ref.Name)
	}
	switch r := b.Ready; {
	case r == nil || !r.True:
		why := "it has no Ready condition yet"
		if r != nil {
			why = fmt.Sprintf("%s: %s", r.Reason, r.Message)
		}
		return held(ReasonBudgetNotReady,
			"BudgetAlert %q is not Ready (%s); renewals are held until it measures spend again", b.Name, why)
	case r.ObservedGeneration != b.Generation:
		return held(ReasonBudgetNotObserved,
			"BudgetAlert %q was last evaluated at generation %d, its spec is at %d; renewals are held until it evaluates the current spec",
			b.Name, r.ObservedGeneration, b.Generation)
	}
	bound := time.Duration(BudgetFreshIntervals) * b.RefreshInterval
	if b.LastSyncTime.IsZero() || in.Now.Sub(b.LastSyncTime) > bound {
		last := "never"
		if !b.LastSyncTime.IsZero() {
			last = b.LastSyncTime.UTC().Format(time.RFC3339)
		}
		return held(ReasonBudgetStale,
			"BudgetAlert %q last measured spend at %s, more than %s (%d refresh intervals) ago; renewals are held until its figures are fresh",
			b.Name, last, bound, BudgetFreshIntervals)
	}
	if slices.Contains(b.ActiveActions, billingv1alpha1.ActionBlockRenewals) {
		return held(ReasonBudgetBlocks,
			"BudgetAlert %q blocks renewals (a threshold with BlockRenewals is crossed); released when the period rolls over or the limit rises", b.Name)
	}
	if slices.Contains(b.ActiveActions, billingv1alpha1.ActionRequireApproval) {
		return nil, &Finding{Gate: GateBudget, Reason: ReasonBudgetRequires, Message: fmt.Sprintf("BudgetAlert %q requires approval", b.Name)}
	}
	return nil, nil
}
