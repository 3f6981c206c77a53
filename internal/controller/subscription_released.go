package controller

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/fleet"
)

// reportReleased marks a Subscription whose resource BSS released: status
// releasedTime (when first seen), condition ResourceReleased, no expiry
// and no plan; and, for a discovered Subscription past its account's
// releasedGracePeriod, asks for its deletion. Nothing here calls BSS.
func (r *SubscriptionReconciler) reportReleased(st *subState, cause fleet.ReleaseCause) {
	sub := st.sub
	st.synced = true
	if sub.Status.ReleasedTime == nil {
		sub.Status.ReleasedTime = &metav1.Time{Time: st.now.Truncate(time.Second)}
	}
	since := sub.Status.ReleasedTime.Time
	// What the status said about a live resource no longer holds.
	sub.Status.ExpireTime = nil
	sub.Status.RenewalTime = nil
	for _, c := range []string{billingv1alpha1.ConditionExpiringSoon, billingv1alpha1.ConditionAutoRenewOverdue, billingv1alpha1.ConditionDriftDetected} {
		meta.RemoveStatusCondition(&sub.Status.Conditions, c)
	}

	msg := fmt.Sprintf("resource %s was released in BSS: %s; first seen released at %s", sub.Spec.ResourceID, cause, formatTime(since))
	var grace time.Duration
	if st.acct != nil {
		grace = st.acct.Object.Spec.Discovery.GracePeriod()
	}
	del, at := fleet.ReleasedDeletion(sub.Labels, sub.Status.ReleasedTime, grace, st.now)
	switch {
	case del:
		st.deleteReleased = true
		msg += "; this discovered Subscription is deleted now"
	case !at.IsZero():
		st.wakeAt(at)
		msg += fmt.Sprintf("; this discovered Subscription will be deleted at %s (BillingAccount %q spec.discovery.releasedGracePeriod %s)",
			formatTime(at), sub.Spec.AccountRef.Name, grace)
	default:
		msg += "; the operator keeps this Subscription and never deletes it: delete it (or remove it from Git) when it is no longer wanted"
	}
	if sub.Status.ActiveRequest != "" {
		// The request looks the resource up before ordering and ends
		// without one (renewalrequest_checks.go).
		msg += "; renewal " + sub.Status.ActiveRequest + " stops without ordering"
	}
	if setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionResourceReleased, metav1.ConditionTrue, billingv1alpha1.ReasonResourceReleased, msg) {
		r.event(sub, "Warning", billingv1alpha1.ReasonResourceReleased, "Observe", "%s", msg)
	}
	sub.Status.PlannedAction = "none: the resource was released in BSS"
	keeps := st.policy != nil && st.policy.Spec.Mode != billingv1alpha1.RenewalModeLapse
	if st.acting() && keeps {
		// The policy keeps a resource that no longer exists: a dead end a
		// person resolves by deleting the Subscription (kstatus Failed,
		// Argo CD Degraded), as a managed expiry with no renewal is.
		st.summary.stalled(billingv1alpha1.ReasonResourceReleased, msg+"; its RenewalPolicy keeps it, but there is nothing left to renew")
		return
	}
	// Observe, paused or Lapse: the operator was not going to act, so the
	// release is reported and the object is in its final state (kstatus
	// Current, Argo CD Healthy), not waiting forever.
	st.summary.ready(billingv1alpha1.ReasonResourceReleased, msg)
}

// clearReleased forgets a release: BSS lists the resource again.
func clearReleased(sub *billingv1alpha1.Subscription) {
	sub.Status.ReleasedTime = nil
	meta.RemoveStatusCondition(&sub.Status.Conditions, billingv1alpha1.ConditionResourceReleased)
}

// deleteReleased deletes a discovered Subscription whose resource was
// released for longer than its account's grace period, and says why in an
// Event on the BillingAccount (which outlives it). The preconditions make
// the delete apply only to the object this pass judged: a Subscription
// recreated or changed since (say, relabelled by a person) is judged again.
// Its deletion never unsubscribes (fleet.MayUnsubscribe).
func (r *SubscriptionReconciler) deleteReleased(ctx context.Context, sub *billingv1alpha1.Subscription) error {
	uid, rv := sub.UID, sub.ResourceVersion
	if err := r.Client.Delete(ctx, sub, client.Preconditions{UID: &uid, ResourceVersion: &rv}); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("delete released Subscription %s: %w", sub.Name, err)
	}
	if r.Recorder != nil {
		// On the account, which outlives the Subscription; on the
		// Subscription itself if the account cannot be read.
		var regarding client.Object = sub
		var acct billingv1alpha1.BillingAccount
		if r.Client.Get(ctx, client.ObjectKey{Namespace: sub.Namespace, Name: sub.Spec.AccountRef.Name}, &acct) == nil {
			regarding = &acct
		}
		r.Recorder.Eventf(regarding, sub, "Normal", billingv1alpha1.ReasonReleasedSubscriptionDeleted, "Delete",
			"deleted discovered Subscription %s: resource %s was released in BSS at %s, longer ago than spec.discovery.releasedGracePeriod",
			sub.Name, sub.Spec.ResourceID, formatMetaTime(sub.Status.ReleasedTime))
	}
	logger(ctx).Info("deleted released discovered Subscription", "resourceID", sub.Spec.ResourceID)
	return nil
}
