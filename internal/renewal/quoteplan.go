package renewal

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/budget"
)

// DefaultQuoteHorizon is how long before its next renewal (or cloud
// auto-renew deduction) a Subscription starts keeping a quote, the manager
// flag --quote-horizon's default. 35 days covers a monthly budget period
// and the month ahead a finance report (kubectl bss report) looks at. An
// Observe Subscription never quotes further ahead than this, whatever the
// flag says: quotes for reporting are kept for Manage ones only.
const DefaultQuoteHorizon = 35 * 24 * time.Hour

// MaxQuoteHorizon bounds --quote-horizon: 4.2.3 prices the next renewal,
// and a horizon of a year would quote every monthly Subscription all the
// time. At 10,000 Subscriptions and two quotes each, a full day of quotes
// is 20,000 calls: about 42 minutes of the renew-rate quota (digest §1.5,
// 10/s, the client runs at 8/s), whatever the horizon; the horizon only
// decides how many Subscriptions are in that day.
const MaxQuoteHorizon = 400 * 24 * time.Hour

// QuoteRetry is how long after a failed quote the next attempt comes.
const QuoteRetry = time.Hour

// LongerTermPeriod is the longer term a renewal by months is compared
// with: one year (4.2.3 quotes 1 to 3 years).
var LongerTermPeriod = billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 1}

// QuoteInput is what decides which renewal quotes a Subscription keeps.
type QuoteInput struct {
	// Manage is true for a Manage Subscription that is not paused.
	Manage bool
	// Mode is the RenewalPolicy's mode; empty without a policy.
	Mode billingv1alpha1.RenewalMode
	// RenewPeriod is the policy's renewal period (mode Renew).
	RenewPeriod *billingv1alpha1.RenewalPeriod
	// RenewalTime is when the operator renews (mode Renew); zero if none.
	RenewalTime time.Time
	// ExpireTime is the resource's expiry.
	ExpireTime time.Time
	// AutoRenewSettings are the auto-renew settings the operator applied
	// (status.autoRenewSettings): their unit is the period the cloud
	// deducts. Without a unit the cloud renews by the purchase term, which
	// the Subscription does not know, so nothing is quoted.
	AutoRenewSettings *billingv1alpha1.AppliedAutoRenew
	// AboutToRenew is true while a renewal is due or under way: its
	// RenewalRequest holds the quote that counts, and quoting here would
	// spend a rating call for nothing.
	AboutToRenew bool
	// LastQuote, LastQuoteFailure and LongerTerm are the status fields.
	LastQuote        *billingv1alpha1.PriceQuote
	LastQuoteFailure *billingv1alpha1.QuoteFailure
	LongerTerm       *billingv1alpha1.LongerTermQuote
	// Horizon is the operator's --quote-horizon (0: DefaultQuoteHorizon).
	Horizon time.Duration
	// Now is the time of the decision.
	Now time.Time
}

// QuotePlan is which quotes a Subscription keeps and which to ask for now.
type QuotePlan struct {
	// Period is the renewal quote to keep in status.lastQuote; nil keeps
	// none (and leaves lastQuote as it is, for people).
	Period *billingv1alpha1.RenewalPeriod
	// QuoteNow asks BSS for Period now.
	QuoteNow bool
	// Longer is the longer-term quote to keep in status.longerTermQuote;
	// nil keeps none (and the field is cleared).
	Longer *billingv1alpha1.RenewalPeriod
	// LongerNow asks BSS for Longer now.
	LongerNow bool
	// DueAt is the next action the quotes price: the renewal time or the
	// cloud's deduction; zero when none.
	DueAt time.Time
	// WakeAt is when the plan changes next (a quote ages, a failure may
	// be retried, the horizon is reached); zero when it does not.
	WakeAt time.Time
	// Why says why no quote is kept, when none is.
	Why string
}

// PlanQuotes decides which renewal quotes (4.2.3) a Subscription keeps and
// which are due now:
//
//   - Renew: the policy's period from the horizon before the renewal time,
//     except while a renewal is due or under way. Observe and paused
//     Subscriptions quote from DefaultQuoteHorizon at most (as before the
//     flag existed: no extra BSS load).
//   - AutoRenew, Manage only: the period the applied settings deduct, from
//     the horizon before the deduction (03:00 GMT+08:00 seven days before
//     expiry, digest §7.3), until expiry.
//   - Manage only, either mode: when the quoted period is 1, 2, 3, 4 or 6
//     months, one year as well, for the saving.
//
// A quote is kept at most MaxQuoteAge; a failure is retried after
// QuoteRetry. Other modes (PayPerUse keeps its own one-month quote) and
// Subscriptions without a policy get no plan.
func PlanQuotes(in QuoteInput) QuotePlan {
	horizon := in.Horizon
	if horizon <= 0 {
		horizon = DefaultQuoteHorizon
	}
	var p QuotePlan
	var period billingv1alpha1.RenewalPeriod
	switch in.Mode {
	case billingv1alpha1.RenewalModeRenew:
		if in.RenewPeriod == nil || in.RenewalTime.IsZero() {
			p.Why = "no renewal is scheduled"
			return p
		}
		if !in.Manage {
			horizon = min(horizon, DefaultQuoteHorizon)
		}
		period, p.DueAt = *in.RenewPeriod, in.RenewalTime
	case billingv1alpha1.RenewalModeAutoRenew:
		if !in.Manage {
			p.Why = "Observe or paused: the cloud's auto-renew is not quoted"
			return p
		}
		unit := billingv1alpha1.PeriodUnit("")
		if in.AutoRenewSettings != nil {
			unit = in.AutoRenewSettings.PeriodUnit
		}
		if unit == "" {
			p.Why = "the cloud auto-renews by the purchase term, which is not known: set the policy's autoRenew.periodUnit"
			return p
		}
		if in.ExpireTime.IsZero() || !in.Now.Before(in.ExpireTime) {
			p.Why = "expired: no deduction is coming"
			return p
		}
		period, p.DueAt = billingv1alpha1.RenewalPeriod{Unit: unit, Count: 1}, budget.AutoRenewDeduction(in.ExpireTime)
	default:
		p.Why = "the policy does not renew"
		return p
	}
	if from := p.DueAt.Add(-horizon); in.Now.Before(from) {
		p.WakeAt, p.Why = from, "the next renewal is beyond the quote horizon"
		return p
	}
	if in.AboutToRenew {
		p.Why = "a renewal is due or under way: its RenewalRequest quotes"
		return p
	}
	p.Period = &period
	p.QuoteNow, p.WakeAt = quoteDue(lastQuoteAt(in.LastQuote, period), failedAt(in.LastQuoteFailure, period), in.Now)
	if in.Manage && LongerTermApplies(period) {
		longer := LongerTermPeriod
		p.Longer = &longer
		var at, failed time.Time
		if l := in.LongerTerm; l != nil && l.Period == longer {
			if l.Price != nil && l.QuotedAt != nil {
				at = l.QuotedAt.Time
			}
			if l.Error != "" && l.FailedAt != nil {
				failed = l.FailedAt.Time
			}
		}
		var wake time.Time
		p.LongerNow, wake = quoteDue(at, failed, in.Now)
		p.WakeAt = Earliest(p.WakeAt, wake)
	}
	return p
}

// LongerTermApplies reports whether a period is a whole fraction of a
// year in months (1, 2, 3, 4 or 6), so that a year of them compares with
// one yearly renewal.
func LongerTermApplies(p billingv1alpha1.RenewalPeriod) bool {
	return p.Unit == billingv1alpha1.PeriodUnitMonth && p.Count >= 1 && p.Count < 12 && 12%p.Count == 0
}

// SavingPerYear is what a year costs less renewed at once (yearPrice)
// than in renewals of shorter (12 / shorter.Count of them at
// shorterPrice), with its sign: negative when the year costs more. It is
// an error when the period does not divide a year or the currencies
// differ (never converted).
func SavingPerYear(shorter billingv1alpha1.RenewalPeriod, shorterPrice, yearPrice billingv1alpha1.Money) (billingv1alpha1.Money, error) {
	if !LongerTermApplies(shorter) {
		return billingv1alpha1.Money{}, fmt.Errorf("%d %s does not divide a year", shorter.Count, shorter.Unit)
	}
	if shorterPrice.Currency != yearPrice.Currency {
		return billingv1alpha1.Money{}, fmt.Errorf("the shorter renewal is quoted in %s and the year in %s; currencies are never converted",
			shorterPrice.Currency, yearPrice.Currency)
	}
	s, err := decimal.NewFromString(shorterPrice.Amount)
	if err != nil {
		return billingv1alpha1.Money{}, fmt.Errorf("price %q: %w", shorterPrice.Amount, err)
	}
	y, err := decimal.NewFromString(yearPrice.Amount)
	if err != nil {
		return billingv1alpha1.Money{}, fmt.Errorf("price %q: %w", yearPrice.Amount, err)
	}
	saving := s.Mul(decimal.NewFromInt(int64(12 / shorter.Count))).Sub(y)
	return billingv1alpha1.Money{Amount: saving.StringFixed(2), Currency: yearPrice.Currency}, nil
}

// quoteDue says whether a quote last had at quotedAt (zero: never), and
// last failed at failedAt (zero: not since), is to be asked for now, and
// otherwise when.
func quoteDue(quotedAt, failedAt time.Time, now time.Time) (bool, time.Time) {
	if !failedAt.IsZero() && failedAt.After(quotedAt) {
		if next := failedAt.Add(QuoteRetry); now.Before(next) {
			return false, next
		}
		return true, time.Time{}
	}
	if QuoteStale(quotedAt, now) {
		return true, time.Time{}
	}
	return false, QuoteExpiry(quotedAt)
}

// lastQuoteAt is when q was quoted for period; zero when it is for another
// period or has no time.
func lastQuoteAt(q *billingv1alpha1.PriceQuote, period billingv1alpha1.RenewalPeriod) time.Time {
	if q == nil || q.QuotedAt == nil || q.Period == nil || *q.Period != period {
		return time.Time{}
	}
	return q.QuotedAt.Time
}

// failedAt is when a quote for period last failed; zero when f is about
// another period.
func failedAt(f *billingv1alpha1.QuoteFailure, period billingv1alpha1.RenewalPeriod) time.Time {
	if f == nil || f.FailedAt == nil || f.Period == nil || *f.Period != period {
		return time.Time{}
	}
	return f.FailedAt.Time
}

// Earliest is the earlier of two times, ignoring zero ones (a zero time
// is "no wake-up", not "at once").
func Earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}
