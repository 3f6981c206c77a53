package renewal

import (
	"errors"
	"fmt"
	"slices"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// WindowOpen reports whether a renewal window is open at now and, if not,
// when it next opens. A nil window is always open. A window that cannot be
// evaluated (an unknown time zone, hours out of order) is an error.
func WindowOpen(w *billingv1alpha1.RenewalWindow, now time.Time) (bool, time.Time, error) {
	if w == nil {
		return true, now, nil
	}
	tz := w.TimeZone
	if tz == "" {
		tz = billingv1alpha1.DefaultWindowTimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("time zone %q: %w", tz, err)
	}
	end := w.EndHour
	if end == 0 {
		end = billingv1alpha1.DefaultWindowEndHour
	}
	if w.StartHour >= end {
		return false, time.Time{}, fmt.Errorf("startHour %d is not before endHour %d", w.StartHour, end)
	}
	local := now.In(loc)
	dayOK := func(t time.Time) bool {
		return len(w.Days) == 0 || slices.Contains(w.Days, billingv1alpha1.Weekday(t.Weekday().String()))
	}
	if dayOK(local) && local.Hour() >= int(w.StartHour) && local.Hour() < int(end) {
		return true, now, nil
	}
	// The next opening is within the coming eight days.
	for d := 0; d <= 8; d++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+d, int(w.StartHour), 0, 0, 0, loc)
		if day.After(local) && dayOK(day) {
			return false, day, nil
		}
	}
	return false, time.Time{}, errors.New("the window never opens")
}

// windowGate holds the order until the window opens. It returns the hold
// (nil when open) and when to look again.
func windowGate(in Input) (*Finding, time.Time) {
	open, next, err := WindowOpen(in.Spec.Window, in.Now)
	switch {
	case err != nil:
		return &Finding{Gate: GateWindow, Reason: ReasonWindowInvalid, Message: "renewal window: " + err.Error() + "; nothing was ordered"}, time.Time{}
	case !open:
		return &Finding{Gate: GateWindow, Reason: ReasonOutsideWindow,
			Message: "outside the renewal window; the order will be placed at " + next.UTC().Format(time.RFC3339)}, next
	}
	return nil, time.Time{}
}
