package controller

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/fleet"
)

// reconcileDelete handles a Subscription being deleted. Only deletionPolicy
// Unsubscribe carries a finalizer, and it unsubscribes only when the
// confirm-unsubscribe annotation repeats the resource ID and the
// subscription is managed; otherwise deletion waits with a clear condition
// until a person confirms or switches the policy to Orphan.
func (r *SubscriptionReconciler) reconcileDelete(ctx context.Context, sub *billingv1alpha1.Subscription) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(sub, finalizerUnsubscribe) {
		return ctrl.Result{}, nil
	}
	now := r.Timing.Now()
	orig := sub.DeepCopy()
	if sub.Spec.DeletionPolicy != billingv1alpha1.DeletionUnsubscribe {
		return ctrl.Result{}, r.releaseFinalizer(ctx, sub)
	}
	if !fleet.MayUnsubscribe(sub) {
		// BSS released the resource already (status.releasedTime): there
		// is nothing to unsubscribe, and 6.3.3 is never called for it,
		// whoever deletes the Subscription (the operator deletes
		// discovered ones after the grace period).
		r.event(sub, "Normal", billingv1alpha1.ReasonResourceReleased, "Unsubscribe",
			"not unsubscribing %s: BSS released it at %s", sub.Spec.ResourceID, formatMetaTime(sub.Status.ReleasedTime))
		return ctrl.Result{}, r.releaseFinalizer(ctx, sub)
	}
	block := func(reason, msg string) (ctrl.Result, error) {
		if setCondition(&sub.Status.Conditions, now, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, reason, msg) {
			r.event(sub, "Warning", reason, "Unsubscribe", "%s", msg)
		}
		setCondition(&sub.Status.Conditions, now, billingv1alpha1.ConditionReady, metav1.ConditionFalse, reason, msg)
		if err := r.patchStatus(ctx, orig, sub, false, nil); err != nil {
			return settleWrite(err)
		}
		return ctrl.Result{RequeueAfter: r.Timing.Delay(5 * time.Minute)}, nil
	}
	if sub.Annotations[billingv1alpha1.AnnotationConfirmUnsubscribe] != sub.Spec.ResourceID {
		return block(billingv1alpha1.ReasonUnsubscribeUnconfirmed, fmt.Sprintf(
			"deletion waits: deletionPolicy is Unsubscribe, which releases resource %s; set annotation %s=%s to confirm, or set deletionPolicy Orphan to delete this object without unsubscribing",
			sub.Spec.ResourceID, billingv1alpha1.AnnotationConfirmUnsubscribe, sub.Spec.ResourceID))
	}
	if sub.Spec.ManagementPolicy != billingv1alpha1.ManagementManage || sub.Spec.Paused {
		return block(billingv1alpha1.ReasonObserving, "deletion waits: the subscription is in Observe mode or paused, which makes no write call; set managementPolicy Manage to unsubscribe, or deletionPolicy Orphan")
	}
	acct, err := r.Accounts.Resolve(ctx, sub.Namespace, sub.Spec.AccountRef.Name)
	if err != nil {
		if reason := accounts.ErrorReason(err); reason != "" {
			return block(reason, "deletion waits for a usable BillingAccount to unsubscribe: "+err.Error())
		}
		return ctrl.Result{}, err
	}
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	// Unsubscribing twice must not happen: look the resource up first; a
	// resource BSS no longer lists has already been released.
	found, err := r.Inventory.Lookup(bctx, acct.Key, acct.BSS, []string{sub.Spec.ResourceID})
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("look up %s before unsubscribing: %w", sub.Spec.ResourceID, err)
	}
	res, ok := found[sub.Spec.ResourceID]
	if ok && res.Status != bss.ResourceClosed {
		typ := bss.UnsubscribeAll
		if sub.Spec.UnsubscribeType == billingv1alpha1.UnsubscribeRenewalPeriodsOnly {
			typ = bss.UnsubscribeRenewalPeriods
		}
		out, err := acct.BSS.Unsubscribe(bctx, bss.UnsubscribeRequest{ResourceIDs: []string{res.ID}, Type: typ, ReasonType: 5,
			Reason: "Subscription " + sub.Namespace + "/" + sub.Name + " deleted with deletionPolicy Unsubscribe"})
		switch {
		case err == nil:
			r.event(sub, "Normal", billingv1alpha1.ReasonUnsubscribed, "Unsubscribe", "unsubscribed %s (%s), orders %v; %s",
				res.ID, sub.Spec.UnsubscribeType, out.OrderIDs, refundOf(bctx, acct.BSS, out.OrderIDs))
		case typ == bss.UnsubscribeRenewalPeriods && bss.HasCode(err, bss.CodeNoRenewedPeriods):
			// Nothing renewed is left to unsubscribe (6.3.3): the goal holds.
			r.event(sub, "Normal", billingv1alpha1.ReasonUnsubscribed, "Unsubscribe", "%s has no renewal periods left to unsubscribe", res.ID)
		case bss.IsAmbiguous(err) || bss.IsRetryable(err):
			// Look it up again next time; never call blindly twice.
			return ctrl.Result{RequeueAfter: r.Timing.Delay(time.Minute)}, nil
		default:
			return block(billingv1alpha1.ReasonRenewRefused, fmt.Sprintf("BSS refused to unsubscribe %s: %v", res.ID, bss.Describe(err)))
		}
	}
	return ctrl.Result{}, r.releaseFinalizer(ctx, sub)
}

// releaseFinalizer lets the object go.
func (r *SubscriptionReconciler) releaseFinalizer(ctx context.Context, sub *billingv1alpha1.Subscription) error {
	patch := client.MergeFrom(sub.DeepCopy())
	controllerutil.RemoveFinalizer(sub, finalizerUnsubscribe)
	// Already gone: the finalizer went with it.
	if err := client.IgnoreNotFound(r.Client.Patch(ctx, sub, patch)); err != nil {
		return fmt.Errorf("remove finalizer of %s: %w", sub.Name, err)
	}
	return nil
}

// refundOf describes the money an unsubscription returns (6.2.6: negative
// amounts are refunds, positive ones handling fees), for the Event that is
// the only record left once the object is gone. A refund BSS cannot list
// yet is said to be unknown, with the orders to look it up by.
func refundOf(ctx context.Context, cl bss.Client, orderIDs []string) string {
	net, fees := decimal.Zero, decimal.Zero
	currency := ""
	for _, id := range orderIDs {
		refunds, err := cl.ListRefunds(ctx, id)
		if err != nil {
			return fmt.Sprintf("refund not known yet (%v); see the unsubscription orders in the console", bss.Describe(err))
		}
		for _, rf := range refunds {
			if currency != "" && rf.Amount.Currency != "" && rf.Amount.Currency != currency {
				return "refund in several currencies; see the unsubscription orders in the console"
			}
			if rf.Amount.Currency != "" {
				currency = rf.Amount.Currency
			}
			if rf.Amount.Amount.IsPositive() {
				fees = fees.Add(rf.Amount.Amount)
			}
			net = net.Sub(rf.Amount.Amount)
		}
	}
	if currency == "" {
		return "no refund recorded"
	}
	return fmt.Sprintf("refund %s %s after a handling fee of %s %s", net.StringFixed(2), currency, fees.StringFixed(2), currency)
}
