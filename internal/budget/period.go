// Package budget holds the pure arithmetic of BudgetAlerts: calendar
// periods in a time zone, how they map onto BSS's GMT+08:00 billing days and
// months, the forecast, cloud auto-renew deduction times, and which
// thresholds are crossed. It does no I/O, so all of it is table-tested.
package budget

import (
	"fmt"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// Zone returns the time zone of BSS bill cycles, cost-data days and the
// cloud auto-renew deduction: GMT+08:00 (digest 4.17, 4.18, 7.3).
func Zone() *time.Location { return time.FixedZone("GMT+08:00", 8*60*60) }

// Bounds returns the calendar period [start, end) of kind p that contains t,
// in loc. Monthly periods start on the 1st, quarterly periods on the 1st of
// January, April, July and October, yearly periods on the 1st of January,
// all at 00:00 in loc.
func Bounds(p billingv1alpha1.BudgetPeriod, t time.Time, loc *time.Location) (start, end time.Time, err error) {
	lt := t.In(loc)
	y, m := lt.Year(), lt.Month()
	switch p {
	case billingv1alpha1.BudgetMonthly, "":
		start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		end = time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	case billingv1alpha1.BudgetQuarterly:
		q := (int(m) - 1) / 3
		start = time.Date(y, time.Month(q*3+1), 1, 0, 0, 0, 0, loc)
		end = time.Date(y, time.Month(q*3+4), 1, 0, 0, 0, 0, loc)
	case billingv1alpha1.BudgetYearly:
		start = time.Date(y, time.January, 1, 0, 0, 0, 0, loc)
		end = time.Date(y+1, time.January, 1, 0, 0, 0, 0, loc)
	default:
		return time.Time{}, time.Time{}, fmt.Errorf("unknown budget period %q", p)
	}
	return start, end, nil
}

// DayRange is an inclusive range of GMT+08:00 dates, YYYY-MM-DD.
type DayRange struct {
	// First is the first date.
	First string
	// Last is the last date (inclusive).
	Last string
}

// QueryPlan says which BSS data covers a period up to asOf: whole closed
// GMT+08:00 months (summary bills, 7.1) and ranges of GMT+08:00 days (cost
// data, 8.1).
type QueryPlan struct {
	// ClosedMonths are whole GMT+08:00 months, YYYY-MM, that ended before
	// the month of asOf.
	ClosedMonths []string
	// Days are the remaining days, at most two ranges (before and after
	// the closed months).
	Days []DayRange
}

// Plan maps the period [start, end) onto GMT+08:00 billing days. A billing
// day belongs to the period in which it starts (its 00:00 GMT+08:00), so
// consecutive periods share no day; in a GMT+08:00 zone such as the default
// Asia/Shanghai this is exact. Days after asOf's GMT+08:00 date are left
// out (they have no data yet). Whole months before asOf's month become
// ClosedMonths when useClosedMonths is true, and day ranges otherwise.
func Plan(start, end, asOf time.Time, useClosedMonths bool) QueryPlan {
	first := ceilDay(start)
	last := ceilDay(end).AddDate(0, 0, -1)
	today := floorDay(asOf)
	if today.Before(last) {
		last = today
	}
	var plan QueryPlan
	if last.Before(first) {
		return plan
	}
	if !useClosedMonths {
		plan.Days = []DayRange{{First: first.Format(time.DateOnly), Last: last.Format(time.DateOnly)}}
		return plan
	}
	currentMonth := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, Zone())
	// The first whole month inside [first, last] that ended before today's month.
	m := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, Zone())
	if m.Before(first) {
		m = m.AddDate(0, 1, 0)
	}
	headEnd := m // days before m are a head range
	for ; m.Before(currentMonth) && !m.AddDate(0, 1, -1).After(last); m = m.AddDate(0, 1, 0) {
		plan.ClosedMonths = append(plan.ClosedMonths, m.Format("2006-01"))
	}
	if len(plan.ClosedMonths) == 0 {
		plan.Days = []DayRange{{First: first.Format(time.DateOnly), Last: last.Format(time.DateOnly)}}
		return plan
	}
	if first.Before(headEnd) {
		plan.Days = append(plan.Days, DayRange{First: first.Format(time.DateOnly), Last: headEnd.AddDate(0, 0, -1).Format(time.DateOnly)})
	}
	if !m.After(last) {
		plan.Days = append(plan.Days, DayRange{First: m.Format(time.DateOnly), Last: last.Format(time.DateOnly)})
	}
	return plan
}

// floorDay is 00:00 GMT+08:00 of t's GMT+08:00 date.
func floorDay(t time.Time) time.Time {
	b := t.In(Zone())
	return time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, Zone())
}

// ceilDay is the first 00:00 GMT+08:00 at or after t.
func ceilDay(t time.Time) time.Time {
	d := floorDay(t)
	if d.Before(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// AutoRenewDeduction is when the cloud deducts an auto-renewal: 03:00
// GMT+08:00 on the day seven calendar days before the GMT+08:00 date of
// expire (digest 7.3 rule 24; the simulator does the same).
func AutoRenewDeduction(expire time.Time) time.Time {
	d := floorDay(expire).AddDate(0, 0, -7)
	return d.Add(3 * time.Hour)
}

// AddMonths adds n calendar months to t in GMT+08:00, clamping the day to
// the end of the target month (Jan 31 + 1 month = Feb 28/29), as BSS
// extends subscriptions.
func AddMonths(t time.Time, n int) time.Time {
	b := t.In(Zone())
	y, m := b.Year(), int(b.Month())-1+n
	y += m / 12
	m %= 12
	if m < 0 {
		m += 12
		y--
	}
	day := b.Day()
	if last := time.Date(y, time.Month(m+2), 0, 0, 0, 0, 0, Zone()).Day(); day > last {
		day = last
	}
	return time.Date(y, time.Month(m+1), day, b.Hour(), b.Minute(), b.Second(), b.Nanosecond(), Zone()).In(t.Location())
}
