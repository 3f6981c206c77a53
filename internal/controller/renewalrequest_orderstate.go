package controller

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// An order leaves the operator's hands in three states other than pending
// payment, completed and canceled (6.2.2 status, digest §2.2, §7.7 rule
// 48): 1 pending approval, 3 processing (paid, not settled) and 9 to be
// confirmed. None can be paid or cancelled (rules 49, 50), and renewing
// again could renew twice. The attempt waits for each a bounded time
// (api/v1alpha1 OrderWait*), reading the order now and then; past it, it
// says what the admin must do (condition OrderStuck, Stalled, an Event and
// the BSSRenewalOrderStuck alert) and reads the order less often, until a
// person or BSS moves it on.

// Read intervals of an order in a waiting state.
const (
	// orderProcessingPoll is how often a processing order is read while
	// it may still settle on its own.
	orderProcessingPoll = 30 * time.Second
	// orderWaitPoll is how often an order waiting for a person (approval,
	// confirmation) is read within the bound.
	orderWaitPoll = 5 * time.Minute
	// orderStuckPoll is how often an order past its bound is read.
	orderStuckPoll = 15 * time.Minute
	// orderWaitOther bounds the wait in a state renewal orders are not
	// documented to reach (2, 10-13).
	orderWaitOther = 24 * time.Hour
)

// orderWait is the bounded wait of one order state.
type orderWait struct {
	// state names the state in messages.
	state string
	// limit is how long the operator waits before saying it is stuck.
	limit time.Duration
	// poll is how often the order is read within the limit.
	poll time.Duration
	// reason is the OrderStuck reason once past the limit.
	reason string
	// todo is what the admin must do once past the limit.
	todo string
}

// orderWaits are the bounded waits by order status.
var orderWaits = map[bss.OrderStatus]orderWait{
	bss.OrderPendingApproval: {
		state: "pending approval (status 1)", limit: billingv1alpha1.OrderWaitPendingApproval, poll: orderWaitPoll,
		reason: billingv1alpha1.ReasonOrderPendingApproval,
		todo:   "an approver must approve or reject it in the BSS console (Billing Center > Orders); the operator does not pay, cancel or order again meanwhile",
	},
	bss.OrderProcessing: {
		state: "processing (status 3)", limit: billingv1alpha1.OrderWaitProcessing, poll: orderProcessingPoll,
		reason: billingv1alpha1.ReasonOrderProcessing,
		todo:   "it was paid but BSS has neither completed it nor moved the expiry: check it in the BSS console and open a ticket with Huawei Cloud if it stays; do not renew the resource again by hand, it could be renewed twice",
	},
	bss.OrderToBeConfirmed: {
		state: "to be confirmed (status 9)", limit: billingv1alpha1.OrderWaitToBeConfirmed, poll: orderWaitPoll,
		reason: billingv1alpha1.ReasonOrderToBeConfirmed,
		todo:   "someone must confirm or cancel it in the BSS console (Billing Center > Orders); the operator does not pay, cancel or order again meanwhile",
	},
}

// waitFor is the bounded wait of status s.
func waitFor(s bss.OrderStatus) orderWait {
	if w, ok := orderWaits[s]; ok {
		return w
	}
	return orderWait{
		state: fmt.Sprintf("%s (status %d), a state renewal orders are not documented to reach,", s, int(s)), limit: orderWaitOther, poll: orderWaitPoll,
		reason: billingv1alpha1.ReasonOrderUnexpectedState,
		todo:   "check it in the BSS console; the operator does not pay, cancel or order again meanwhile",
	}
}

// orderStateDecision is how an attempt waits for an order in a waiting
// state.
type orderStateDecision struct {
	// message is the request's status message.
	message string
	// stuck is the OrderStuck reason when the wait is past its bound, ""
	// within it.
	stuck string
	// next is when the order is read again.
	next time.Time
}

// orderStateWait decides how an attempt waits for order id, seen in status
// s since since (zero: not known, counted from now).
func orderStateWait(id string, s bss.OrderStatus, since, now time.Time) orderStateDecision {
	w := waitFor(s)
	if since.IsZero() || since.After(now) {
		since = now
	}
	until := since.Add(w.limit)
	if now.Before(until) {
		return orderStateDecision{
			message: fmt.Sprintf("order %s is %s since %s; waiting until %s, then asking an admin", id, w.state, formatTime(since), formatTime(until)),
			next:    earliest(now.Add(w.poll), until),
		}
	}
	return orderStateDecision{
		message: fmt.Sprintf("order %s has been %s since %s, longer than the %s the operator waits: %s", id, w.state, formatTime(since), w.limit, w.todo),
		stuck:   w.reason,
		next:    now.Add(orderStuckPoll),
	}
}

// observeOrder records the order's status, and since when it is in it;
// an order out of the waiting states clears OrderStuck.
func observeOrder(st *rrState, order *renewal.Order) {
	rr := st.rr
	if rr.Status.OrderStatus != order.Status || rr.Status.OrderStatusSince == nil {
		rr.Status.OrderStatus = order.Status
		rr.Status.OrderStatusSince = &metav1.Time{Time: st.now.Truncate(time.Second)}
	}
	switch order.State {
	case renewal.OrderPendingPayment, renewal.OrderCompleted, renewal.OrderCancelled:
		meta.RemoveStatusCondition(&rr.Status.Conditions, billingv1alpha1.ConditionOrderStuck)
	}
}

// waitOrderState waits for an order in a state the operator cannot act
// on (see orderStateWait), raising OrderStuck past the bound.
func (r *RenewalRequestReconciler) waitOrderState(st *rrState, order *bss.Order) {
	rr := st.rr
	var since time.Time
	if rr.Status.OrderStatusSince != nil {
		since = rr.Status.OrderStatusSince.Time
	}
	d := orderStateWait(order.ID, order.Status, since, st.now)
	rr.Status.Message = d.message
	st.wakeAt(d.next)
	if d.stuck == "" {
		meta.RemoveStatusCondition(&rr.Status.Conditions, billingv1alpha1.ConditionOrderStuck)
		return
	}
	old := condition(rr.Status.Conditions, billingv1alpha1.ConditionOrderStuck)
	setCondition(&rr.Status.Conditions, st.now, billingv1alpha1.ConditionOrderStuck, metav1.ConditionTrue, d.stuck, d.message)
	if old == nil || old.Reason != d.stuck {
		r.event(rr, "Warning", d.stuck, "Renew", "%s", d.message)
	}
	st.reason, st.stuck = d.stuck, true
}

// payerOf reads who pays a pending order (6.2.1 agent_pay_info; 6.2.2
// does not say). A partner's order is left to the partner, and an order the
// list does not show yet is not paid either (renewal.Payment).
func (r *RenewalRequestReconciler) payerOf(ctx context.Context, st *rrState, order *bss.Order) (renewal.Payer, error) {
	page, err := st.acct.BSS.ListOrders(ctx, bss.ListOrdersRequest{OrderID: order.ID, Limit: 10})
	if err != nil {
		return renewal.Payer{}, fmt.Errorf("list order %s: %w", order.ID, err)
	}
	var listed *bss.Order
	for i := range page.Orders {
		if page.Orders[i].ID == order.ID {
			listed = &page.Orders[i]
		}
	}
	if listed == nil {
		return renewal.Payer{}, nil
	}
	agent, partner := listed.PartnerPays()
	return renewal.Payer{Listed: true, Partner: partner, Agent: agent}, nil
}
