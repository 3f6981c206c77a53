package controller

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// A cloud auto-renew that fails is silent (issue 16, path 11): while
// auto-renew is on, ExpiringSoon stays False. Digest §7.3 (rule 24, 6.3.4):
// BSS deducts the fee at 03:00 seven days before expiry and, if that
// fails (for example for a low balance), tries again at 03:00 every day.
// The time zone is not stated: the day seven days before the expiry date
// at 03:00 is, in any zone, before expiry minus six days. A successful
// deduction moves the expiry a period on. So once expiry minus six days
// has passed (plus the time the inventory needs to read the new expiry)
// and the expiry is still that close, the deduction failed.

// autoRenewDeductionBy is how long before expiry the first auto-renew
// deduction has happened, in every reading of digest §7.3.
const autoRenewDeductionBy = 6 * 24 * time.Hour

// autoRenewSettle is how long after the deduction BSS may take to show
// the new expiry, before the inventory refresh interval is added.
const autoRenewSettle = time.Hour

// autoRenewOverdueAt is when a deduction not yet reflected in the expiry
// is overdue: expiry minus six days, plus the settling time and the
// inventory's refresh interval.
func autoRenewOverdueAt(expire time.Time, refresh time.Duration) time.Time {
	return expire.Add(-autoRenewDeductionBy).Add(autoRenewSettle + refresh)
}

// autoRenewOverdue reports whether the cloud's auto-renew should have
// renewed by now and did not: auto-renew is on, the overdue time passed,
// and the resource has not expired yet (Expired reports it after that).
// It also returns the overdue time, to wake up then.
func autoRenewOverdue(autoRenew bool, expire, now time.Time, refresh time.Duration) (bool, time.Time) {
	if !autoRenew || expire.IsZero() {
		return false, time.Time{}
	}
	at := autoRenewOverdueAt(expire, refresh)
	return !now.Before(at) && now.Before(expire), at
}

// reportAutoRenew sets AutoRenewOverdue (present only while True) and
// remembers the verdict for the renewal path of ExpiringSoon.
func (r *SubscriptionReconciler) reportAutoRenew(st *subState) {
	conds := &st.sub.Status.Conditions
	overdue, at := autoRenewOverdue(st.res.AutoRenew(), st.res.ExpireTime, st.now, st.refreshInterval())
	st.autoRenewOverdue = overdue
	if !overdue {
		meta.RemoveStatusCondition(conds, billingv1alpha1.ConditionAutoRenewOverdue)
		if !at.IsZero() && st.now.Before(at) {
			st.wakeAt(at)
		}
		return
	}
	msg := fmt.Sprintf("the cloud's auto-renew is on, but the expiry is still %s: BSS deducts the fee at 03:00 seven days before expiry and retries daily (6.3.4), "+
		"so the deduction failed (is the balance enough?); top up the account or renew in the console before expiry", formatTime(st.res.ExpireTime))
	if setCondition(conds, st.now, billingv1alpha1.ConditionAutoRenewOverdue, metav1.ConditionTrue, billingv1alpha1.ReasonAutoRenewOverdue, msg) {
		r.event(st.sub, "Warning", billingv1alpha1.ReasonAutoRenewOverdue, "Observe", "%s: %s", st.res.ID, msg)
	}
	// Look again after tomorrow's 03:00 attempt has had time to show.
	st.wakeAt(st.now.Add(6 * time.Hour))
}
