package controller

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// BillingAccountReconciler reconciles BillingAccount objects.
type BillingAccountReconciler struct {
	Deps
}

// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=billingaccounts,verbs=get;list;watch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=billingaccounts/status,verbs=get;update;patch

// Reconcile is a placeholder until the BillingAccount logic lands: it reads the
// object and changes nothing.
func (r *BillingAccountReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var obj billingv1alpha1.BillingAccount
	if err := r.Client.Get(ctx, req.NamespacedName, &obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	return ctrl.Result{}, nil
}

// SetupWithManager registers the reconciler.
func (r *BillingAccountReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&billingv1alpha1.BillingAccount{}).
		Named("billingaccount").
		Complete(r)
}
