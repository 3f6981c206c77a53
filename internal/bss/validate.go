package bss

import (
	"fmt"
	"strings"
	"time"
)

// invalid returns the terminal error of a request rejected before sending.
func invalid(op, format string, args ...any) error {
	return &Error{Op: op, Class: ClassTerminal, Code: CodeParameterError,
		Message: "rejected by the client before sending: " + fmt.Sprintf(format, args...)}
}

// checkID validates an order or resource id: non-empty, at most 64 bytes,
// and free of characters that could change the request's meaning.
func checkID(op, what, id string) error {
	switch {
	case id == "":
		return invalid(op, "%s is empty", what)
	case len(id) > maxIDLength:
		return invalid(op, "%s is longer than %d characters", what, maxIDLength)
	case strings.ContainsAny(id, "/?#\\\x00\r\n\t "):
		return invalid(op, "%s %q contains a forbidden character", what, id)
	}
	return nil
}

// checkIDs validates a list of 1..max distinct ids.
func checkIDs(op string, ids []string, max int) error {
	if len(ids) == 0 {
		return invalid(op, "no resource ids")
	}
	if len(ids) > max {
		return invalid(op, "%d resource ids, at most %d allowed", len(ids), max)
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if err := checkID(op, "resource id", id); err != nil {
			return err
		}
		if seen[id] {
			return invalid(op, "duplicate resource id %q", id)
		}
		seen[id] = true
	}
	return nil
}

// checkPeriod validates a renewal period: 1..11 months or 1..3 years.
func checkPeriod(op string, t PeriodType, n int) error {
	switch t {
	case PeriodMonth:
		if n < 1 || n > maxRenewMonths {
			return invalid(op, "period_num %d out of range 1..%d for months", n, maxRenewMonths)
		}
	case PeriodYear:
		if n < 1 || n > maxRenewYears {
			return invalid(op, "period_num %d out of range 1..%d for years", n, maxRenewYears)
		}
	default:
		return invalid(op, "period type %s, want Month or Year", t)
	}
	return nil
}

// checkPage validates an offset and a limit (0 = server default).
func checkPage(op string, offset, limit, maxOffset, maxLimit int) error {
	if offset < 0 || offset > maxOffset {
		return invalid(op, "offset %d out of range 0..%d", offset, maxOffset)
	}
	if limit < 0 || limit > maxLimit {
		return invalid(op, "limit %d out of range 1..%d", limit, maxLimit)
	}
	return nil
}

// checkSpan validates a time range whose span the API limits to one year.
func checkSpan(op, what string, begin, end time.Time) error {
	if begin.IsZero() || end.IsZero() {
		return nil
	}
	if end.Before(begin) {
		return invalid(op, "%s end before begin", what)
	}
	if end.After(begin.AddDate(1, 0, 0)) {
		return invalid(op, "%s span longer than one year", what)
	}
	return nil
}
