package controller

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bssoutcome"
	"github.com/bss-operator/bss-operator/internal/fleet"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// subState is what one reconcile of a Subscription has learned so far.
type subState struct {
	sub    *billingv1alpha1.Subscription
	now    time.Time
	acct   *accounts.Resolved
	cl     bss.Client // read-only unless the subscription may act
	policy *billingv1alpha1.RenewalPolicy
	res    *bss.Resource
	active *billingv1alpha1.RenewalRequest
	// wake is the earliest business time the subscription needs another look.
	wake time.Time
	// summary decides Ready, Reconciling and Stalled at the end.
	summary readiness
	// synced is true when BSS's view of the resource was read.
	synced bool
	// expiredMessage is set when a managed subscription expired although
	// its policy keeps it; judgeExpired decides what it means.
	expiredMessage string
	// autoRenewOverdue is true when the cloud's auto-renew deduction should
	// have moved the expiry and did not.
	autoRenewOverdue bool
	// released says how BSS released the resource; empty while it is not.
	released fleet.ReleaseCause
	// deleteReleased is true when this discovered Subscription's resource
	// was released for longer than the grace period: it is deleted once
	// its status is written.
	deleteReleased bool
}

// acting reports whether the operator may make write calls for this
// subscription: Manage mode and not paused.
func (s *subState) acting() bool {
	return s.sub.Spec.ManagementPolicy == billingv1alpha1.ManagementManage && !s.sub.Spec.Paused
}

// wakeAt asks for another look at t (if it is in the future and earlier
// than what was asked so far).
func (s *subState) wakeAt(t time.Time) {
	if t.IsZero() {
		return
	}
	if !t.After(s.now) {
		t = s.now.Add(time.Second)
	}
	if s.wake.IsZero() || t.Before(s.wake) {
		s.wake = t
	}
}

// refreshInterval is the account's inventory refresh interval.
func (s *subState) refreshInterval() time.Duration {
	if s.acct != nil && s.acct.Object.Spec.RefreshInterval != nil && s.acct.Object.Spec.RefreshInterval.Duration > 0 {
		return s.acct.Object.Spec.RefreshInterval.Duration
	}
	return billingv1alpha1.DefaultAccountRefreshInterval
}

// reconcileNormal runs the steps of a live Subscription.
func (r *SubscriptionReconciler) reconcileNormal(ctx context.Context, st *subState) (ctrl.Result, error) {
	defer r.summarize(st)

	if err := r.resolveAccount(ctx, st); err != nil || st.acct == nil {
		return r.result(st), err
	}
	// Look again after the account's refresh interval, spread by a stable
	// jitter of up to 10% so that thousands of subscriptions do not wake
	// together; inventory changes wake them earlier.
	interval := st.refreshInterval()
	st.wakeAt(st.now.Add(interval + time.Duration(renewal.JitterFraction(st.sub.UID, "resync")*float64(interval)/10)))
	if err := r.resolvePolicy(ctx, st); err != nil {
		return r.result(st), err
	}
	if err := r.observeResource(ctx, st); err != nil || st.res == nil {
		if err == nil && st.released != "" {
			// No mechanism, no renewal, no quote: nothing is written to
			// BSS for a released resource.
			r.reportReleased(st, st.released)
		}
		return r.result(st), err
	}
	owner, err := r.duplicateOf(ctx, st)
	if err != nil {
		return r.result(st), err
	}
	if owner != nil {
		// Another Subscription owns the resource: no quote, no renewal,
		// no mechanism write; only an attempt started before is followed
		// to its end (issue 16, path 4).
		r.reportDuplicate(st, owner)
		return r.result(st), r.followLeftover(ctx, st)
	}
	r.reportExpired(st)
	r.reportAutoRenew(st)
	if st.policy != nil {
		if err := r.enforceMechanism(ctx, st); err != nil {
			return r.result(st), err
		}
		if st.policy.Spec.Mode == billingv1alpha1.RenewalModeRenew {
			if err := r.reconcileRenewal(ctx, st); err != nil {
				return r.result(st), err
			}
		} else {
			if err := r.followLeftover(ctx, st); err != nil {
				return r.result(st), err
			}
			r.clearRenewalPlan(st)
			r.keepQuotes(ctx, st, r.quoteInput(st))
		}
	} else {
		if err := r.followLeftover(ctx, st); err != nil {
			return r.result(st), err
		}
		r.clearRenewalPlan(st)
		r.keepQuotes(ctx, st, r.quoteInput(st))
		st.sub.Status.PlannedAction = "none: no RenewalPolicy; the operator only reports"
	}
	r.reconcilePayPerUsePrices(ctx, st)
	r.judgeExpired(st)
	r.reportExpiringSoon(st)
	if err := r.pruneHistory(ctx, st); err != nil {
		return r.result(st), err
	}
	return r.result(st), nil
}

// followLeftover keeps following an attempt started under a Renew policy
// after the policy changed: its outcome must still be recorded (the
// RenewalRequest itself stops before ordering).
func (r *SubscriptionReconciler) followLeftover(ctx context.Context, st *subState) error {
	if st.sub.Status.ActiveRequest == "" {
		return nil
	}
	_, err := r.followActiveRequest(ctx, st)
	return err
}

// result turns the wake-up time into a requeue.
func (r *SubscriptionReconciler) result(st *subState) ctrl.Result {
	if st.wake.IsZero() {
		return ctrl.Result{RequeueAfter: r.Timing.Delay(time.Minute)}
	}
	return ctrl.Result{RequeueAfter: r.Timing.Until(st.wake)}
}

// resolveAccount finds the account and its client. A missing or unusable
// account is reported, not retried in a hot loop (the account watch
// re-queues the subscription when it changes).
func (r *SubscriptionReconciler) resolveAccount(ctx context.Context, st *subState) error {
	acct, err := r.Accounts.Resolve(ctx, st.sub.Namespace, st.sub.Spec.AccountRef.Name)
	if err != nil {
		if reason := accounts.ErrorReason(err); reason != "" {
			st.summary.notReady(reason, err.Error())
			st.wakeAt(st.now.Add(5 * time.Minute))
			return nil
		}
		return err
	}
	st.acct = acct
	st.cl = acct.BSS
	if !st.acting() {
		// Observe and paused subscriptions make no write call at all.
		st.cl = bss.ReadOnly(acct.BSS)
	}
	return nil
}

// resolvePolicy reads the RenewalPolicy, if one is referenced.
func (r *SubscriptionReconciler) resolvePolicy(ctx context.Context, st *subState) error {
	ref := st.sub.Spec.RenewalPolicyRef
	if ref == nil {
		return nil
	}
	var pol billingv1alpha1.RenewalPolicy
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: st.sub.Namespace, Name: ref.Name}, &pol); err != nil {
		if apierrors.IsNotFound(err) {
			st.summary.notReady(billingv1alpha1.ReasonPolicyNotFound,
				fmt.Sprintf("RenewalPolicy %q not found in namespace %q; nothing will be done until it exists", ref.Name, st.sub.Namespace))
			return nil
		}
		return fmt.Errorf("get RenewalPolicy %s: %w", ref.Name, err)
	}
	st.policy = &pol
	return nil
}

// observeResource reads the resource from the account's shared inventory,
// looking it up by ID when the listing does not have it, and writes what
// BSS reports into status.
func (r *SubscriptionReconciler) observeResource(ctx context.Context, st *subState) error {
	sub := st.sub
	key := st.acct.Key
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	if err := r.Inventory.Ensure(bctx, key, st.acct.BSS, st.refreshInterval()); err != nil {
		return r.bssTrouble(st, "refresh the inventory", err)
	}
	if v := sub.Annotations[billingv1alpha1.AnnotationRefresh]; v != "" && v != sub.Status.RefreshHandled {
		// An explicit refresh request (kubectl bss refresh) reads this
		// resource afresh and re-quotes, once per annotation value.
		if _, err := r.Inventory.Lookup(bctx, key, st.acct.BSS, []string{sub.Spec.ResourceID}); err != nil {
			return r.bssTrouble(st, "look the resource up", err)
		}
		sub.Status.RefreshHandled = v
		clearQuotes(&sub.Status)
	}
	res, ok := r.Inventory.Get(key, sub.Spec.ResourceID)
	if !ok {
		found, err := r.Inventory.Lookup(bctx, key, st.acct.BSS, []string{sub.Spec.ResourceID})
		if err != nil {
			return r.bssTrouble(st, "look the resource up", err)
		}
		if res, ok = found[sub.Spec.ResourceID]; !ok {
			if st.released = fleet.ReleasedBy(false, 0, fleet.SeenBefore(sub)); st.released != "" {
				return nil
			}
			// Never read under this spec: what status says of a resource
			// is stale (another account's, say), and must not make a later
			// pass take this for a release.
			sub.Status.Resource = nil
			sub.Status.ExpireTime = nil
			st.summary.stalled(billingv1alpha1.ReasonResourceNotFound, fmt.Sprintf(
				"BSS has no yearly/monthly resource %q for BillingAccount %q (6.3.1 lists only resources that were provisioned); check spec.resourceID",
				sub.Spec.ResourceID, sub.Spec.AccountRef.Name))
			return nil
		}
	}
	if st.released = fleet.ReleasedBy(true, res.Status, fleet.SeenBefore(sub)); st.released != "" {
		return nil
	}
	clearReleased(sub)
	st.res = &res
	sub.Status.Resource = observed(res, r.Inventory.Attached(key, res.ID))
	sub.Status.ExpireTime = metaTime(res.ExpireTime)
	st.synced = true

	if !res.IsMain {
		primary := res.ParentResourceID
		sub.Status.Resource.PrimaryResourceID = primary
		st.summary.stalled(billingv1alpha1.ReasonAttachedResource, fmt.Sprintf(
			"%s is an attached resource of primary resource %s; BSS renews primary resources only, together with their attached resources (6.3.2, CBC.30010036): set spec.resourceID to %s",
			res.ID, primary, primary))
		sub.Status.PlannedAction = "none: attached resource (see the Stalled condition)"
		st.res = nil
		return nil
	}
	return nil
}

// bssTrouble reports a failed BSS call. Throttling and transient errors
// are retried later without an error return (no hot loop); credential
// problems are Stalled.
func (r *SubscriptionReconciler) bssTrouble(st *subState, what string, err error) error {
	o := bssoutcome.Of(what, err)
	if o.Reason == billingv1alpha1.ReasonCredentialsRejected {
		o.Message = fmt.Sprintf("BSS rejected the credentials of BillingAccount %q: %s", st.sub.Spec.AccountRef.Name, o.Message)
	}
	if o.Stalled {
		st.summary.stalled(o.Reason, o.Message)
	} else {
		st.summary.notReady(o.Reason, o.Message)
	}
	st.wakeAt(st.now.Add(o.RetryAfter))
	return nil
}

// reportExpired sets the Expired condition.
func (r *SubscriptionReconciler) reportExpired(st *subState) {
	res := st.res
	expired := res.Status == bss.ResourceExpired || !st.now.Before(res.ExpireTime)
	if expired {
		if setCondition(&st.sub.Status.Conditions, st.now, billingv1alpha1.ConditionExpired, metav1.ConditionTrue, billingv1alpha1.ReasonExpired,
			fmt.Sprintf("the subscription expired at %s (BSS status %s)", formatTime(res.ExpireTime), res.Status)) {
			r.event(st.sub, "Warning", billingv1alpha1.ReasonExpired, "Observe", "Subscription %s expired at %s", st.sub.Spec.ResourceID, formatTime(res.ExpireTime))
		}
		msg := fmt.Sprintf("the resource expired at %s", formatTime(res.ExpireTime))
		switch lapsing := st.policy != nil && st.policy.Spec.Mode == billingv1alpha1.RenewalModeLapse; {
		case lapsing:
			// Expired as the policy declares: the operator did what it
			// was told, so the object is Ready (kstatus Current), not
			// waiting forever (issue 16, path 12).
			st.summary.ready(billingv1alpha1.ReasonLapsed, msg+", as its Lapse policy declares")
		case st.acting():
			// Judged once the renewal step has run: with a renewal under
			// way it is in progress, without one a dead end.
			st.expiredMessage = msg
		default:
			st.summary.notReady(billingv1alpha1.ReasonExpired, msg)
		}
		return
	}
	setCondition(&st.sub.Status.Conditions, st.now, billingv1alpha1.ConditionExpired, metav1.ConditionFalse, billingv1alpha1.ReasonNotExpired,
		fmt.Sprintf("expires at %s", formatTime(res.ExpireTime)))
	st.wakeAt(res.ExpireTime)
}

// judgeExpired finishes the report of a managed subscription that expired
// although its policy keeps it. With a renewal under way (BSS renews
// within the grace period) it is InProgress: not Ready, Reconciling. With
// none, it is a dead end a person must look at (Stalled, kstatus Failed).
func (r *SubscriptionReconciler) judgeExpired(st *subState) {
	msg := st.expiredMessage
	if msg == "" {
		return
	}
	if active := st.sub.Status.ActiveRequest; active != "" {
		st.summary.notReady(billingv1alpha1.ReasonExpired, msg+"; renewal "+active+" is under way")
		st.summary.working(billingv1alpha1.ReasonRenewing, "renewal "+active+" of the expired resource is under way")
		return
	}
	st.summary.stalled(billingv1alpha1.ReasonExpired, msg+" although the policy keeps it; renew it in the console within the grace period, or change the policy")
}

// event emits an Event about the Subscription.
func (r *SubscriptionReconciler) event(obj client.Object, eventType, reason, action, note string, args ...any) {
	if r.Recorder != nil {
		r.Recorder.Eventf(obj, nil, eventType, reason, action, note, args...)
	}
}

// logger returns the reconcile's logger.
func logger(ctx context.Context) interface {
	Info(msg string, keysAndValues ...any)
} {
	return logf.FromContext(ctx).V(1)
}
