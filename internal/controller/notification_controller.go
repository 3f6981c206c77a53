package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/notify"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// notifyRerun is how soon a pass that ran out of its delivery time looks
// again for the deliveries it left.
const notifyRerun = time.Second

// NotificationReconciler sends the notifications about a Subscription and
// its active RenewalRequest to the sinks of its BillingAccount
// (spec.notifications): it derives the notices from their conditions
// (notify.Derive), skips those already delivered or dropped (recorded in
// the Subscription's status.notifications, so a restart repeats nothing),
// posts the rest, and records the outcome. It writes nothing but
// status.notifications, through the shared status patcher; the
// Subscription reconciler never changes that field, so neither write
// undoes the other. Delivery is at least once: a record lost to a crash
// between the POST and the status write means one more POST, with the
// same idempotencyKey.
type NotificationReconciler struct {
	// Client reads (from the cache) and writes status.
	Client client.Client
	// APIReader reads a Subscription afresh after a write conflict.
	APIReader client.Reader
	// Secrets reads the sinks' webhook Secrets.
	Secrets *accounts.Resolver
	// Recorder emits events.k8s.io Events.
	Recorder events.EventRecorder
	// Timing tells business time and turns it into requeue delays.
	Timing Timing
	// Policy says where webhooks may be delivered.
	Policy notify.Policy
	// HTTP posts the webhooks; nil means Policy.Client(notify.DefaultTimeout).
	HTTP *http.Client
}

// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=subscriptions,verbs=get;list;watch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=subscriptions/status,verbs=get;patch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=renewalrequests,verbs=get;list;watch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=billingaccounts,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile delivers the due notifications of one Subscription. One pass
// spends at most one delivery timeout (notify.DefaultTimeout) posting;
// what it leaves is taken up by the next pass.
func (r *NotificationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var sub billingv1alpha1.Subscription
	if err := r.Client.Get(ctx, req.NamespacedName, &sub); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !sub.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	ctx = logf.IntoContext(ctx, logf.FromContext(ctx).WithValues("subscription", klog.KObj(&sub)))

	var acct billingv1alpha1.BillingAccount
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: sub.Namespace, Name: sub.Spec.AccountRef.Name}, &acct); err != nil {
		// Without the account there is nowhere to send anything; the
		// account watch brings the Subscription back when it appears.
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	var sinks []billingv1alpha1.NotificationSink
	var after time.Duration
	if spec := acct.Spec.Notifications; spec != nil {
		sinks = spec.Sinks
		if spec.PaymentPendingAfter != nil {
			after = spec.PaymentPendingAfter.Duration
		}
	}
	if len(sinks) == 0 && len(sub.Status.Notifications) == 0 {
		return ctrl.Result{}, nil
	}
	active, err := r.activeRequest(ctx, &sub)
	if err != nil {
		return ctrl.Result{}, err
	}

	now := r.Timing.Now()
	notices, wake := notify.Derive(notify.Input{Subscription: &sub, Active: active, PaymentPendingAfter: after, Now: now})
	records, due, retryAt := notify.Plan(sub.Status.Notifications, notices, sinks, now)
	if len(due) > 0 {
		// The cache may not show this notifier's latest write yet: plan
		// the posts on the records as stored, so as not to post twice.
		if err := r.APIReader.Get(ctx, req.NamespacedName, &sub); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
		records, due, retryAt = notify.Plan(sub.Status.Notifications, notices, sinks, now)
	}
	wake = renewal.Earliest(wake, retryAt)
	records, next, rerun := r.deliver(ctx, &sub, due, records, now)
	wake = renewal.Earliest(wake, next)

	if err := r.record(ctx, &sub, records); err != nil {
		return settleWrite(err)
	}
	switch {
	case rerun:
		return ctrl.Result{RequeueAfter: notifyRerun}, nil
	case !wake.IsZero():
		return ctrl.Result{RequeueAfter: r.Timing.Until(wake)}, nil
	}
	return ctrl.Result{}, nil
}

// activeRequest reads the Subscription's active RenewalRequest, nil when
// none is under way or it is gone.
func (r *NotificationReconciler) activeRequest(ctx context.Context, sub *billingv1alpha1.Subscription) (*billingv1alpha1.RenewalRequest, error) {
	if sub.Status.ActiveRequest == "" {
		return nil, nil
	}
	var rr billingv1alpha1.RenewalRequest
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: sub.Namespace, Name: sub.Status.ActiveRequest}, &rr); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("get RenewalRequest %s: %w", sub.Status.ActiveRequest, err)
	}
	return &rr, nil
}

// deliver posts the due deliveries, within one delivery timeout in all,
// and returns the records with their outcomes, the earliest retry it
// scheduled, and whether deliveries were left for lack of time. While a
// sink waits for a retry, its other deliveries wait too.
func (r *NotificationReconciler) deliver(ctx context.Context, sub *billingv1alpha1.Subscription, due []notify.Delivery,
	records []billingv1alpha1.NotificationRecord, now time.Time) ([]billingv1alpha1.NotificationRecord, time.Time, bool) {
	if len(due) == 0 {
		return records, time.Time{}, false
	}
	dctx, cancel := context.WithTimeout(ctx, notify.DefaultTimeout)
	defer cancel()
	var next time.Time
	// A sink waiting for a retry gets nothing new until then: its retry
	// (already in the wake-up time) brings the rest.
	failing := map[string]bool{}
	for _, rec := range records {
		if rec.State == billingv1alpha1.NotificationRetrying && rec.NextAttempt != nil && now.Before(rec.NextAttempt.Time) {
			failing[rec.Sink] = true
		}
	}
	rerun := false
	for _, d := range due {
		if failing[d.Sink.Name] {
			continue
		}
		if dctx.Err() != nil {
			rerun = true
			break
		}
		err := r.post(dctx, sub.Namespace, d)
		if err != nil && dctx.Err() != nil && ctx.Err() == nil {
			// The pass ran out of time, not the receiver: try again
			// soon without counting it against the sink.
			rerun = true
			break
		}
		o := notify.Settle(d, err, now)
		records = notify.Upsert(records, o.Record)
		if o.EventType != "" && r.Recorder != nil {
			r.Recorder.Eventf(sub, nil, o.EventType, o.Reason, "Notify", "%s", o.Message)
		}
		if o.Record.State == billingv1alpha1.NotificationRetrying {
			failing[d.Sink.Name] = true
			next = renewal.Earliest(next, o.Record.NextAttempt.Time)
		}
		logger(ctx).Info("notification", "kind", d.Notice.Kind, "sink", d.Sink.Name, "state", o.Record.State, "key", d.Notice.Key)
	}
	return records, next, rerun
}

// post sends one notice to one sink in the sink's format. A Secret that
// is missing or holds no URL is a failure worth retrying (someone may be
// creating it); a URL the webhook policy refuses is dropped.
func (r *NotificationReconciler) post(ctx context.Context, namespace string, d notify.Delivery) error {
	target, err := readWebhookURL(ctx, r.Secrets, r.Policy, namespace, d.Sink.WebhookSecretRef.Name)
	if err != nil {
		var refused *webhookRefused
		if errors.As(err, &refused) {
			return &notify.DeliveryError{Err: err}
		}
		return &notify.DeliveryError{Err: fmt.Errorf("sink %s: %w", d.Sink.Name, err)}
	}
	return notify.Sender{HTTP: r.HTTP, Policy: r.Policy}.Post(ctx, target, notify.Payload(d.Sink.Format, d.Notice))
}

// record writes status.notifications when it changed. The notifier is the
// only writer of that field, so after a conflict (the Subscription
// reconciler wrote meanwhile) it reads the Subscription afresh and writes
// its records again, rather than posting them a second time next pass.
func (r *NotificationReconciler) record(ctx context.Context, sub *billingv1alpha1.Subscription, records []billingv1alpha1.NotificationRecord) error {
	if equality.Semantic.DeepEqual(sub.Status.Notifications, records) {
		return nil
	}
	for attempt := 0; ; attempt++ {
		orig := sub.DeepCopy()
		sub.Status.Notifications = records
		err := writeStatus(ctx, r.Client, subscriptionStatus, orig, sub, false, nil)
		if err == nil || !apierrors.IsConflict(err) || attempt == 4 {
			return err
		}
		if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(sub), sub); err != nil {
			return fmt.Errorf("read Subscription %s after a conflict: %w", sub.Name, err)
		}
	}
}

// SetupWithManager registers the notifier: it looks at a Subscription
// when it or its RenewalRequests change, and when its account's
// notification settings change.
func (r *NotificationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&billingv1alpha1.Subscription{}).
		Owns(&billingv1alpha1.RenewalRequest{}, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		Watches(&billingv1alpha1.BillingAccount{}, handler.EnqueueRequestsFromMapFunc(
			func(ctx context.Context, obj client.Object) []reconcile.Request {
				return enqueueByIndex(ctx, r.Client, &billingv1alpha1.SubscriptionList{}, obj.GetNamespace(), indexSubscriptionAccount, obj.GetName())
			}), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Named("notifier").
		Complete(r)
}
