package simulator

import (
	"time"

	"k8s.io/utils/clock"
)

// apiTimeLayout is the UTC timestamp format used by the BSS API
// (yyyy-MM-dd'T'HH:mm:ss'Z').
const apiTimeLayout = "2006-01-02T15:04:05Z"

// bssZone returns the GMT+08:00 zone used by BSS billing cycles, bill dates,
// the 03:00 auto-renew deduction and order ID timestamps.
func bssZone() *time.Location {
	return time.FixedZone("GMT+08:00", 8*60*60)
}

// SettableClock is a clock whose time can be set. testing.FakeClock,
// testing.FakePassiveClock and scaledclock.Clock implement it; Server.Advance and
// Server.SetTime need it.
type SettableClock interface {
	clock.PassiveClock
	SetTime(t time.Time)
}

// fmtTime formats t in the API's UTC format.
func fmtTime(t time.Time) string {
	return t.UTC().Format(apiTimeLayout)
}

// fmtTimePtr formats t, or returns nil for the zero time (encoded as null).
func fmtTimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := fmtTime(t)
	return &s
}

// parseAPITime parses a yyyy-MM-dd'T'HH:mm:ss'Z' timestamp.
func parseAPITime(s string) (time.Time, error) {
	return time.Parse(apiTimeLayout, s)
}

// endOfDayGMT8 returns 23:59:59 GMT+08:00 of the GMT+08:00 day containing t,
// the instant at which BSS subscriptions conventionally expire.
func endOfDayGMT8(t time.Time) time.Time {
	l := t.In(bssZone())
	return time.Date(l.Year(), l.Month(), l.Day(), 23, 59, 59, 0, bssZone()).UTC()
}

// next0300GMT8 returns the first 03:00:00 GMT+08:00 instant at or after t.
func next0300GMT8(t time.Time) time.Time {
	l := t.In(bssZone())
	c := time.Date(l.Year(), l.Month(), l.Day(), 3, 0, 0, 0, bssZone())
	if c.Before(t) {
		c = c.AddDate(0, 0, 1)
	}
	return c.UTC()
}

// autoRenewFirstAttempt returns 03:00 GMT+08:00 seven calendar days before the
// GMT+08:00 date of expire (digest §7.3 #24).
func autoRenewFirstAttempt(expire time.Time) time.Time {
	l := expire.In(bssZone())
	return time.Date(l.Year(), l.Month(), l.Day()-7, 3, 0, 0, 0, bssZone()).UTC()
}

// addPeriod adds n months (periodType 2) or n years (periodType 3) to t in the
// GMT+08:00 calendar, clamping the day to the end of the target month (so
// 31 January + 1 month is 28/29 February, not 2/3 March).
func addPeriod(t time.Time, periodType, n int) time.Time {
	months := n
	if periodType == periodYear {
		months = 12 * n
	}
	l := t.In(bssZone())
	y, m, d := l.Date()
	total := y*12 + int(m) - 1 + months
	ty := total / 12
	tm := time.Month(total%12 + 1)
	last := time.Date(ty, tm+1, 0, 0, 0, 0, 0, bssZone()).Day()
	if d > last {
		d = last
	}
	return time.Date(ty, tm, d, l.Hour(), l.Minute(), l.Second(), 0, bssZone()).UTC()
}

// laterOf returns the later of a and b.
func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
