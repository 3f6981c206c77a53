package renewal

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/budget"
)

func TestPlanQuotes(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	month1 := billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}
	month5 := billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 5}
	month6 := billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 6}
	year := billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 1}
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: now.Add(d)} }
	quote := func(p billingv1alpha1.RenewalPeriod, age time.Duration) *billingv1alpha1.PriceQuote {
		return &billingv1alpha1.PriceQuote{Price: billingv1alpha1.Money{Amount: "10.00", Currency: "USD"}, Period: &p, QuotedAt: at(-age)}
	}
	longer := func(age time.Duration) *billingv1alpha1.LongerTermQuote {
		return &billingv1alpha1.LongerTermQuote{Period: year, Price: &billingv1alpha1.Money{Amount: "100.00", Currency: "USD"}, QuotedAt: at(-age)}
	}
	renew := func(p billingv1alpha1.RenewalPeriod, in time.Duration) QuoteInput {
		return QuoteInput{Manage: true, Mode: billingv1alpha1.RenewalModeRenew, RenewPeriod: &p, RenewalTime: now.Add(in),
			ExpireTime: now.Add(in + 14*day), Now: now}
	}
	autoRenew := func(unit billingv1alpha1.PeriodUnit, expireIn time.Duration) QuoteInput {
		return QuoteInput{Manage: true, Mode: billingv1alpha1.RenewalModeAutoRenew, ExpireTime: now.Add(expireIn),
			AutoRenewSettings: &billingv1alpha1.AppliedAutoRenew{PeriodUnit: unit}, Now: now}
	}
	with := func(in QuoteInput, f func(*QuoteInput)) QuoteInput { f(&in); return in }

	tests := []struct {
		name      string
		in        QuoteInput
		period    *billingv1alpha1.RenewalPeriod
		quoteNow  bool
		longer    *billingv1alpha1.RenewalPeriod
		longerNow bool
		wake      time.Time
	}{
		{name: "renew monthly within the horizon: both quotes due", in: renew(month1, 10*day),
			period: &month1, quoteNow: true, longer: &year, longerNow: true},
		{name: "renew beyond the default horizon: wake at it", in: renew(month1, 40*day), wake: now.Add(5 * day)},
		{name: "a longer horizon quotes further ahead", in: with(renew(month1, 40*day), func(in *QuoteInput) { in.Horizon = 60 * day }),
			period: &month1, quoteNow: true, longer: &year, longerNow: true},
		{name: "Observe never quotes beyond the default horizon", in: with(renew(month1, 40*day), func(in *QuoteInput) { in.Horizon, in.Manage = 60*day, false }),
			wake: now.Add(5 * day)},
		{name: "Observe within the horizon: the renewal quote only", in: with(renew(month1, 10*day), func(in *QuoteInput) { in.Manage = false }),
			period: &month1, quoteNow: true},
		{name: "fresh quotes: wake when the first ages", in: with(renew(month1, 10*day), func(in *QuoteInput) {
			in.LastQuote, in.LongerTerm = quote(month1, 20*time.Hour), longer(2*time.Hour)
		}), period: &month1, longer: &year, wake: now.Add(4 * time.Hour)},
		{name: "a quote a day old is stale", in: with(renew(month1, 10*day), func(in *QuoteInput) {
			in.LastQuote, in.LongerTerm = quote(month1, day), longer(time.Hour)
		}), period: &month1, quoteNow: true, longer: &year, wake: now.Add(23 * time.Hour)},
		{name: "a quote for another period does not count", in: with(renew(month6, 10*day), func(in *QuoteInput) {
			in.LastQuote, in.LongerTerm = quote(month1, time.Hour), longer(time.Hour)
		}), period: &month6, quoteNow: true, longer: &year, wake: now.Add(23 * time.Hour)},
		{name: "a recent failure waits an hour", in: with(renew(month1, 10*day), func(in *QuoteInput) {
			in.LastQuote = quote(month1, 2*day)
			in.LastQuoteFailure = &billingv1alpha1.QuoteFailure{Period: &month1, Message: "throttled", FailedAt: at(-20 * time.Minute)}
			in.LongerTerm = &billingv1alpha1.LongerTermQuote{Period: year, Error: "refused", FailedAt: at(-50 * time.Minute)}
		}), period: &month1, longer: &year, wake: now.Add(10 * time.Minute)},
		{name: "an old failure is retried", in: with(renew(month1, 10*day), func(in *QuoteInput) {
			in.LastQuoteFailure = &billingv1alpha1.QuoteFailure{Period: &month1, FailedAt: at(-61 * time.Minute)}
			in.LongerTerm = &billingv1alpha1.LongerTermQuote{Period: year, Error: "refused", FailedAt: at(-2 * time.Hour), QuotedAt: at(-3 * time.Hour),
				Price: &billingv1alpha1.Money{Amount: "1", Currency: "USD"}}
		}), period: &month1, quoteNow: true, longer: &year, longerNow: true},
		{name: "5 months do not divide a year: no longer term", in: renew(month5, 10*day), period: &month5, quoteNow: true},
		{name: "yearly renewals have no longer term", in: renew(year, 10*day), period: &year, quoteNow: true},
		{name: "about to renew: the request quotes", in: with(renew(month1, -time.Hour), func(in *QuoteInput) { in.AboutToRenew = true })},
		{name: "no renewal time: nothing", in: with(renew(month1, 0), func(in *QuoteInput) { in.RenewalTime = time.Time{} })},
		{name: "auto-renew by month within the horizon", in: autoRenew(billingv1alpha1.PeriodUnitMonth, 20*day),
			period: &month1, quoteNow: true, longer: &year, longerNow: true},
		{name: "auto-renew by year: no longer term", in: autoRenew(billingv1alpha1.PeriodUnitYear, 20*day), period: &year, quoteNow: true},
		{name: "auto-renew far off: wake at the horizon before the deduction", in: autoRenew(billingv1alpha1.PeriodUnitMonth, 60*day),
			wake: budget.AutoRenewDeduction(now.Add(60 * day)).Add(-DefaultQuoteHorizon)},
		{name: "auto-renew with the unit left to BSS: not quoted", in: autoRenew("", 20*day)},
		{name: "auto-renew under Observe: not quoted", in: with(autoRenew(billingv1alpha1.PeriodUnitMonth, 20*day), func(in *QuoteInput) { in.Manage = false })},
		{name: "auto-renew expired: not quoted", in: autoRenew(billingv1alpha1.PeriodUnitMonth, -time.Hour)},
		{name: "pay-per-use: no plan here", in: QuoteInput{Manage: true, Mode: billingv1alpha1.RenewalModePayPerUse, ExpireTime: now.Add(day), Now: now}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := PlanQuotes(tc.in)
			if !samePeriod(p.Period, tc.period) || p.QuoteNow != tc.quoteNow {
				t.Errorf("renewal quote %v now=%v, want %v now=%v", p.Period, p.QuoteNow, tc.period, tc.quoteNow)
			}
			if !samePeriod(p.Longer, tc.longer) || p.LongerNow != tc.longerNow {
				t.Errorf("longer quote %v now=%v, want %v now=%v", p.Longer, p.LongerNow, tc.longer, tc.longerNow)
			}
			if !p.WakeAt.Equal(tc.wake) {
				t.Errorf("wake %v, want %v", p.WakeAt, tc.wake)
			}
			if p.Period == nil && p.Why == "" {
				t.Error("no quote kept and no reason given")
			}
		})
	}
}

func samePeriod(a, b *billingv1alpha1.RenewalPeriod) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func TestSavingPerYear(t *testing.T) {
	m := func(a, c string) billingv1alpha1.Money { return billingv1alpha1.Money{Amount: a, Currency: c} }
	tests := []struct {
		name    string
		count   int32
		shorter billingv1alpha1.Money
		year    billingv1alpha1.Money
		want    string
		wantErr bool
	}{
		{name: "twelve months against a year", count: 1, shorter: m("10.00", "USD"), year: m("100.00", "USD"), want: "20.00"},
		{name: "two half years against a year", count: 6, shorter: m("55.50", "CNY"), year: m("100", "CNY"), want: "11.00"},
		{name: "a year that costs more is negative", count: 3, shorter: m("20", "USD"), year: m("90.10", "USD"), want: "-10.10"},
		{name: "currencies are never mixed", count: 1, shorter: m("10", "USD"), year: m("100", "CNY"), wantErr: true},
		{name: "five months do not divide a year", count: 5, shorter: m("10", "USD"), year: m("100", "USD"), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SavingPerYear(billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: tc.count}, tc.shorter, tc.year)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if !tc.wantErr && (got.Amount != tc.want || got.Currency != tc.year.Currency) {
				t.Errorf("saving %+v, want %s %s", got, tc.want, tc.year.Currency)
			}
		})
	}
}
