package budget

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// DueKind says what a due payment is.
type DueKind string

// Kinds of due payment.
const (
	// DueRenewal is a renewal the operator orders at status.renewalTime.
	DueRenewal DueKind = "renewal"
	// DueAutoRenew is the cloud's own auto-renew deduction.
	DueAutoRenew DueKind = "cloud auto-renew"
	// DuePaid is a renewal the operator completed, which cost data may not
	// show yet (it lags about an hour, 8.1).
	DuePaid DueKind = "completed renewal"
)

// maxRepeats bounds the renewals of one subscription inside a horizon
// (twelve monthly renewals in a year, and a margin).
const maxRepeats = 40

// Due is a renewal or cloud deduction expected at a time: what committed
// spend and the balance projection add up.
type Due struct {
	// At is when it is due; an overdue one is due now.
	At time.Time
	// Amount and Currency are the quoted price, when Priced.
	Amount   decimal.Decimal
	Currency string
	Priced   bool
	// Kind says what it is.
	Kind DueKind
	// Source is the Subscription, or the resource ID of a resource that
	// has none.
	Source string
	// ResourceID is the primary resource.
	ResourceID string
	// Months is the renewal term.
	Months int
	// InBudget is true when it counts toward committed spend: it comes
	// from a Subscription and matches the budget's filters.
	InBudget bool
}

// SubscriptionDues lists one Subscription's payments before until: its
// last completed renewal (cost data may not show it yet), then either the
// explicit renewals it will order (Manage, not paused, under a Renew
// policy with a renewal time) or, when its resource has cloud auto-renew
// on, the cloud's deductions, repeated by the term inside the horizon.
// policy is nil when the Subscription has none or it does not exist.
// inBudget says whether the Subscription matches the budget's filters.
// autoRenewMonths is the term the cloud renews the resource by (its
// purchase period, see PurchaseTerm), 0 when it is not known.
func SubscriptionDues(sub *billingv1alpha1.Subscription, policy *billingv1alpha1.RenewalPolicy, inBudget bool, autoRenewMonths int, now, until time.Time) []Due {
	res := sub.Status.Resource
	if res == nil || sub.Status.ExpireTime == nil {
		return nil
	}
	base := Due{Source: sub.Name, ResourceID: sub.Spec.ResourceID, InBudget: inBudget}
	if q := sub.Status.LastQuote; q != nil {
		if amount, err := decimal.NewFromString(q.Price.Amount); err == nil {
			base.Amount, base.Currency, base.Priced = amount, q.Price.Currency, true
		}
	}
	var out []Due
	if lr := sub.Status.LastRenewal; lr != nil && lr.CompletionTime != nil && lr.AmountPaid != nil {
		if amount, err := decimal.NewFromString(lr.AmountPaid.Amount); err == nil {
			paid := base
			paid.Kind, paid.At, paid.Amount, paid.Currency, paid.Priced = DuePaid, lr.CompletionTime.Time, amount, lr.AmountPaid.Currency, true
			out = append(out, paid)
		}
	}
	explicit := sub.Spec.ManagementPolicy == billingv1alpha1.ManagementManage && !sub.Spec.Paused &&
		policy != nil && policy.Spec.Mode == billingv1alpha1.RenewalModeRenew && policy.Spec.Renew != nil &&
		sub.Status.RenewalTime != nil
	var next func(k int) time.Time
	switch {
	case explicit:
		first := sub.Status.RenewalTime.Time
		p := policy.Spec.Renew.Period
		base.Kind, base.Months = DueRenewal, PeriodMonths(p)
		if q := sub.Status.LastQuote; base.Priced && q.Period != nil && *q.Period != p {
			base.Priced = false // quoted for another term
		}
		next = func(k int) time.Time { return AddMonths(first, k*base.Months) }
	case res.ExpirePolicy == bss.ExpirePolicyAutoRenew.String():
		// Settings the operator set with 6.3.4 (RenewalPolicy autoRenew)
		// override the purchase term: one period of the unit set, and no
		// more renewals than allowed.
		limit := maxRepeats
		if a := sub.Status.AutoRenewSettings; a != nil {
			switch a.PeriodUnit {
			case billingv1alpha1.PeriodUnitMonth:
				autoRenewMonths = 1
			case billingv1alpha1.PeriodUnitYear:
				autoRenewMonths = 12
			}
			if a.Times != nil {
				limit = int(*a.Times)
			}
		}
		if q := sub.Status.LastQuote; base.Priced && (q.Period == nil || PeriodMonths(*q.Period) != autoRenewMonths) {
			base.Priced = false // not quoted for the term the cloud renews by
		}
		dues := autoRenewDues(base, sub.Status.ExpireTime.Time, autoRenewMonths, now, until)
		return append(out, dues[:min(len(dues), limit)]...)
	default:
		return out
	}
	return append(out, repeat(base, next, now, until)...)
}

// PeriodMonths is a renewal period in months.
func PeriodMonths(p billingv1alpha1.RenewalPeriod) int {
	months := int(p.Count)
	if p.Unit == billingv1alpha1.PeriodUnitYear {
		months *= 12
	}
	return months
}

// InventoryDues lists the cloud auto-renew deductions before until of the
// account's primary resources that no Subscription covers (for the
// balance projection only: they are never InBudget). terms holds the
// known auto-renew terms in months by resource ID.
func InventoryDues(resources []bss.Resource, covered map[string]bool, terms map[string]int, now, until time.Time) []Due {
	var out []Due
	for _, res := range resources {
		if !res.IsMain || !res.AutoRenew() || covered[res.ID] || res.Status == bss.ResourceClosed {
			continue
		}
		base := Due{Source: res.ID, ResourceID: res.ID}
		out = append(out, autoRenewDues(base, res.ExpireTime, terms[res.ID], now, until)...)
	}
	return out
}

// autoRenewDues lists the cloud's auto-renew deductions of a resource
// expiring at expire before until, renewing by a term of months. With the
// term unknown (0) only the first deduction is listed, unpriced: its
// amount depends on the term, and the next ones on both (a sum with an
// unpriced due says so; nothing is guessed).
func autoRenewDues(base Due, expire time.Time, months int, now, until time.Time) []Due {
	base.Kind, base.Months = DueAutoRenew, months
	if months < 1 {
		base.Months, base.Priced = 0, false
		at := AutoRenewDeduction(expire)
		if !at.Before(until) {
			return nil
		}
		base.At = at
		if at.Before(now) {
			base.At = now
		}
		return []Due{base}
	}
	return repeat(base, func(k int) time.Time { return AutoRenewDeduction(AddMonths(expire, k*months)) }, now, until)
}

// repeat lists base at next(0), next(1), ... before until; an overdue
// first one is due now.
func repeat(base Due, next func(int) time.Time, now, until time.Time) []Due {
	var out []Due
	for k := 0; k < maxRepeats; k++ {
		t := next(k)
		if !t.Before(until) {
			break
		}
		d := base
		d.At = t
		if t.Before(now) {
			d.At = now
		}
		out = append(out, d)
	}
	return out
}

// SortDues orders dues by time, keeping the order of equal times.
func SortDues(dues []Due) {
	slices.SortStableFunc(dues, func(a, c Due) int { return a.At.Compare(c.At) })
}

// SubscriptionMatches applies a budget's filters to a Subscription's
// resource. Subscriptions are yearly/monthly. project is the resource's
// enterprise project ID as best known; when it is not known the project
// filter is not applied (overstating committed spend is the safe side).
func SubscriptionMatches(f billingv1alpha1.BudgetFilters, res *billingv1alpha1.ObservedResource, project string) bool {
	if res == nil {
		return false
	}
	if len(f.ChargingModes) > 0 && !slices.Contains(f.ChargingModes, billingv1alpha1.ChargingModeYearlyMonthly) {
		return false
	}
	if project == "" {
		sel := f.ResourceSelector
		sel.EnterpriseProjectIDs = nil
		return sel.Matches(res.ServiceTypeCode, res.RegionCode, "")
	}
	return f.Matches(res.ServiceTypeCode, res.RegionCode, project)
}

// DueCurrencyError is a due payment priced in a currency other than the
// one it is added up in; currencies are never converted.
type DueCurrencyError struct {
	// Due is the payment.
	Due Due
	// Want is the currency of the sum.
	Want string
}

func (e *DueCurrencyError) Error() string {
	return fmt.Sprintf("the %s of %s is quoted in %s but the sum is in %s; currencies are never converted",
		e.Due.Kind, e.Due.Source, e.Due.Currency, e.Want)
}

// Sum is priced dues added up, and how many could not be priced.
type Sum struct {
	// Amount is the sum of the priced dues.
	Amount decimal.Decimal
	// Unpriced counts the dues without a quote (not in Amount).
	Unpriced int
}

// CommittedPending adds up the dues that count toward a budget period
// [start, end) on top of the spend already in the cost data: those in the
// budget, due before the end, and, for completed renewals, paid inside the
// period after asOf (the cost data as of asOf already holds the earlier
// ones). A due in another currency is a *DueCurrencyError.
func CommittedPending(dues []Due, start, end, asOf time.Time, currency string) (Sum, error) {
	var s Sum
	for _, d := range dues {
		if !d.InBudget || !d.At.Before(end) {
			continue
		}
		if d.Kind == DuePaid && (d.At.Before(start) || !d.At.After(asOf)) {
			continue // before the period, or already in the cost data
		}
		if err := s.add(d, currency); err != nil {
			return Sum{}, err
		}
	}
	return s, nil
}

// DueBefore adds up what the balance still has to pay before end, in or
// out of the budget: completed renewals are already paid. A due in another
// currency is a *DueCurrencyError.
func DueBefore(dues []Due, end time.Time, currency string) (Sum, error) {
	var s Sum
	for _, d := range dues {
		if d.Kind == DuePaid || !d.At.Before(end) {
			continue
		}
		if err := s.add(d, currency); err != nil {
			return Sum{}, err
		}
	}
	return s, nil
}

func (s *Sum) add(d Due, currency string) error {
	if !d.Priced {
		s.Unpriced++
		return nil
	}
	if d.Currency != currency {
		return &DueCurrencyError{Due: d, Want: currency}
	}
	s.Amount = s.Amount.Add(d.Amount)
	return nil
}

// Fingerprint identifies the payments still due before end, so that a
// balance read can be reused only while they are the same (a renewal paid
// since would otherwise be subtracted twice).
func Fingerprint(dues []Due, end time.Time) string {
	var fp strings.Builder
	for _, d := range dues {
		if d.Kind != DuePaid && d.At.Before(end) {
			fmt.Fprintf(&fp, "%s|%s|%s;", d.Source, d.At.Format(time.RFC3339), d.Amount)
		}
	}
	return fp.String()
}
