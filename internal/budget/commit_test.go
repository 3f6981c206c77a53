package budget_test

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/budget"
)

var (
	commitNow = time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	monthly   = billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}
	yearly    = billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 1}
)

// dueSub is a Subscription of resource r-1 that expires on expire, with
// a renewal time, a quote of 10 USD for quoted and the given auto-renew
// state.
func dueSub(expire, renewAt time.Time, quoted billingv1alpha1.RenewalPeriod, autoRenew bool) *billingv1alpha1.Subscription {
	sub := &billingv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec:       billingv1alpha1.SubscriptionSpec{ResourceID: "r-1", ManagementPolicy: billingv1alpha1.ManagementManage},
	}
	sub.Status.ExpireTime = &metav1.Time{Time: expire}
	sub.Status.RenewalTime = &metav1.Time{Time: renewAt}
	sub.Status.Resource = &billingv1alpha1.ObservedResource{
		ServiceTypeCode: "hws.service.type.rds", RegionCode: "ap-southeast-1",
		EffectiveTime: &metav1.Time{Time: budget.AddMonths(expire, -1)},
	}
	if autoRenew {
		sub.Status.Resource.ExpirePolicy = bss.ExpirePolicyAutoRenew.String()
	}
	sub.Status.LastQuote = &billingv1alpha1.PriceQuote{Price: billingv1alpha1.Money{Amount: "10.00", Currency: "USD"}, Period: quoted.DeepCopy()}
	return sub
}

func renewPolicy(mode billingv1alpha1.RenewalMode, period billingv1alpha1.RenewalPeriod) *billingv1alpha1.RenewalPolicy {
	p := &billingv1alpha1.RenewalPolicy{Spec: billingv1alpha1.RenewalPolicySpec{Mode: mode}}
	if mode == billingv1alpha1.RenewalModeRenew {
		p.Spec.Renew = &billingv1alpha1.RenewSpec{Period: period}
	}
	return p
}

func TestSubscriptionDues(t *testing.T) {
	expire := time.Date(2025, 3, 20, 15, 59, 59, 0, time.UTC)
	renewAt := expire.Add(-7 * 24 * time.Hour)
	yearEnd := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	paidAt := commitNow.Add(-time.Hour)
	tests := []struct {
		name       string
		sub        func() *billingv1alpha1.Subscription
		policy     *billingv1alpha1.RenewalPolicy
		until      time.Time
		wantKinds  []budget.DueKind
		wantFirst  time.Time
		wantPriced bool
		// term is the auto-renew term in months (0: unknown).
		term int
	}{{
		name:   "monthly renewal repeats every month inside a yearly horizon",
		sub:    func() *billingv1alpha1.Subscription { return dueSub(expire, renewAt, monthly, false) },
		policy: renewPolicy(billingv1alpha1.RenewalModeRenew, monthly), until: yearEnd,
		wantKinds: repeatKind(budget.DueRenewal, 10), wantFirst: renewAt, wantPriced: true,
	}, {
		name:   "a quote for another term does not price the renewal",
		sub:    func() *billingv1alpha1.Subscription { return dueSub(expire, renewAt, yearly, false) },
		policy: renewPolicy(billingv1alpha1.RenewalModeRenew, monthly), until: yearEnd,
		wantKinds: repeatKind(budget.DueRenewal, 10), wantFirst: renewAt, wantPriced: false,
	}, {
		name: "an overdue renewal is due now",
		sub: func() *billingv1alpha1.Subscription {
			return dueSub(expire, commitNow.Add(-48*time.Hour), monthly, false)
		},
		policy: renewPolicy(billingv1alpha1.RenewalModeRenew, monthly), until: commitNow.Add(24 * time.Hour),
		wantKinds: []budget.DueKind{budget.DueRenewal}, wantFirst: commitNow, wantPriced: true,
	}, {
		name: "Observe orders nothing",
		sub: func() *billingv1alpha1.Subscription {
			s := dueSub(expire, renewAt, monthly, false)
			s.Spec.ManagementPolicy = billingv1alpha1.ManagementObserve
			return s
		},
		policy: renewPolicy(billingv1alpha1.RenewalModeRenew, monthly), until: yearEnd,
	}, {
		name: "paused orders nothing",
		sub: func() *billingv1alpha1.Subscription {
			s := dueSub(expire, renewAt, monthly, false)
			s.Spec.Paused = true
			return s
		},
		policy: renewPolicy(billingv1alpha1.RenewalModeRenew, monthly), until: yearEnd,
	}, {
		name:   "no policy orders nothing",
		sub:    func() *billingv1alpha1.Subscription { return dueSub(expire, renewAt, monthly, false) },
		policy: nil, until: yearEnd,
	}, {
		name:   "cloud auto-renew is deducted seven days before each expiry",
		sub:    func() *billingv1alpha1.Subscription { return dueSub(expire, renewAt, monthly, true) },
		policy: renewPolicy(billingv1alpha1.RenewalModeAutoRenew, monthly), until: budget.AddMonths(expire, 2),
		wantKinds: repeatKind(budget.DueAutoRenew, 3), wantFirst: budget.AutoRenewDeduction(expire), wantPriced: true, term: 1,
	}, {
		// effective_time stays at the purchase: three years of monthly
		// renewals are not a three-year term (issue 15).
		name: "an old monthly resource is auto-renewed month by month",
		sub: func() *billingv1alpha1.Subscription {
			s := dueSub(expire, renewAt, monthly, true)
			s.Status.Resource.EffectiveTime = &metav1.Time{Time: expire.AddDate(-3, 0, 0)}
			return s
		},
		policy: renewPolicy(billingv1alpha1.RenewalModeAutoRenew, monthly), until: budget.AddMonths(expire, 2),
		wantKinds: repeatKind(budget.DueAutoRenew, 3), wantFirst: budget.AutoRenewDeduction(expire), wantPriced: true, term: 1,
	}, {
		name:   "a quote for another term does not price the auto-renewal",
		sub:    func() *billingv1alpha1.Subscription { return dueSub(expire, renewAt, monthly, true) },
		policy: renewPolicy(billingv1alpha1.RenewalModeAutoRenew, monthly), until: budget.AddMonths(expire, 14),
		wantKinds: repeatKind(budget.DueAutoRenew, 2), wantFirst: budget.AutoRenewDeduction(expire), wantPriced: false, term: 12,
	}, {
		name:   "with the term unknown only the first deduction is listed, unpriced",
		sub:    func() *billingv1alpha1.Subscription { return dueSub(expire, renewAt, monthly, true) },
		policy: renewPolicy(billingv1alpha1.RenewalModeAutoRenew, monthly), until: budget.AddMonths(expire, 2),
		wantKinds: repeatKind(budget.DueAutoRenew, 1), wantFirst: budget.AutoRenewDeduction(expire), wantPriced: false,
	}, {
		name: "a completed renewal is listed before what comes",
		sub: func() *billingv1alpha1.Subscription {
			s := dueSub(expire, renewAt, monthly, false)
			s.Status.LastRenewal = &billingv1alpha1.RenewalRecord{CompletionTime: &metav1.Time{Time: paidAt},
				AmountPaid: &billingv1alpha1.Money{Amount: "9.50", Currency: "USD"}}
			return s
		},
		policy: renewPolicy(billingv1alpha1.RenewalModeLapse, monthly), until: yearEnd,
		wantKinds: []budget.DueKind{budget.DuePaid}, wantFirst: paidAt, wantPriced: true,
	}, {
		name: "a Subscription that has not seen its resource has nothing due",
		sub: func() *billingv1alpha1.Subscription {
			s := dueSub(expire, renewAt, monthly, false)
			s.Status.Resource = nil
			return s
		},
		policy: renewPolicy(billingv1alpha1.RenewalModeRenew, monthly), until: yearEnd,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dues := budget.SubscriptionDues(tt.sub(), tt.policy, true, tt.term, commitNow, tt.until)
			if len(dues) != len(tt.wantKinds) {
				t.Fatalf("got %d dues %+v, want %d", len(dues), dues, len(tt.wantKinds))
			}
			for i, d := range dues {
				if d.Kind != tt.wantKinds[i] {
					t.Errorf("due %d kind %q, want %q", i, d.Kind, tt.wantKinds[i])
				}
				if d.Source != "db" || d.ResourceID != "r-1" || !d.InBudget {
					t.Errorf("due %d = %+v: wrong source, resource or budget flag", i, d)
				}
				if i > 0 && !d.At.After(dues[i-1].At) {
					t.Errorf("due %d at %s is not after due %d at %s", i, d.At, i-1, dues[i-1].At)
				}
			}
			if len(dues) == 0 {
				return
			}
			if !dues[0].At.Equal(tt.wantFirst) {
				t.Errorf("first due at %s, want %s", dues[0].At, tt.wantFirst)
			}
			if dues[0].Priced != tt.wantPriced {
				t.Errorf("first due priced = %v, want %v", dues[0].Priced, tt.wantPriced)
			}
			if last := dues[len(dues)-1]; !last.At.Before(tt.until) {
				t.Errorf("last due at %s is not before the horizon %s", last.At, tt.until)
			}
		})
	}
}

func repeatKind(k budget.DueKind, n int) []budget.DueKind {
	out := make([]budget.DueKind, n)
	for i := range out {
		out[i] = k
	}
	return out
}

func TestInventoryDues(t *testing.T) {
	expire := time.Date(2025, 4, 30, 15, 59, 59, 0, time.UTC)
	res := func(id string, mutate func(*bss.Resource)) bss.Resource {
		r := bss.Resource{ID: id, IsMain: true, ExpireTime: expire, EffectiveTime: budget.AddMonths(expire, -1),
			ExpirePolicy: bss.ExpirePolicyAutoRenew, Status: bss.ResourceProvisioned}
		if mutate != nil {
			mutate(&r)
		}
		return r
	}
	resources := []bss.Resource{
		res("auto", nil),
		res("covered", nil),
		res("attached", func(r *bss.Resource) { r.IsMain = false }),
		res("manual", func(r *bss.Resource) { r.ExpirePolicy = bss.ExpirePolicyGracePeriod }),
		res("closed", func(r *bss.Resource) { r.Status = bss.ResourceClosed }),
	}
	// An old resource renewed monthly for three years (issue 15), and one
	// whose term is not known yet.
	resources = append(resources,
		res("old", func(r *bss.Resource) { r.EffectiveTime = expire.AddDate(-3, 0, 0) }),
		res("unknown", nil))
	terms := map[string]int{"auto": 1, "covered": 1, "old": 1}
	dues := budget.InventoryDues(resources, map[string]bool{"covered": true}, terms, commitNow, budget.AddMonths(expire, 1))
	if len(dues) != 5 {
		t.Fatalf("got %d dues %+v, want the two monthly deductions of resources auto and old, and one of unknown", len(dues), dues)
	}
	count := map[string]int{}
	for _, d := range dues {
		count[d.ResourceID]++
		wantMonths := 1
		if d.ResourceID == "unknown" {
			wantMonths = 0
		}
		if d.Kind != budget.DueAutoRenew || d.InBudget || d.Months != wantMonths || d.Priced {
			t.Errorf("due %+v: want an out-of-budget unpriced auto-renew of %d months", d, wantMonths)
		}
		if count[d.ResourceID] == 1 && !d.At.Equal(budget.AutoRenewDeduction(expire)) {
			t.Errorf("first deduction of %s at %s, want %s", d.ResourceID, d.At, budget.AutoRenewDeduction(expire))
		}
	}
	if count["auto"] != 2 || count["old"] != 2 || count["unknown"] != 1 {
		t.Errorf("dues per resource %v, want auto 2, old 2, unknown 1", count)
	}
}

func TestSubscriptionMatches(t *testing.T) {
	res := &billingv1alpha1.ObservedResource{ServiceTypeCode: "hws.service.type.rds", RegionCode: "ap-southeast-1"}
	sel := func(services, projects []string, modes ...billingv1alpha1.ChargingMode) billingv1alpha1.BudgetFilters {
		return billingv1alpha1.BudgetFilters{ChargingModes: modes,
			ResourceSelector: billingv1alpha1.ResourceSelector{ServiceTypeCodes: services, EnterpriseProjectIDs: projects}}
	}
	tests := []struct {
		name    string
		filters billingv1alpha1.BudgetFilters
		project string
		want    bool
	}{
		{"no filters", sel(nil, nil), "", true},
		{"service matches", sel([]string{"hws.service.type.rds"}, nil), "", true},
		{"service differs", sel([]string{"hws.service.type.ec2"}, nil), "", false},
		{"pay-per-use only leaves subscriptions out", sel(nil, nil, billingv1alpha1.ChargingModePayPerUse), "", false},
		{"yearly/monthly kept", sel(nil, nil, billingv1alpha1.ChargingModeYearlyMonthly), "", true},
		{"project differs", sel(nil, []string{"ep-a"}), "ep-b", false},
		{"project matches", sel(nil, []string{"ep-a"}), "ep-a", true},
		{"unknown project counts (the safe side)", sel(nil, []string{"ep-a"}), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := budget.SubscriptionMatches(tt.filters, res, tt.project); got != tt.want {
				t.Errorf("SubscriptionMatches = %v, want %v", got, tt.want)
			}
		})
	}
	if budget.SubscriptionMatches(sel(nil, nil), nil, "") {
		t.Error("a Subscription with no observed resource matched")
	}
}

func TestCommittedPendingAndDueBefore(t *testing.T) {
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	asOf := commitNow.Add(-time.Hour)
	usd := func(kind budget.DueKind, at time.Time, amount string, inBudget bool) budget.Due {
		return budget.Due{Kind: kind, At: at, Amount: decimal.RequireFromString(amount), Currency: "USD", Priced: true,
			InBudget: inBudget, Source: "s", ResourceID: "r"}
	}
	dues := []budget.Due{
		usd(budget.DuePaid, asOf.Add(-time.Minute), "100", true),   // already in the cost data
		usd(budget.DuePaid, asOf.Add(time.Minute), "7", true),      // paid since the cost data
		usd(budget.DueRenewal, commitNow, "10", true),              // due in the period
		usd(budget.DueRenewal, end, "1000", true),                  // next period
		usd(budget.DueAutoRenew, commitNow, "20", false),           // not in the budget
		{Kind: budget.DueAutoRenew, At: commitNow, InBudget: true}, // unpriced
	}
	sum, err := budget.CommittedPending(dues, start, end, asOf, "USD")
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Amount.Equal(decimal.RequireFromString("17")) || sum.Unpriced != 1 {
		t.Errorf("committed pending = %s with %d unpriced, want 17 with 1", sum.Amount, sum.Unpriced)
	}
	bal, err := budget.DueBefore(dues, end, "USD")
	if err != nil {
		t.Fatal(err)
	}
	if !bal.Amount.Equal(decimal.RequireFromString("30")) || bal.Unpriced != 1 {
		t.Errorf("due before = %s with %d unpriced, want 30 (renewal and auto-renew, nothing paid) with 1", bal.Amount, bal.Unpriced)
	}

	cny := usd(budget.DueRenewal, commitNow, "10", true)
	cny.Currency = "CNY"
	_, err = budget.CommittedPending(append(dues, cny), start, end, asOf, "USD")
	var ce *budget.DueCurrencyError
	if !errors.As(err, &ce) || ce.Due.Currency != "CNY" || ce.Want != "USD" {
		t.Errorf("a CNY due in a USD budget gave %v, want a DueCurrencyError", err)
	}
	if _, err := budget.DueBefore(append(dues, cny), end, "USD"); !errors.As(err, &ce) {
		t.Errorf("a CNY due against a USD balance gave %v, want a DueCurrencyError", err)
	}

	if a, b := budget.Fingerprint(dues, end), budget.Fingerprint(dues[1:], end); a != b {
		t.Errorf("fingerprint changed with a completed renewal: %q vs %q", a, b)
	}
	if a, b := budget.Fingerprint(dues, end), budget.Fingerprint(dues[:2], end); a == b {
		t.Error("fingerprint did not change when the renewals due changed")
	}
}

// TestSubscriptionDuesFollowAutoRenewSettings: the auto-renew settings the
// operator set (RenewalPolicy autoRenew, 6.3.4) decide the deductions: one
// period of the unit set, and no more than the renewals allowed.
func TestSubscriptionDuesFollowAutoRenewSettings(t *testing.T) {
	expire := time.Date(2025, 3, 20, 15, 59, 59, 0, time.UTC)
	until := budget.AddMonths(expire, 36) // deductions a week before each expiry: 37 monthly, 4 yearly
	two := int32(2)
	policy := renewPolicy(billingv1alpha1.RenewalModeAutoRenew, monthly)
	tests := []struct {
		name       string
		applied    *billingv1alpha1.AppliedAutoRenew
		wantCount  int
		wantMonths int
	}{
		{"purchase term (monthly), no settings", nil, 37, 1},
		{"yearly, no limit", &billingv1alpha1.AppliedAutoRenew{PeriodUnit: billingv1alpha1.PeriodUnitYear}, 4, 12},
		{"yearly, two renewals", &billingv1alpha1.AppliedAutoRenew{PeriodUnit: billingv1alpha1.PeriodUnitYear, Times: &two}, 2, 12},
		{"purchase term, two renewals", &billingv1alpha1.AppliedAutoRenew{Times: &two}, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := dueSub(expire, expire, monthly, true)
			sub.Status.AutoRenewSettings = tt.applied
			dues := budget.SubscriptionDues(sub, policy, true, 1, commitNow, until)
			if len(dues) != tt.wantCount {
				t.Fatalf("%d deductions, want %d", len(dues), tt.wantCount)
			}
			for _, d := range dues {
				if d.Months != tt.wantMonths {
					t.Errorf("deduction at %s for %d months, want %d", d.At, d.Months, tt.wantMonths)
				}
			}
		})
	}
}
