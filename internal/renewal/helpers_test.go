package renewal

import (
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// usd is an amount in USD.
func usd(a string) *billingv1alpha1.Money { return &billingv1alpha1.Money{Amount: a, Currency: "USD"} }

// month is a one-month period.
var month = billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}

// baseInput is an attempt quoted at 100.00 USD at now, with no gate set.
func baseInput(now time.Time) Input {
	return Input{
		Now:   now,
		Spec:  &billingv1alpha1.RenewalRequestSpec{Period: month, PendingOrders: billingv1alpha1.PendingOrdersRequireApproval},
		Quote: Quote{Price: *usd("100.00"), QuotedAt: now},
	}
}

// reasonOf is a finding's reason, "" for none.
func reasonOf(f *Finding) Reason {
	if f == nil {
		return ""
	}
	return f.Reason
}

// readyBudget is a BudgetAlert that vouches for renewals at now: Ready at
// its generation, measured a minute ago, with a 30m refresh.
func readyBudget(now time.Time, actions ...billingv1alpha1.BudgetAction) *Budget {
	return &Budget{
		Name: "team", Generation: 2, LastSyncTime: now.Add(-time.Minute), RefreshInterval: 30 * time.Minute,
		Ready:         &ReadyCondition{True: true, Reason: "WithinLimits", ObservedGeneration: 2},
		ActiveActions: actions,
	}
}
