package controller

import (
	"strings"
	"testing"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// TestOrderStateWait: each waiting state has its own bound; within it the
// order is read at the state's interval, never past the bound; past it the
// reason names the state and the order is read every orderStuckPoll.
func TestOrderStateWait(t *testing.T) {
	since := time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		status    bss.OrderStatus
		after     time.Duration
		wantStuck string
		wantNext  time.Duration // after now
		wantText  string
	}{
		{"processing, fresh", bss.OrderProcessing, 0, "", orderProcessingPoll, "waiting until"},
		{"processing, at the bound", bss.OrderProcessing, billingv1alpha1.OrderWaitProcessing, billingv1alpha1.ReasonOrderProcessing, orderStuckPoll, "open a ticket"},
		{"pending approval, an hour in", bss.OrderPendingApproval, time.Hour, "", orderWaitPoll, "waiting until"},
		{"pending approval, a minute before the bound", bss.OrderPendingApproval, billingv1alpha1.OrderWaitPendingApproval - time.Minute, "", time.Minute, "waiting until"},
		{"pending approval, past the bound", bss.OrderPendingApproval, 25 * time.Hour, billingv1alpha1.ReasonOrderPendingApproval, orderStuckPoll, "approve or reject"},
		{"to be confirmed, past the bound", bss.OrderToBeConfirmed, billingv1alpha1.OrderWaitToBeConfirmed, billingv1alpha1.ReasonOrderToBeConfirmed, orderStuckPoll, "confirm or cancel"},
		{"an undocumented state", bss.OrderToBeShipped, orderWaitOther, billingv1alpha1.ReasonOrderUnexpectedState, orderStuckPoll, "status 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := since.Add(tt.after)
			d := orderStateWait("CS1", tt.status, since, now)
			if d.stuck != tt.wantStuck || d.next.Sub(now) != tt.wantNext || !strings.Contains(d.message, tt.wantText) {
				t.Fatalf("got stuck %q, next in %s, %q; want %q, %s, containing %q", d.stuck, d.next.Sub(now), d.message, tt.wantStuck, tt.wantNext, tt.wantText)
			}
		})
	}
	// An unknown start counts from now: never stuck at once.
	if d := orderStateWait("CS1", bss.OrderProcessing, time.Time{}, since); d.stuck != "" {
		t.Fatalf("no start known: stuck %q", d.stuck)
	}
}
