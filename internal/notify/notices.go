package notify

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// Input is what the notices about one Subscription are derived from.
type Input struct {
	// Subscription is the Subscription as last read.
	Subscription *billingv1alpha1.Subscription
	// Active is its active RenewalRequest (status.activeRequest), nil
	// when none is under way or it could not be found.
	Active *billingv1alpha1.RenewalRequest
	// PaymentPendingAfter is how long an order may await payment before
	// it is notified; zero means billingv1alpha1.DefaultPaymentPendingAfter.
	PaymentPendingAfter time.Duration
	// Now is the business time.
	Now time.Time
}

// Notice is one thing on-call should learn about, derived from a condition.
// Its Key is the same for as long as the condition does not change (status
// or reason), and different after any change, so each change is notified
// once.
type Notice struct {
	// Kind is what the notice is about.
	Kind billingv1alpha1.NotificationKind
	// Key identifies the notice (see KeyOf).
	Key string
	// Namespace, Subscription and ResourceID name the Subscription and its
	// cloud resource; Account its BillingAccount.
	Namespace, Subscription, ResourceID, Account string
	// ObjectKind, ObjectName and ObjectUID name the object whose condition
	// triggered the notice: the Subscription or its RenewalRequest.
	ObjectKind, ObjectName string
	ObjectUID              types.UID
	// Condition, Reason and Message are the triggering condition's type,
	// reason and message; Since is its lastTransitionTime.
	Condition, Reason, Message string
	Since                      time.Time
	// ExpireTime is the resource's expiry, zero when unknown.
	ExpireTime time.Time
	// Amount is the renewal's quoted (or paid) amount, nil when none.
	Amount *billingv1alpha1.Money
	// Hint is a kubectl command that shows or resolves the matter.
	Hint string
}

// KeyOf is a notice's key: its kind, the UID of the object whose
// condition triggered it, and the condition's type, reason and
// lastTransitionTime (left out when zero).
func KeyOf(kind billingv1alpha1.NotificationKind, uid types.UID, condition, reason string, since time.Time) string {
	parts := []string{string(kind), string(uid), condition, reason}
	if !since.IsZero() {
		parts = append(parts, rfc3339(since))
	}
	return strings.Join(parts, "/")
}

// Derive returns the notices about a Subscription and its active
// RenewalRequest, and when to look again because a notice becomes due
// (zero when nothing is waiting for time to pass). It is pure: the same
// input gives the same notices with the same keys.
func Derive(in Input) ([]Notice, time.Time) {
	sub := in.Subscription
	var out []Notice
	var wake time.Time
	base := Notice{Namespace: sub.Namespace, Subscription: sub.Name, ResourceID: sub.Spec.ResourceID, Account: sub.Spec.AccountRef.Name}
	if sub.Status.ExpireTime != nil {
		base.ExpireTime = sub.Status.ExpireTime.Time
	}
	describeSub := fmt.Sprintf("kubectl describe subscription %s -n %s", sub.Name, sub.Namespace)
	add := func(kind billingv1alpha1.NotificationKind, objKind, objName string, uid types.UID, c *metav1.Condition, amount *billingv1alpha1.Money, hint string) {
		n := base
		n.Kind, n.ObjectKind, n.ObjectName, n.ObjectUID = kind, objKind, objName, uid
		n.Condition, n.Reason, n.Message, n.Since = c.Type, c.Reason, c.Message, c.LastTransitionTime.Time
		n.Amount, n.Hint = amount, hint
		n.Key = KeyOf(kind, uid, c.Type, c.Reason, n.Since)
		out = append(out, n)
	}
	onSub := func(kind billingv1alpha1.NotificationKind, condType string) {
		if c := trueCondition(sub.Status.Conditions, condType); c != nil {
			add(kind, "Subscription", sub.Name, sub.UID, c, quoteOf(sub), describeSub)
		}
	}

	if rr := in.Active; rr != nil && rr.Name == sub.Status.ActiveRequest && !rr.Status.Phase.Finished() {
		amount := requestAmount(rr)
		if c := trueCondition(rr.Status.Conditions, billingv1alpha1.ConditionApprovalRequired); c != nil {
			add(billingv1alpha1.NotificationApprovalRequired, "RenewalRequest", rr.Name, rr.UID, c, amount,
				fmt.Sprintf("kubectl bss approve %s -n %s", rr.Name, rr.Namespace))
		}
		if c := trueCondition(rr.Status.Conditions, billingv1alpha1.ConditionPaymentPending); c != nil {
			after := in.PaymentPendingAfter
			if after <= 0 {
				after = billingv1alpha1.DefaultPaymentPendingAfter
			}
			if due := c.LastTransitionTime.Add(after); in.Now.Before(due) {
				wake = due
			} else {
				add(billingv1alpha1.NotificationPaymentPending, "RenewalRequest", rr.Name, rr.UID, c, amount,
					fmt.Sprintf("kubectl describe renewalrequest %s -n %s", rr.Name, rr.Namespace))
			}
		}
		if c := trueCondition(rr.Status.Conditions, billingv1alpha1.ConditionStalled); c != nil {
			add(billingv1alpha1.NotificationRenewalStalled, "RenewalRequest", rr.Name, rr.UID, c, amount,
				fmt.Sprintf("kubectl describe renewalrequest %s -n %s", rr.Name, rr.Namespace))
		}
	}
	onSub(billingv1alpha1.NotificationRenewalStalled, billingv1alpha1.ConditionStalled)
	if failed := renewalFailed(sub); failed != nil {
		add(billingv1alpha1.NotificationRenewalFailed, "Subscription", sub.Name, sub.UID, failed, quoteOf(sub), describeSub)
	}
	onSub(billingv1alpha1.NotificationAutoRenewOverdue, billingv1alpha1.ConditionAutoRenewOverdue)
	if sub.Status.ActiveRequest == "" {
		// While an attempt is under way ExpiringSoon follows its waits
		// (approval, payment), which have their own kinds; it flips as
		// the attempt moves on, and would page on-call at each step.
		onSub(billingv1alpha1.NotificationExpiringWithoutPlan, billingv1alpha1.ConditionExpiringSoon)
	}
	return out, wake
}

// renewalFailed is the pseudo-condition of a failed attempt: the
// Subscription counts failures and holds no active request between an
// attempt that ended without renewing and the next one. Its "transition"
// is the failed attempt (its revision), so each failed attempt is one
// notice.
func renewalFailed(sub *billingv1alpha1.Subscription) *metav1.Condition {
	st := sub.Status
	if st.FailureCount == 0 || st.ActiveRequest != "" || st.RenewalRevision == 0 {
		return nil
	}
	msg := fmt.Sprintf("renewal %s-r%d ended without renewing (%d consecutive failed attempts)", sub.Name, st.RenewalRevision, st.FailureCount)
	if st.NextAttemptTime != nil {
		msg += "; next attempt at " + st.NextAttemptTime.UTC().Format(time.RFC3339)
	}
	return &metav1.Condition{Type: "RenewalAttempt", Reason: fmt.Sprintf("Revision%d", st.RenewalRevision), Message: msg}
}

// trueCondition returns the condition of that type if it is True.
func trueCondition(conds []metav1.Condition, typ string) *metav1.Condition {
	c := meta.FindStatusCondition(conds, typ)
	if c == nil || c.Status != metav1.ConditionTrue {
		return nil
	}
	return c
}

// requestAmount is what a renewal costs: the amount paid, else the quote.
func requestAmount(rr *billingv1alpha1.RenewalRequest) *billingv1alpha1.Money {
	if rr.Status.AmountPaid != nil {
		return rr.Status.AmountPaid
	}
	if rr.Status.Quote != nil {
		return &rr.Status.Quote.Price
	}
	return nil
}

// quoteOf is the Subscription's latest renewal quote, nil when none.
func quoteOf(sub *billingv1alpha1.Subscription) *billingv1alpha1.Money {
	if sub.Status.LastQuote != nil {
		return &sub.Status.LastQuote.Price
	}
	return nil
}
