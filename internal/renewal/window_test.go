package renewal

import (
	"testing"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

func TestWindowOpen(t *testing.T) {
	// 2027-01-11 is a Monday.
	mon10utc := time.Date(2027, 1, 11, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		window   *billingv1alpha1.RenewalWindow
		now      time.Time
		wantOpen bool
		wantNext time.Time
	}{
		{name: "no window", window: nil, now: mon10utc, wantOpen: true, wantNext: mon10utc},
		{name: "inside hours", window: &billingv1alpha1.RenewalWindow{StartHour: 9, EndHour: 17}, now: mon10utc, wantOpen: true, wantNext: mon10utc},
		{name: "after hours opens next morning",
			window: &billingv1alpha1.RenewalWindow{StartHour: 9, EndHour: 17}, now: mon10utc.Add(8 * time.Hour),
			wantNext: time.Date(2027, 1, 12, 9, 0, 0, 0, time.UTC)},
		{name: "weekdays only: Saturday waits for Monday",
			window: &billingv1alpha1.RenewalWindow{Days: []billingv1alpha1.Weekday{"Monday", "Tuesday"}, StartHour: 9, EndHour: 17},
			now:    time.Date(2027, 1, 16, 10, 0, 0, 0, time.UTC), wantNext: time.Date(2027, 1, 18, 9, 0, 0, 0, time.UTC)},
		{name: "time zone: 10:00 UTC is 18:00 in Shanghai, after a 9-17 window",
			window: &billingv1alpha1.RenewalWindow{StartHour: 9, EndHour: 17, TimeZone: "Asia/Shanghai"}, now: mon10utc,
			wantNext: time.Date(2027, 1, 12, 1, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open, next, err := WindowOpen(tt.window, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if open != tt.wantOpen || !next.Equal(tt.wantNext) {
				t.Fatalf("got open=%v next=%v, want open=%v next=%v", open, next, tt.wantOpen, tt.wantNext)
			}
		})
	}
	if _, _, err := WindowOpen(&billingv1alpha1.RenewalWindow{StartHour: 9, EndHour: 17, TimeZone: "Mars/Olympus"}, mon10utc); err == nil {
		t.Fatal("an unknown time zone was accepted")
	}
}

func TestWindowGate(t *testing.T) {
	mon10utc := time.Date(2027, 1, 11, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		window     *billingv1alpha1.RenewalWindow
		wantReason Reason
		wantWake   time.Time
	}{
		{name: "open", window: &billingv1alpha1.RenewalWindow{StartHour: 9, EndHour: 17}},
		{name: "closed: held until it opens", window: &billingv1alpha1.RenewalWindow{StartHour: 20, EndHour: 22},
			wantReason: ReasonOutsideWindow, wantWake: time.Date(2027, 1, 11, 20, 0, 0, 0, time.UTC)},
		{name: "unknown time zone ends the attempt", window: &billingv1alpha1.RenewalWindow{StartHour: 9, EndHour: 17, TimeZone: "Mars/Olympus"},
			wantReason: ReasonWindowInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInput(mon10utc)
			in.Spec.Window = tt.window
			f, wake := windowGate(in)
			if got := reasonOf(f); got != tt.wantReason || !wake.Equal(tt.wantWake) {
				t.Fatalf("got %q wake %v, want %q wake %v", got, wake, tt.wantReason, tt.wantWake)
			}
		})
	}
}
