package controller

import (
	"testing"
	"time"
)

// TestAutoRenewOverdue: the decision behind AutoRenewOverdue (issue 16,
// path 11; digest §7.3: the deduction is at 03:00 seven days before expiry).
func TestAutoRenewOverdue(t *testing.T) {
	expire := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	refresh := 10 * time.Minute
	at := expire.Add(-6 * 24 * time.Hour).Add(time.Hour + refresh)
	tests := []struct {
		name      string
		autoRenew bool
		now       time.Time
		want      bool
	}{
		{"weeks before expiry", true, expire.Add(-20 * 24 * time.Hour), false},
		{"deduction day, not yet settled", true, expire.Add(-6*24*time.Hour + 30*time.Minute), false},
		{"just before the overdue time", true, at.Add(-time.Second), false},
		{"at the overdue time", true, at, true},
		{"a day before expiry", true, expire.Add(-24 * time.Hour), true},
		{"expired: Expired reports it", true, expire, false},
		{"auto-renew off", false, expire.Add(-24 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, when := autoRenewOverdue(tt.autoRenew, expire, tt.now, refresh)
			if got != tt.want {
				t.Fatalf("overdue %v, want %v", got, tt.want)
			}
			if tt.autoRenew && !when.Equal(at) {
				t.Fatalf("overdue at %v, want %v", when, at)
			}
		})
	}
}
