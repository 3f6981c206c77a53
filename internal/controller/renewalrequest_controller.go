package controller

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// RenewalRequestReconciler reconciles RenewalRequest objects.
type RenewalRequestReconciler struct {
	Deps
	// MaxConcurrent is how many RenewalRequests reconcile in parallel.
	MaxConcurrent int
}

// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=renewalrequests,verbs=get;list;watch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=renewalrequests/status,verbs=get;update;patch

// Reconcile is a placeholder until the RenewalRequest logic lands: it reads the
// object and changes nothing.
func (r *RenewalRequestReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var obj billingv1alpha1.RenewalRequest
	if err := r.Client.Get(ctx, req.NamespacedName, &obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	return ctrl.Result{}, nil
}

// SetupWithManager registers the reconciler.
func (r *RenewalRequestReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&billingv1alpha1.RenewalRequest{}).
		Named("renewalrequest").
		Complete(r)
}
