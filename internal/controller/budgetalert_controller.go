package controller

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// BudgetAlertReconciler reconciles BudgetAlert objects.
type BudgetAlertReconciler struct {
	Deps
}

// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=budgetalerts,verbs=get;list;watch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=budgetalerts/status,verbs=get;update;patch

// Reconcile is a placeholder until the BudgetAlert logic lands: it reads the
// object and changes nothing.
func (r *BudgetAlertReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var obj billingv1alpha1.BudgetAlert
	if err := r.Client.Get(ctx, req.NamespacedName, &obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	return ctrl.Result{}, nil
}

// SetupWithManager registers the reconciler.
func (r *BudgetAlertReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&billingv1alpha1.BudgetAlert{}).
		Named("budgetalert").
		Complete(r)
}
