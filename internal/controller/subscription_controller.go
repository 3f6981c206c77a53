package controller

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// SubscriptionReconciler reconciles Subscription objects.
type SubscriptionReconciler struct {
	Deps
	// Changes carries Subscriptions whose resources changed in an
	// inventory refresh.
	Changes chan event.TypedGenericEvent[*billingv1alpha1.Subscription]
}

// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=subscriptions,verbs=get;list;watch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=subscriptions/status,verbs=get;update;patch

// Reconcile is a placeholder until the Subscription logic lands: it reads the
// object and changes nothing.
func (r *SubscriptionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var obj billingv1alpha1.Subscription
	if err := r.Client.Get(ctx, req.NamespacedName, &obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	return ctrl.Result{}, nil
}

// SetupWithManager registers the reconciler.
func (r *SubscriptionReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&billingv1alpha1.Subscription{}).
		Named("subscription").
		Complete(r)
}
