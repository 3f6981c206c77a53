package report

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/budget"
)

var (
	now     = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	day     = 24 * time.Hour
	month1  = billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}
	yearly1 = billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 1}
)

func mt(d time.Duration) *metav1.Time { return &metav1.Time{Time: now.Add(d)} }

func usd(a string) billingv1alpha1.Money { return billingv1alpha1.Money{Amount: a, Currency: "USD"} }
func cny(a string) billingv1alpha1.Money { return billingv1alpha1.Money{Amount: a, Currency: "CNY"} }

func policy(ns, name string, mode billingv1alpha1.RenewalMode) billingv1alpha1.RenewalPolicy {
	p := billingv1alpha1.RenewalPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: billingv1alpha1.RenewalPolicySpec{Mode: mode}}
	if mode == billingv1alpha1.RenewalModeRenew {
		p.Spec.Renew = &billingv1alpha1.RenewSpec{Period: month1}
	}
	return p
}

// sub is a Manage Subscription under the policy "monthly" that renews in
// `in`, quoted an hour ago at price (none when price is nil).
func sub(ns, name, account string, in time.Duration, price *billingv1alpha1.Money) billingv1alpha1.Subscription {
	s := billingv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: billingv1alpha1.SubscriptionSpec{AccountRef: billingv1alpha1.LocalObjectReference{Name: account}, ResourceID: "ecs-" + name,
			ManagementPolicy: billingv1alpha1.ManagementManage, RenewalPolicyRef: &billingv1alpha1.LocalObjectReference{Name: "monthly"}},
		Status: billingv1alpha1.SubscriptionStatus{ExpireTime: mt(in + 14*day), RenewalTime: mt(in),
			Resource: &billingv1alpha1.ObservedResource{EnterpriseProjectID: "ep-a", EnterpriseProjectName: "Alpha"}}}
	if price != nil {
		p := month1
		s.Status.LastQuote = &billingv1alpha1.PriceQuote{Price: *price, Period: &p, QuotedAt: mt(-time.Hour)}
	}
	return s
}

func with(s billingv1alpha1.Subscription, f func(*billingv1alpha1.Subscription)) billingv1alpha1.Subscription {
	f(&s)
	return s
}

func ptr[T any](v T) *T { return &v }

func input(subs ...billingv1alpha1.Subscription) Input {
	return Input{Subscriptions: subs, Now: now, Days: 30,
		Policies: []billingv1alpha1.RenewalPolicy{policy("a", "monthly", billingv1alpha1.RenewalModeRenew), policy("b", "monthly", billingv1alpha1.RenewalModeRenew),
			policy("a", "auto", billingv1alpha1.RenewalModeAutoRenew), policy("a", "lapse", billingv1alpha1.RenewalModeLapse),
			policy("a", "ppu", billingv1alpha1.RenewalModePayPerUse)}}
}

func totalOf(ts []Total, currency string) *Total {
	for i := range ts {
		if ts[i].Currency == currency {
			return &ts[i]
		}
	}
	return nil
}

func TestTotalsAndCurrencies(t *testing.T) {
	rep := Build(input(
		sub("a", "web", "huawei", 5*day, ptr(usd("10.50"))),
		sub("a", "db", "huawei", 6*day, ptr(usd("20.25"))),
		sub("b", "cn", "china", 7*day, ptr(cny("100.00"))),
		sub("a", "far", "huawei", 40*day, ptr(usd("999"))), // beyond 30 days
	))
	if len(rep.Rows) != 3 {
		t.Fatalf("rows %+v, want 3 (the one beyond the window left out)", rep.Rows)
	}
	if got := []string{rep.Rows[0].Name, rep.Rows[1].Name, rep.Rows[2].Name}; got[0] != "web" || got[1] != "db" || got[2] != "cn" {
		t.Errorf("order %v, want by due time", got)
	}
	if len(rep.Totals) != 2 {
		t.Fatalf("totals %+v, want one per currency", rep.Totals)
	}
	if u := totalOf(rep.Totals, "USD"); u == nil || u.Amount != "30.75" || u.Payments != 2 {
		t.Errorf("USD total %+v, want 30.75 over 2 payments", u)
	}
	if c := totalOf(rep.Totals, "CNY"); c == nil || c.Amount != "100.00" || c.Payments != 1 {
		t.Errorf("CNY total %+v, want 100.00 alone (never added to USD)", c)
	}
}

func TestRepeatsInsideTheWindow(t *testing.T) {
	in := input(sub("a", "web", "huawei", 5*day, ptr(usd("10.00"))))
	in.Days = 90
	rep := Build(in)
	r := rep.Rows[0]
	// 5 days, then a month and two months later: three renewals in 90 days.
	if r.Times != 3 || r.Price != "10.00" || r.Amount != "30.00" || !r.Due.Equal(now.Add(5*day)) {
		t.Errorf("row %+v, want 3 renewals of 10.00 from day 5", r)
	}
	if u := totalOf(rep.Totals, "USD"); u == nil || u.Amount != "30.00" {
		t.Errorf("total %+v, want 30.00", u)
	}
}

func TestGrouping(t *testing.T) {
	rep := Build(input(
		sub("a", "web", "huawei", 5*day, ptr(usd("10.00"))),
		with(sub("a", "db", "huawei", 6*day, ptr(usd("5.00"))), func(s *billingv1alpha1.Subscription) {
			s.Status.Resource.EnterpriseProjectID, s.Status.Resource.EnterpriseProjectName = "ep-b", "Beta"
		}),
		sub("b", "cn", "china", 7*day, ptr(cny("100.00"))),
	))
	if len(rep.ByAccount) != 2 || rep.ByAccount[0].Key != "a/huawei" || rep.ByAccount[1].Key != "b/china" {
		t.Fatalf("accounts %+v", rep.ByAccount)
	}
	if g := rep.ByAccount[0]; g.Rows != 2 || totalOf(g.Totals, "USD").Amount != "15.00" || totalOf(g.Totals, "CNY") != nil {
		t.Errorf("account a/huawei %+v, want 2 rows and 15.00 USD only", g)
	}
	if len(rep.ByPolicy) != 2 || rep.ByPolicy[0].Key != "a/monthly" || rep.ByPolicy[1].Key != "b/monthly" {
		t.Errorf("policies %+v: policies of the same name in two namespaces are two groups", rep.ByPolicy)
	}
	if len(rep.ByEnterpriseProject) != 2 {
		t.Fatalf("projects %+v", rep.ByEnterpriseProject)
	}
	a, b := rep.ByEnterpriseProject[0], rep.ByEnterpriseProject[1]
	if a.Key != "ep-a" || a.Name != "Alpha" || a.Rows != 2 || len(a.Totals) != 2 {
		t.Errorf("project ep-a %+v, want 2 rows in two currencies", a)
	}
	if b.Key != "ep-b" || b.Name != "Beta" || totalOf(b.Totals, "USD").Amount != "5.00" {
		t.Errorf("project ep-b %+v", b)
	}
}

func TestAccountBalance(t *testing.T) {
	in := input(sub("a", "web", "huawei", 5*day, ptr(usd("10.00"))))
	in.Accounts = []billingv1alpha1.BillingAccount{{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "huawei"},
		Status: billingv1alpha1.BillingAccountStatus{Balance: ptr(usd("7.00"))}}}
	rep := Build(in)
	if b := rep.ByAccount[0].Balance; b == nil || b.Amount != "7.00" {
		t.Errorf("balance %+v, want the account's 7.00", b)
	}
}

func TestMissingPricesAreUnknownNotZero(t *testing.T) {
	rep := Build(input(
		sub("a", "web", "huawei", 5*day, ptr(usd("10.00"))),
		sub("a", "new", "huawei", 6*day, nil),
		// A quote for another period does not price this renewal.
		with(sub("a", "other", "huawei", 7*day, ptr(usd("99.00"))), func(s *billingv1alpha1.Subscription) { s.Status.LastQuote.Period = &yearly1 }),
	))
	if rep.Unpriced != 2 {
		t.Errorf("unpriced %d, want 2", rep.Unpriced)
	}
	if u := totalOf(rep.Totals, "USD"); u == nil || u.Amount != "10.00" || u.Payments != 1 {
		t.Errorf("USD total %+v, want only the priced 10.00", u)
	}
	for _, r := range rep.Rows[1:] {
		if r.PriceSource != PriceUnknown || r.Price != "" || r.Amount != "" {
			t.Errorf("row %s: %+v, want an unknown price", r.Name, r)
		}
	}
	if g := rep.ByAccount[0]; g.Unpriced != 2 {
		t.Errorf("account unpriced %d, want 2", g.Unpriced)
	}
}

func TestPriceSources(t *testing.T) {
	active := billingv1alpha1.RenewalRequest{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "web-r3"},
		Status: billingv1alpha1.RenewalRequestStatus{Phase: billingv1alpha1.RenewalPhaseApproved,
			Quote: &billingv1alpha1.PriceQuote{Price: usd("12.00"), Period: &month1, QuotedAt: mt(-time.Minute)}}}
	in := input(
		with(sub("a", "web", "huawei", -time.Hour, ptr(usd("10.00"))), func(s *billingv1alpha1.Subscription) { s.Status.ActiveRequest = "web-r3" }),
		with(sub("a", "stale", "huawei", 2*day, ptr(usd("11.00"))), func(s *billingv1alpha1.Subscription) { s.Status.LastQuote.QuotedAt = mt(-25 * time.Hour) }),
		with(sub("a", "paid", "huawei", 3*day, nil), func(s *billingv1alpha1.Subscription) {
			s.Status.LastRenewal = &billingv1alpha1.RenewalRecord{AmountPaid: ptr(usd("9.00")), CompletionTime: mt(-20 * day)}
		}),
	)
	in.Requests = []billingv1alpha1.RenewalRequest{active}
	rep := Build(in)
	want := map[string]struct {
		src   PriceSource
		price string
	}{"web": {PriceQuoted, "12.00"}, "stale": {PriceLastQuote, "11.00"}, "paid": {PriceLastRenewal, "9.00"}}
	for _, r := range rep.Rows {
		if w := want[r.Name]; r.PriceSource != w.src || r.Price != w.price {
			t.Errorf("%s: %s %s, want %s %s", r.Name, r.PriceSource, r.Price, w.src, w.price)
		}
	}
	if r := rep.Rows[0]; r.Name != "web" || !r.Due.Equal(now) {
		t.Errorf("first row %+v, want the renewal under way, due now", r)
	}
	if u := totalOf(rep.Totals, "USD"); u == nil || u.Amount != "32.00" {
		t.Errorf("total %+v, want 12 + 11 + 9", u)
	}
}

func TestActions(t *testing.T) {
	expireIn := 20 * day
	mk := func(name, pol string, f func(*billingv1alpha1.Subscription)) billingv1alpha1.Subscription {
		s := sub("a", name, "huawei", expireIn-14*day, nil)
		s.Spec.RenewalPolicyRef.Name = pol
		s.Status.RenewalTime = nil
		if f != nil {
			f(&s)
		}
		return s
	}
	in := input(
		mk("auto", "auto", func(s *billingv1alpha1.Subscription) {
			s.Status.Resource.ExpirePolicy = "AutoRenew"
			s.Status.AutoRenewSettings = &billingv1alpha1.AppliedAutoRenew{PeriodUnit: billingv1alpha1.PeriodUnitMonth}
			s.Status.LastQuote = &billingv1alpha1.PriceQuote{Price: usd("8.00"), Period: &month1, QuotedAt: mt(-time.Hour)}
		}),
		mk("observed-auto", "monthly", func(s *billingv1alpha1.Subscription) {
			s.Spec.ManagementPolicy = billingv1alpha1.ManagementObserve
			s.Status.Resource.ExpirePolicy = "AutoRenew"
		}),
		mk("observed-renew", "monthly", func(s *billingv1alpha1.Subscription) { s.Spec.ManagementPolicy = billingv1alpha1.ManagementObserve }),
		mk("lapse", "lapse", nil),
		mk("ppu", "ppu", func(s *billingv1alpha1.Subscription) {
			s.Status.PayPerUseQuote = &billingv1alpha1.PayPerUseQuote{MonthlyEstimate: ptr(usd("50.00")), QuotedAt: mt(-time.Hour)}
		}),
		mk("nopolicy", "missing", nil),
		mk("unscheduled", "monthly", func(s *billingv1alpha1.Subscription) {
			s.Status.Conditions = []metav1.Condition{{Type: billingv1alpha1.ConditionStalled, Status: metav1.ConditionTrue,
				Reason: billingv1alpha1.ReasonLeadTimeInvalid, Message: "no renewal is scheduled"}}
		}),
	)
	rep := Build(in)
	want := map[string]struct {
		action Action
		src    PriceSource
		due    time.Time
	}{
		"auto":           {ActionAutoRenew, PriceQuoted, budget.AutoRenewDeduction(now.Add(expireIn))},
		"observed-auto":  {ActionAutoRenew, PriceUnknown, budget.AutoRenewDeduction(now.Add(expireIn))},
		"observed-renew": {ActionNoPlan, PriceNone, now.Add(expireIn)},
		"lapse":          {ActionLapse, PriceNone, now.Add(expireIn)},
		"ppu":            {ActionConvert, PricePayPerUse, now.Add(expireIn)},
		"nopolicy":       {ActionNoPlan, PriceNone, now.Add(expireIn)},
		"unscheduled":    {ActionNoPlan, PriceNone, now.Add(expireIn)},
	}
	if len(rep.Rows) != len(want) {
		t.Fatalf("rows %+v", rep.Rows)
	}
	for _, r := range rep.Rows {
		w := want[r.Name]
		if r.Action != w.action || r.PriceSource != w.src || !r.Due.Equal(w.due) {
			t.Errorf("%s: %s %s at %s, want %s %s at %s", r.Name, r.Action, r.PriceSource, r.Due, w.action, w.src, w.due)
		}
	}
	for _, r := range rep.Rows {
		if r.Name == "unscheduled" && r.Blocked != BlockedStalled {
			t.Errorf("a Renew Subscription without a renewal time: blocked %q, want Stalled", r.Blocked)
		}
	}
	// Only payments are added up: the auto-renew's 8.00, not the
	// pay-per-use estimate; the unpriced auto-renew counts as unknown.
	if u := totalOf(rep.Totals, "USD"); u == nil || u.Amount != "8.00" || u.Payments != 1 || rep.Unpriced != 1 {
		t.Errorf("totals %+v unpriced %d, want 8.00 and 1 unknown", rep.Totals, rep.Unpriced)
	}
}

func TestBlocked(t *testing.T) {
	cond := func(typ, reason string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: metav1.ConditionTrue, Reason: reason, Message: typ + " message"}
	}
	rr := func(name string, phase billingv1alpha1.RenewalPhase, conds ...metav1.Condition) billingv1alpha1.RenewalRequest {
		return billingv1alpha1.RenewalRequest{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: name},
			Status: billingv1alpha1.RenewalRequestStatus{Phase: phase, Conditions: conds, Message: string(phase)}}
	}
	activeSub := func(name, request string, conds ...metav1.Condition) billingv1alpha1.Subscription {
		return with(sub("a", name, "huawei", -time.Hour, ptr(usd("1.00"))), func(s *billingv1alpha1.Subscription) {
			s.Status.ActiveRequest, s.Status.Conditions = request, conds
		})
	}
	in := input(
		activeSub("approval", "approval-r1"),
		activeSub("budget", "budget-r1"),
		activeSub("window", "window-r1"),
		activeSub("payment", "payment-r1"),
		activeSub("ordering", "ordering-r1"),
		activeSub("mirrored", "gone-r1", cond(billingv1alpha1.ConditionBudgetBlocked, billingv1alpha1.ReasonBudgetBlocks)),
		with(sub("a", "stalled", "huawei", 2*day, ptr(usd("1.00"))), func(s *billingv1alpha1.Subscription) {
			s.Status.Conditions = []metav1.Condition{cond(billingv1alpha1.ConditionStalled, billingv1alpha1.ReasonRenewalOutcomeUnknown)}
		}),
		with(sub("a", "overdue", "huawei", 2*day, ptr(usd("1.00"))), func(s *billingv1alpha1.Subscription) {
			s.Status.Conditions = []metav1.Condition{cond(billingv1alpha1.ConditionAutoRenewOverdue, billingv1alpha1.ReasonAutoRenewOverdue)}
		}),
		sub("a", "clear", "huawei", 2*day, ptr(usd("1.00"))),
	)
	in.Requests = []billingv1alpha1.RenewalRequest{
		rr("approval-r1", billingv1alpha1.RenewalPhaseAwaitingApproval),
		rr("budget-r1", billingv1alpha1.RenewalPhaseBlocked, cond(billingv1alpha1.ConditionBudgetBlocked, billingv1alpha1.ReasonBudgetBlocks)),
		rr("window-r1", billingv1alpha1.RenewalPhaseBlocked),
		rr("payment-r1", billingv1alpha1.RenewalPhasePaymentPending),
		rr("ordering-r1", billingv1alpha1.RenewalPhaseOrdering),
	}
	rep := Build(in)
	want := map[string]Blocked{"approval": BlockedApproval, "budget": BlockedBudget, "window": BlockedWindow, "payment": BlockedPayment,
		"ordering": NotBlocked, "mirrored": BlockedBudget, "stalled": BlockedStalled, "overdue": BlockedAutoRenewOverdue, "clear": NotBlocked}
	blockedRows := 0
	for _, r := range rep.Rows {
		if r.Blocked != want[r.Name] {
			t.Errorf("%s: blocked %q, want %q", r.Name, r.Blocked, want[r.Name])
		}
		if (r.Blocked == NotBlocked) != (r.BlockedMessage == "") {
			t.Errorf("%s: blocked %q with message %q", r.Name, r.Blocked, r.BlockedMessage)
		}
		if r.Blocked != NotBlocked {
			blockedRows++
		}
	}
	if rep.Blocked != blockedRows || rep.Blocked != 7 {
		t.Errorf("blocked count %d, want 7", rep.Blocked)
	}
}

func TestSavings(t *testing.T) {
	saving := func(amount string, compared billingv1alpha1.RenewalPeriod, currency string) func(*billingv1alpha1.Subscription) {
		return func(s *billingv1alpha1.Subscription) {
			s.Status.LongerTermQuote = &billingv1alpha1.LongerTermQuote{Period: yearly1, ComparedPeriod: &compared,
				SavingPerYear: &billingv1alpha1.Money{Amount: amount, Currency: currency}}
		}
	}
	rep := Build(input(
		with(sub("a", "saves", "huawei", 2*day, ptr(usd("10.00"))), saving("20.00", month1, "USD")),
		with(sub("a", "saves-too", "huawei", 3*day, ptr(usd("10.00"))), saving("4.50", month1, "USD")),
		with(sub("a", "costs-more", "huawei", 4*day, ptr(usd("10.00"))), saving("-5.00", month1, "USD")),
		with(sub("a", "other-period", "huawei", 5*day, ptr(usd("10.00"))), saving("30.00", billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 3}, "USD")),
		with(sub("b", "cn", "china", 6*day, ptr(cny("10.00"))), saving("7.00", month1, "CNY")),
	))
	want := map[string]string{"saves": "20.00", "saves-too": "4.50", "costs-more": "", "other-period": "", "cn": "7.00"}
	for _, r := range rep.Rows {
		if r.SavingPerYear != want[r.Name] {
			t.Errorf("%s: saving %q, want %q", r.Name, r.SavingPerYear, want[r.Name])
		}
	}
	if u := totalOf(rep.Totals, "USD"); u == nil || u.SavingPerYear != "24.50" {
		t.Errorf("USD saving %+v, want 24.50 (only positive savings)", u)
	}
	if c := totalOf(rep.Totals, "CNY"); c == nil || c.SavingPerYear != "7.00" {
		t.Errorf("CNY saving %+v, want 7.00", c)
	}
}

// BenchmarkBuild10000 is the report over 10,000 Subscriptions in two
// namespaces, a third with an attempt under way.
func BenchmarkBuild10000(b *testing.B) {
	const n = 10000
	in := input()
	for i := range n {
		ns := []string{"a", "b"}[i%2]
		s := sub(ns, fmt.Sprintf("s-%05d", i), "huawei", time.Duration(i%40)*day, ptr(usd("10.00")))
		s.Status.Resource.EnterpriseProjectID = []string{"ep-a", "ep-b", "ep-c"}[i%3]
		if i%3 == 0 {
			s.Status.ActiveRequest = s.Name + "-r1"
			in.Requests = append(in.Requests, billingv1alpha1.RenewalRequest{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: s.Name + "-r1"},
				Status: billingv1alpha1.RenewalRequestStatus{Phase: billingv1alpha1.RenewalPhaseAwaitingApproval}})
		}
		in.Subscriptions = append(in.Subscriptions, s)
	}
	in.Days = 35
	b.ReportAllocs()
	b.ResetTimer()
	var rows int
	for range b.N {
		rows = len(Build(in).Rows)
	}
	b.StopTimer()
	// Due in 0 to 39 days: those under 35 days are in the window.
	if want := n * 35 / 40; rows != want {
		b.Fatalf("rows %d, want %d", rows, want)
	}
	b.ReportMetric(float64(rows), "rows")
}
