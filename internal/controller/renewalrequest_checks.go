package controller

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// The checks of this file stand between a renewal attempt and money it was
// not authorized to spend (issue 16, paths 1, 3, 4 and 6). The decisions
// are pure functions of what was read; the reconciler reads and writes.

// renewSettleDelay is how long BSS may take, after a renew call ended, to
// show the order it placed in the order list (6.2.1) and among the
// resource's orders (6.3.1). A renew call that started less than the BSS
// write timeout plus this delay ago may still be under way, or its order
// may not show yet: a lookup then would find nothing and order again.
const renewSettleDelay = 30 * time.Second

// defaultWriteTimeout bounds a BSS write when no BSSTimeout is configured:
// a write is never left without a bound, or the quiet time after a renew
// call would have none either.
const defaultWriteTimeout = time.Minute

// statusWriteTimeout bounds the status write that records what a pass did,
// made even while the manager shuts down (see writeContext).
const statusWriteTimeout = 15 * time.Second

// foreignOrderSlack allows for the clock difference between the operator
// and BSS, and for both rounding times to whole seconds, when an order's
// create time (BSS's clock) is compared with the start of this attempt's
// first renew call (the operator's). It is kept small on purpose: an own
// order taken for a foreign one stops the attempt unpaid (a person looks),
// while a foreign order taken for an own one would be paid.
const foreignOrderSlack = 10 * time.Second

// writeTimeout bounds one BSS write.
func (d *Deps) writeTimeout() time.Duration {
	if d.BSSTimeout > 0 {
		return d.BSSTimeout
	}
	return defaultWriteTimeout
}

// writeContext is the context of a BSS write (renew, pay, cancel) and of
// the status write that records its answer. Manager shutdown does not
// cancel it: a SIGTERM must not cut a call already on the wire, whose
// outcome would then be unknown (issue 16, path 1). It is bounded by the
// write timeout, which the leader-election lease and the pod's termination
// grace period outlast (cmd/manager, config/manager).
func (d *Deps) writeContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}

// renewQuiet is the business time after the start of a renew call during
// which no pass of the attempt looks its order up or renews again: the
// write timeout plus the settling delay, in real time, scaled to business
// time for an accelerated clock.
func (d *Deps) renewQuiet() time.Duration {
	return time.Duration(float64(d.writeTimeout()+renewSettleDelay) * max(d.Timing.Speed, 1))
}

// renewQuietUntil returns when the quiet time after the latest renew call
// of the attempt ends, and whether it is still running at now. started is
// what this process remembers of the call (zero if nothing); the later of
// it and the recorded mark counts, so that a cached copy older than this
// process's own mark does not end the quiet time early.
func renewQuietUntil(rr *billingv1alpha1.RenewalRequest, started time.Time, quiet time.Duration, now time.Time) (time.Time, bool) {
	if m := rr.Status.RenewCallStartedAt; m != nil && m.After(started) {
		started = m.Time
	}
	if started.IsZero() {
		return time.Time{}, false
	}
	until := started.Add(quiet)
	return until, now.Before(until)
}

// resourceChange says what changed about the resource since the attempt
// was planned, or returns "" if it may still be renewed: BSS must still
// list it, its expiry must equal the attempt's baseline (a later one means
// it was renewed elsewhere), and cloud auto-renew must be off (expire_policy
// 3, digest §7.1 rule 7), or the cloud would renew it too. res is nil when
// BSS did not return the resource.
func resourceChange(res *bss.Resource, baseline time.Time) (reason, msg string) {
	switch {
	case res == nil:
		return billingv1alpha1.ReasonResourceNotFound, "BSS no longer lists the resource"
	case res.ExpireTime.After(baseline):
		return billingv1alpha1.ReasonRenewedElsewhere, fmt.Sprintf("renewed elsewhere: expiry moved from %s to %s",
			formatTime(baseline), formatTime(res.ExpireTime))
	case res.ExpireTime.Before(baseline):
		return billingv1alpha1.ReasonExpiryChanged, fmt.Sprintf("the expiry moved back from %s to %s (renewal terms unsubscribed?)",
			formatTime(baseline), formatTime(res.ExpireTime))
	case currentMechanism(res).autoRenew:
		return billingv1alpha1.ReasonAutoRenewSwitchedOn, "cloud auto-renew was switched on (expire_policy 3); the cloud renews the resource itself"
	}
	return "", ""
}

// firstRenewCall is when the attempt's first renew call started, or nil if
// it made none. An attempt recorded before firstRenewCallAt existed that
// counted calls made them after its intent: the intent bounds them.
func firstRenewCall(rr *billingv1alpha1.RenewalRequest) *metav1.Time {
	if rr.Status.FirstRenewCallAt == nil && rr.Status.RenewCalls > 0 {
		return rr.Status.OrderIntentTime
	}
	return rr.Status.FirstRenewCallAt
}

// foreignOrder reports whether a renewal order for the resource cannot
// have been placed by this attempt: the attempt never started a renew call
// (firstCall nil), or the order was created before its first one.
func foreignOrder(o *bss.Order, firstCall *metav1.Time) bool {
	if firstCall == nil {
		return true
	}
	return o.CreateTime.Before(firstCall.Add(-foreignOrderSlack))
}

// pendingOrderOwn reports whether the pending renewal order that made BSS
// refuse a renew call (CBC.99003100, digest §7.2 rule 12) can be this
// attempt's own. The refused call ordered nothing, so only an earlier call
// of the attempt can have placed it: there must be one (earlier counts the
// attempt's calls before the refused one), the order must not be older
// than the attempt's first call (foreignOrder), and it must be older than
// the refused call's start, less the clock slack. An earlier call is only
// followed by another after the write timeout and the settling delay
// (renewQuiet), which is longer than the slack, so its order is older than
// that; an order created around the refused call's start is someone
// else's, placed while the call was on the wire (a person in the console).
// Taken for the attempt's own, it would be paid without approval.
func pendingOrderOwn(o *bss.Order, earlier int32, first *metav1.Time, refusedStart time.Time) bool {
	return earlier > 0 && !foreignOrder(o, first) && o.CreateTime.Before(refusedStart.Add(-foreignOrderSlack))
}

// moneyLimit is one bound on what an order may cost; a nil limit is none.
type moneyLimit struct {
	what  string
	limit *billingv1alpha1.Money
}

// orderWithinApproval checks the amount of a placed order (6.2.2, after
// discounts, before the discount the operator applies when paying) against
// what was authorized: the quote the gates passed, spec.maxPrice unless a
// person approved a price above it, and spec.approval.maxAmount. It returns
// "" when the order may be paid, otherwise why not. An amount that cannot
// be compared (no quote, an unknown currency, a currency other than the
// limit's) is never paid: a check that cannot decide holds.
func orderWithinApproval(rr *billingv1alpha1.RenewalRequest, id string, amount bss.Money) string {
	price := toMoney(amount.Amount, amount.Currency)
	if price == nil {
		return fmt.Sprintf("order %s costs %s in currency %q, which cannot be compared with the quote", id, amount.Amount.StringFixed(2), amount.Currency)
	}
	if rr.Status.Quote == nil {
		return fmt.Sprintf("order %s costs %s but the attempt has no quote to compare it with", id, formatMoney(price))
	}
	limits := []moneyLimit{{"the quote the gates passed", &rr.Status.Quote.Price}}
	if rr.Status.ApprovalState != billingv1alpha1.ApprovalStateApproved {
		limits = append(limits, moneyLimit{"spec.maxPrice", rr.Spec.MaxPrice})
	}
	if a := rr.Spec.Approval; a != nil && a.Decision == billingv1alpha1.DecisionApprove {
		limits = append(limits, moneyLimit{"the maximum " + a.Approver + " approved", a.MaxAmount})
		// The amount the approval was bound to when it was applied (the
		// quote the person saw, when they gave no maximum).
		limits = append(limits, moneyLimit{"the amount approved", rr.Status.ApprovedAmount})
	}
	for _, l := range limits {
		over, err := renewal.Exceeds(*price, l.limit)
		switch {
		case err != nil:
			return fmt.Sprintf("order %s costs %s, which cannot be compared with %s %s: %v", id, formatMoney(price), l.what, formatMoney(l.limit), err)
		case over:
			return fmt.Sprintf("order %s costs %s, above %s (%s)", id, formatMoney(price), l.what, formatMoney(l.limit))
		}
	}
	return ""
}

// resourceChanged reads the resource from BSS (6.3.1 by ID, not the
// inventory view, which may be an hour old) and ends the attempt, with
// nothing ordered, if it changed since the attempt was planned (see
// resourceChange). It reports whether it ended the attempt.
func (r *RenewalRequestReconciler) resourceChanged(ctx context.Context, st *rrState) (bool, error) {
	rr := st.rr
	found, err := r.Inventory.Lookup(ctx, st.acct.Key, st.acct.BSS, []string{rr.Spec.ResourceID})
	if err != nil {
		return false, err
	}
	var res *bss.Resource
	if x, ok := found[rr.Spec.ResourceID]; ok {
		res = &x
	}
	reason, msg := resourceChange(res, rr.Spec.BaselineExpireTime.Time)
	if reason == "" {
		return false, nil
	}
	msg = fmt.Sprintf("resource %s changed while the attempt waited: %s; nothing was ordered", rr.Spec.ResourceID, msg)
	r.event(rr, "Warning", reason, "Renew", "%s", msg)
	r.endBecause(st, billingv1alpha1.RenewalPhaseFailed, reason, msg)
	return true, nil
}

// endBecause finishes the attempt in phase with a reason constant that the
// Ready and Stalled conditions carry.
func (r *RenewalRequestReconciler) endBecause(st *rrState, phase billingv1alpha1.RenewalPhase, reason, msg string) {
	r.end(st, phase, msg)
	st.reason = reason
}
