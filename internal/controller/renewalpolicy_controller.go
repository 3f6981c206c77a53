package controller

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// RenewalPolicyReconciler reconciles RenewalPolicies: it checks what the
// schema cannot (lead times, the window's time zone, the budget reference)
// and counts the Subscriptions that use the policy. It never calls BSS.
type RenewalPolicyReconciler struct {
	Deps
}

// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=renewalpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=renewalpolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=budgetalerts,verbs=get;list;watch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=subscriptions,verbs=get;list;watch

// Reconcile validates one policy and writes its status.
func (r *RenewalPolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var pol billingv1alpha1.RenewalPolicy
	if err := r.Client.Get(ctx, req.NamespacedName, &pol); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	orig := pol.DeepCopy()
	now := r.Timing.Now()
	var sum readiness
	if reason, msg, err := r.validate(ctx, &pol); err != nil {
		return ctrl.Result{}, err
	} else if reason != "" {
		sum.stalled(reason, msg)
	} else {
		sum.ready(billingv1alpha1.ReasonValid, fmt.Sprintf("mode %s is valid", pol.Spec.Mode))
	}
	// Only counted: the cached objects are not copied (10,000 copies per
	// pass were most of the manager's CPU under load).
	var subs billingv1alpha1.SubscriptionList
	if err := r.Client.List(ctx, &subs, client.InNamespace(pol.Namespace),
		client.MatchingFields{indexSubscriptionPolicy: pol.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, fmt.Errorf("list Subscriptions of RenewalPolicy %s: %w", pol.Name, err)
	}
	pol.Status.Subscriptions = int32(min(len(subs.Items), 1<<30))
	sum.apply(&pol.Status.Conditions, now)
	return settleWrite(writeStatus(ctx, r.Client, renewalPolicyStatus, orig, &pol, true, nil))
}

// validate returns a reason and message when the policy cannot be used.
func (r *RenewalPolicyReconciler) validate(ctx context.Context, pol *billingv1alpha1.RenewalPolicy) (string, string, error) {
	if w := pol.Spec.WarnBefore; w != nil && w.Duration < 0 {
		return billingv1alpha1.ReasonPolicyInvalid, fmt.Sprintf("warnBefore %s: must not be negative", w.Duration), nil
	}
	renew := pol.Spec.Renew
	if renew == nil {
		return "", "", nil
	}
	if msg := leadTimeProblem(renew); msg != "" {
		return billingv1alpha1.ReasonPolicyInvalid, msg, nil
	}
	if msg := windowProblem(renew.Window, r.Timing.Now()); msg != "" {
		return billingv1alpha1.ReasonPolicyInvalid, msg, nil
	}
	if ref := renew.BudgetAlertRef; ref != nil {
		var b billingv1alpha1.BudgetAlert
		if err := r.Client.Get(ctx, client.ObjectKey{Namespace: pol.Namespace, Name: ref.Name}, &b); err != nil {
			if apierrors.IsNotFound(err) {
				return billingv1alpha1.ReasonBudgetNotFound, fmt.Sprintf("BudgetAlert %q does not exist; renewals under this policy are held until it does", ref.Name), nil
			}
			return "", "", fmt.Errorf("get BudgetAlert %s: %w", ref.Name, err)
		}
	}
	return "", "", nil
}

// leadTimeProblem describes what is wrong with the renewal lead time, or
// "". The schema refuses the same; this guards objects it did not see.
func leadTimeProblem(renew *billingv1alpha1.RenewSpec) string {
	switch {
	case renew.RenewBefore != nil && renew.RenewBeforePercentage != nil:
		return "renewBefore and renewBeforePercentage are mutually exclusive: set at most one"
	case renew.RenewBefore != nil && renew.RenewBefore.Duration < 0:
		return fmt.Sprintf("renewBefore %s: must not be negative", renew.RenewBefore.Duration)
	case renew.RenewBeforePercentage != nil && (*renew.RenewBeforePercentage < 1 || *renew.RenewBeforePercentage > 99):
		return fmt.Sprintf("renewBeforePercentage %d: must be 1 to 99", *renew.RenewBeforePercentage)
	case renew.RenewBefore != nil:
		if err := renewal.CheckLead(renew.RenewBefore.Duration, renew.Period); err != nil {
			return "renewBefore: " + err.Error()
		}
	}
	return ""
}

// windowProblem describes what is wrong with a renewal window at business
// time now, or "".
func windowProblem(w *billingv1alpha1.RenewalWindow, now time.Time) string {
	if w == nil {
		return ""
	}
	if _, _, err := windowOpen(w, now); err != nil {
		return "window: " + err.Error()
	}
	return ""
}

// SetupWithManager registers the reconciler; Subscriptions (for the count)
// and BudgetAlerts (for the reference) re-queue the policies they touch.
func (r *RenewalPolicyReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&billingv1alpha1.RenewalPolicy{}).
		Watches(&billingv1alpha1.Subscription{}, handler.EnqueueRequestsFromMapFunc(r.policyOfSubscription),
			builder.WithPredicates(policyRefChanged())).
		Watches(&billingv1alpha1.BudgetAlert{}, handler.EnqueueRequestsFromMapFunc(r.policiesOfBudget)).
		Named("renewalpolicy").
		Complete(r)
}

// policyRefChanged passes the Subscription events that can change a
// policy's count: creations, deletions and a changed renewalPolicyRef (the
// map function enqueues the old and the new policy). Status writes, which
// come by the thousand after an inventory refresh, pass nothing.
func policyRefChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		oldSub, okOld := e.ObjectOld.(*billingv1alpha1.Subscription)
		newSub, okNew := e.ObjectNew.(*billingv1alpha1.Subscription)
		if !okOld || !okNew {
			return true
		}
		return !equality.Semantic.DeepEqual(oldSub.Spec.RenewalPolicyRef, newSub.Spec.RenewalPolicyRef)
	}}
}

func (r *RenewalPolicyReconciler) policyOfSubscription(_ context.Context, obj client.Object) []reconcile.Request {
	sub, ok := obj.(*billingv1alpha1.Subscription)
	if !ok || sub.Spec.RenewalPolicyRef == nil {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: sub.Namespace, Name: sub.Spec.RenewalPolicyRef.Name}}}
}

func (r *RenewalPolicyReconciler) policiesOfBudget(ctx context.Context, obj client.Object) []reconcile.Request {
	return enqueueByIndex(ctx, r.Client, &billingv1alpha1.RenewalPolicyList{}, obj.GetNamespace(), indexPolicyBudget, obj.GetName())
}
