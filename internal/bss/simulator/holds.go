package simulator

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// OrderHold holds the next orders in a documented state other than Completed
// for a while (digest §2.2, §7.7): 1 Pending approval, 3 Processing, 6
// Pending payment, 9 To be confirmed. Then the order moves on as it would
// have without the hold.
//
// Statuses 1, 6 and 9 catch an order when it is placed (6.3.2 renew, API or
// console): while held it cannot be paid (1, 9: CBC.99003106) or, in 6, it
// can be paid or canceled by hand; the resources it covers cannot be renewed
// (6: CBC.99003100; 1, 9: CBC.99003144), unsubscribed or converted, and the
// cloud's auto-renew deduction skips them. When the hold ends an auto-pay
// order is paid (status 5, or 6 when payment fails); any other order becomes
// pending payment, with a fresh payment deadline.
//
// Status 3 catches an order when it is paid (6.2.4, or the auto-pay of
// 6.3.2): it answers as paid, but the order stays Processing, and a second
// payment answers CBC.99000088; when the hold ends the payment is settled
// (charged, expiry extended, status 5), or the order returns to 6 when the
// balance no longer covers it.
type OrderHold struct {
	// Status is 1, 3, 6 or 9.
	Status int `json:"status"`
	// For is how long (simulated time) the order is held.
	For time.Duration `json:"for"`
	// Resource limits the hold to orders covering this resource ID.
	Resource string `json:"resource,omitempty"`
	// Count is how many orders the hold catches (default 1).
	Count int `json:"count,omitempty"`
}

// holdRule is an OrderHold waiting for its orders.
type holdRule struct {
	OrderHold
	left int
}

// holdRelease is what happens to a held order when its hold ends.
type holdRelease struct {
	pay         bool
	useDiscount bool
	coupons     []string
	by          Caller
}

// HoldOrders arms a hold for the next matching orders.
func (s *Server) HoldOrders(h OrderHold) error {
	if !slices.Contains([]int{orderStatusPendingApproval, orderStatusProcessing, orderStatusPendingPayment, orderStatusToBeConfirmed}, h.Status) {
		return fmt.Errorf("hold orders: status %d is not 1, 3, 6 or 9", h.Status)
	}
	if h.For <= 0 {
		return errors.New("hold orders: for must be positive")
	}
	if h.Count <= 0 {
		h.Count = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.holds = append(s.st.holds, &holdRule{OrderHold: h, left: h.Count})
	return nil
}

// HoldOrder holds an existing pending-payment order in status (1, 3 or 9)
// for d of simulated time; then it is pending payment again.
func (s *Server) HoldOrder(orderID string, status int, d time.Duration) error {
	if !inProgress(status) {
		return fmt.Errorf("hold order %s: status %d is not 1, 3 or 9", orderID, status)
	}
	if d <= 0 {
		return fmt.Errorf("hold order %s: duration must be positive", orderID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now().UTC().Truncate(time.Second)
	s.catchUp(now)
	o := s.st.findOrder(orderID)
	if o == nil {
		return fmt.Errorf("hold order %s: not found", orderID)
	}
	if o.Status != orderStatusPendingPayment {
		return fmt.Errorf("hold order %s: status %d, only a pending-payment order (6) can be held", orderID, o.Status)
	}
	o.Status, o.HeldUntil, o.release = status, now.Add(d), &holdRelease{}
	return nil
}

// SetPayingAgent marks an order's payment as belonging to partner agentID
// ("": the customer's own), as 6.2.1 agent_pay_info reports it.
func (s *Server) SetPayingAgent(orderID, agentID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.findOrder(orderID)
	if o == nil {
		return fmt.Errorf("set paying agent of order %s: not found", orderID)
	}
	o.PayingAgentID = agentID
	return nil
}

// takeHold returns the first armed hold matching order o in one of statuses,
// and consumes it. Called with s.mu held.
func (s *Server) takeHold(o *Order, statuses ...int) *OrderHold {
	for i, h := range s.st.holds {
		if !slices.Contains(statuses, h.Status) || (h.Resource != "" && !orderCovers(o, h.Resource)) {
			continue
		}
		h.left--
		if h.left <= 0 {
			s.st.holds = append(s.st.holds[:i], s.st.holds[i+1:]...)
		}
		held := h.OrderHold
		return &held
	}
	return nil
}

// holdPlaced holds a newly placed order in status 1, 6 or 9 when a hold is
// armed for it; it reports whether it did. Called with s.mu held.
func (s *Server) holdPlaced(o *Order, autoPay bool, by Caller, now time.Time) bool {
	h := s.takeHold(o, orderStatusPendingApproval, orderStatusPendingPayment, orderStatusToBeConfirmed)
	if h == nil {
		return false
	}
	o.Status, o.HeldUntil = h.Status, now.Add(h.For)
	o.release = &holdRelease{pay: autoPay, useDiscount: true, by: by}
	return true
}

// payOrHold pays o now, or, when a status-3 hold is armed for it, leaves it
// Processing until the hold ends. Called with s.mu held.
func (s *Server) payOrHold(o *Order, acct *Account, useDiscount bool, coupons []string, now time.Time, by Caller) *payError {
	h := s.takeHold(o, orderStatusProcessing)
	if h == nil {
		return s.settleOrder(o, acct, useDiscount, coupons, now, by)
	}
	o.Status, o.HeldUntil, o.PendingDeadline = orderStatusProcessing, now.Add(h.For), time.Time{}
	o.release = &holdRelease{pay: true, useDiscount: useDiscount, coupons: coupons, by: by}
	return nil
}

// endHold moves a held order on. Called with s.mu held.
func (s *Server) endHold(o *Order, at time.Time) {
	rel := o.release
	if rel == nil {
		rel = &holdRelease{}
	}
	from := o.Status
	o.HeldUntil, o.release = time.Time{}, nil
	o.Status = orderStatusPendingPayment
	if from != orderStatusPendingPayment || o.PendingDeadline.IsZero() {
		// Leaving approval, confirmation or processing opens a new payment
		// window; a deferred auto-payment keeps the order's own deadline.
		o.PendingDeadline = s.pendingDeadline(at)
	}
	note := fmt.Sprintf("order held in status %d moved on to pending payment", from)
	code := ""
	if rel.pay {
		if acct := s.st.accounts[o.AccountID]; acct == nil {
			note += "; payment failed: account not found"
		} else if err := s.settleOrder(o, acct, rel.useDiscount, rel.coupons, at, rel.by); err != nil {
			code = err.code
			note += "; payment failed: " + err.msg
		} else {
			note = fmt.Sprintf("order held in status %d moved on and was paid", from)
		}
	}
	s.logSystem(OpHoldEnd, at, orderResources(o), []string{o.ID}, code, note)
}
