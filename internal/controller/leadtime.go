package controller

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseLeadTime parses a lead time before expiry: a Go duration ("720h"),
// a number of days ("30d"), or a percentage of the subscription period
// ("10%", returned as percent with a zero duration).
func parseLeadTime(s string) (dur time.Duration, percent int, err error) {
	switch {
	case strings.HasSuffix(s, "%"):
		p, err := strconv.Atoi(strings.TrimSuffix(s, "%"))
		if err != nil || p < 1 || p > 99 {
			return 0, 0, fmt.Errorf("lead time %q: a percentage must be 1%% to 99%%", s)
		}
		return 0, p, nil
	case strings.HasSuffix(s, "d"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n < 0 || n > 3660 {
			return 0, 0, fmt.Errorf("lead time %q: days must be a whole number from 0 to 3660", s)
		}
		return time.Duration(n) * 24 * time.Hour, 0, nil
	default:
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return 0, 0, fmt.Errorf("lead time %q: want a duration like 720h, days like 30d, or a percentage like 10%%", s)
		}
		return d, 0, nil
	}
}
