package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/audit"
)

// finalizerUnsubscribe is set on Subscriptions whose deletionPolicy is
// Unsubscribe, and only on those: deleting any other Subscription, pruning it
// from Git or removing the CRDs never unsubscribes anything.
const finalizerUnsubscribe = "billing.bss-operator.io/unsubscribe"

// conflictRetry is how soon a reconcile that lost an optimistic-lock race
// (it read a stale cached object) runs again.
const conflictRetry = 200 * time.Millisecond

// syncHeartbeat is how often status.lastSyncTime is written when nothing
// else in the status changed.
const syncHeartbeat = time.Hour

// labelSubscription names the Subscription a RenewalRequest belongs to.
const labelSubscription = "billing.bss-operator.io/subscription"

// SubscriptionReconciler reconciles Subscriptions: it reads the resource
// from BSS, enforces the RenewalPolicy's mechanism (auto-renew, to-on-demand
// or neither), schedules renewals by creating RenewalRequests, and reports
// expiry.
type SubscriptionReconciler struct {
	Deps
	// Changes carries Subscriptions whose resources changed in an
	// inventory refresh.
	Changes chan event.TypedGenericEvent[*billingv1alpha1.Subscription]
	// MaxConcurrent is how many Subscriptions reconcile in parallel.
	MaxConcurrent int
	// QuoteHorizon is how long before its next renewal or cloud
	// auto-renew deduction a Manage Subscription keeps renewal quotes
	// (--quote-horizon); 0 is renewal.DefaultQuoteHorizon.
	QuoteHorizon time.Duration
	// APIReader reads a Subscription afresh when a status write
	// conflicts; nil turns every conflict into a requeue.
	APIReader client.Reader
}

// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=subscriptions,verbs=get;list;watch;patch;delete
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=subscriptions/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=subscriptions/finalizers,verbs=update
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=renewalrequests,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=renewalpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=billingaccounts,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one Subscription's cloud state in line with its policy.
func (r *SubscriptionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var sub billingv1alpha1.Subscription
	if err := r.Client.Get(ctx, req.NamespacedName, &sub); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	ctx = logf.IntoContext(ctx, logf.FromContext(ctx).WithValues("subscription", klog.KObj(&sub)))
	ctx = audit.WithSubject(ctx, func() audit.Subject { return subscriptionSubject(&sub) })

	if !sub.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, &sub)
	}
	if err := r.syncFinalizer(ctx, &sub); err != nil {
		return ctrl.Result{}, err
	}

	orig := sub.DeepCopy()
	st := &subState{sub: &sub, now: r.Timing.Now()}
	result, err := r.reconcileNormal(ctx, st)
	if errors.Is(err, errStaleRead) {
		// Nothing was written to BSS; the next pass reads the newer copy.
		return ctrl.Result{RequeueAfter: conflictRetry}, nil
	}
	var syncedAt *metav1.Time
	if st.synced {
		syncedAt = &metav1.Time{Time: st.now}
		if last := orig.Status.LastSyncTime; last == nil || st.now.Sub(last.Time) >= syncHeartbeat {
			sub.Status.LastSyncTime = syncedAt
		}
	}
	if perr := r.patchStatus(ctx, orig, &sub, err == nil, syncedAt); perr != nil {
		return settleWrite(perr)
	}
	if err == nil && st.deleteReleased {
		if derr := r.deleteReleased(ctx, &sub); derr != nil {
			return settleWrite(derr)
		}
		return ctrl.Result{}, nil
	}
	return result, err
}

// syncFinalizer keeps the unsubscribe finalizer exactly when the deletion
// policy needs it.
func (r *SubscriptionReconciler) syncFinalizer(ctx context.Context, sub *billingv1alpha1.Subscription) error {
	want := sub.Spec.DeletionPolicy == billingv1alpha1.DeletionUnsubscribe
	if want == controllerutil.ContainsFinalizer(sub, finalizerUnsubscribe) {
		return nil
	}
	patch := client.MergeFrom(sub.DeepCopy())
	if want {
		controllerutil.AddFinalizer(sub, finalizerUnsubscribe)
	} else {
		controllerutil.RemoveFinalizer(sub, finalizerUnsubscribe)
	}
	if err := r.Client.Patch(ctx, sub, patch); err != nil {
		return fmt.Errorf("update finalizer of %s: %w", sub.Name, err)
	}
	return nil
}

// patchStatus writes the status through the status subresource when it
// changed. observedGeneration is only advanced when the reconcile succeeded.
func (r *SubscriptionReconciler) patchStatus(ctx context.Context, orig, sub *billingv1alpha1.Subscription, succeeded bool, syncedAt *metav1.Time) error {
	// lastSyncTime alone would change on every pass: it is written with
	// other changes, and at least hourly as a heartbeat.
	var heartbeat func()
	if syncedAt != nil {
		heartbeat = func() { sub.Status.LastSyncTime = syncedAt }
	}
	err := writeStatus(ctx, r.Client, subscriptionStatus, orig, sub, succeeded, heartbeat)
	if !apierrors.IsConflict(err) || r.APIReader == nil {
		return err
	}
	// The notifier writes status.notifications on its own. A conflict
	// with it alone would drop what this pass recorded (a 6.3.4 call and
	// the settings it set, a correction time) and the next pass would
	// make the same BSS write again. When nothing but that field moved
	// since this pass read the Subscription, the pass's record is still
	// the truth: write it over the fresh copy.
	var fresh billingv1alpha1.Subscription
	if gerr := r.APIReader.Get(ctx, client.ObjectKeyFromObject(sub), &fresh); gerr != nil {
		return err
	}
	if !onlyNotifierMoved(orig, &fresh) {
		return err
	}
	rebased := fresh.DeepCopy()
	rebased.Status = *sub.Status.DeepCopy()
	rebased.Status.Notifications = fresh.Status.Notifications
	// The pass saw the spec of its own read, not a newer one.
	rebased.Generation = sub.Generation
	if werr := writeStatus(ctx, r.Client, subscriptionStatus, &fresh, rebased, succeeded, nil); werr != nil {
		return werr
	}
	sub.Status = rebased.Status
	return nil
}

// onlyNotifierMoved reports whether a Subscription's status differs from
// what a pass read in status.notifications at most, the one field the
// notifier owns.
func onlyNotifierMoved(read, fresh *billingv1alpha1.Subscription) bool {
	a, b := read.Status.DeepCopy(), fresh.Status.DeepCopy()
	a.Notifications, b.Notifications = nil, nil
	return equality.Semantic.DeepEqual(a, b)
}

// SetupWithManager registers the reconciler and its watches.
func (r *SubscriptionReconciler) SetupWithManager(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		For(&billingv1alpha1.Subscription{}).
		Owns(&billingv1alpha1.RenewalRequest{}, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		// Subscriptions of one resource judge each other's claims: a new
		// or deleted one wakes the others.
		Watches(&billingv1alpha1.Subscription{}, handler.EnqueueRequestsFromMapFunc(r.rivalsOf)).
		// Only the policy's spec matters to its Subscriptions; its status
		// (a count of them) changes as they come and go.
		Watches(&billingv1alpha1.RenewalPolicy{}, handler.EnqueueRequestsFromMapFunc(
			r.mapByIndex(indexSubscriptionPolicy)),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&billingv1alpha1.BillingAccount{}, handler.EnqueueRequestsFromMapFunc(
			r.mapByIndex(indexSubscriptionAccount)),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// Rotated credentials apply at once, also to subscriptions waiting
		// after BSS rejected the old ones.
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.subscriptionsOfSecret), builder.OnlyMetadata).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, r.MaxConcurrent)}).
		Named("subscription")
	if r.Changes != nil {
		b = b.WatchesRawSource(source.Channel(r.Changes,
			&handler.TypedEnqueueRequestForObject[*billingv1alpha1.Subscription]{}))
	}
	return b.Complete(r)
}

// subscriptionsOfSecret maps a credentials Secret to the Subscriptions of
// the accounts that use it.
func (r *SubscriptionReconciler) subscriptionsOfSecret(ctx context.Context, secret client.Object) []reconcile.Request {
	accounts, err := accountsUsingSecret(ctx, r.Client, secret)
	if err != nil {
		logf.FromContext(ctx).Error(err, "map Secret to Subscriptions")
		return nil
	}
	var out []reconcile.Request
	for _, a := range accounts {
		acct := &billingv1alpha1.BillingAccount{}
		acct.Namespace, acct.Name = secret.GetNamespace(), a
		out = append(out, r.mapByIndex(indexSubscriptionAccount)(ctx, acct)...)
	}
	return out
}

// mapByIndex enqueues the Subscriptions in the object's namespace whose
// field index matches the object's name.
func (r *SubscriptionReconciler) mapByIndex(index string) handler.MapFunc {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		return enqueueByIndex(ctx, r.Client, &billingv1alpha1.SubscriptionList{}, obj.GetNamespace(), index, obj.GetName())
	}
}
