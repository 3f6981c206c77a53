package controller

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// statusAccess tells the shared status patcher where a kind keeps its
// status: the whole of it (to compare), and its observedGeneration and
// conditions (to stamp).
type statusAccess[T client.Object] struct {
	kind     string
	status   func(T) any
	observed func(T) (*int64, []metav1.Condition)
}

// writeStatus is the one status patcher of every reconciler. It stamps
// observedGeneration (on the status and on each condition) only after a
// pass that succeeded, so a failed pass never claims to have seen the
// spec; it writes nothing when the status did not change; onChange, if
// set, runs only when something else changed (a heartbeat field); and it
// patches the status subresource (never the spec) under the optimistic
// lock of the resourceVersion the pass read, so a pass that worked from a
// stale copy fails instead of overwriting newer progress. A conflict or
// NotFound is returned as such: a caller about to make a BSS write must
// stop on either. settleWrite turns them into the pass's result.
func writeStatus[T client.Object](ctx context.Context, c client.Client, acc statusAccess[T], orig, obj T, succeeded bool, onChange func()) error {
	if succeeded {
		gen := obj.GetGeneration()
		og, conds := acc.observed(obj)
		*og = gen
		for i := range conds {
			conds[i].ObservedGeneration = gen
		}
	}
	if equality.Semantic.DeepEqual(acc.status(orig), acc.status(obj)) {
		return nil
	}
	if onChange != nil {
		onChange()
	}
	if err := c.Status().Patch(ctx, obj, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("patch status of %s %s: %w", acc.kind, obj.GetName(), err)
	}
	return nil
}

// settleWrite is a pass's result after its status write failed with err:
// a conflict means the pass worked from a stale read and wrote nothing,
// so it is a quiet requeue once the cache has caught up; NotFound means
// the object went away meanwhile and there is nothing left to do; any
// other error goes back to controller-runtime and its backoff.
func settleWrite(err error) (ctrl.Result, error) {
	switch {
	case err == nil, apierrors.IsNotFound(err):
		return ctrl.Result{}, nil
	case apierrors.IsConflict(err):
		return ctrl.Result{RequeueAfter: conflictRetry}, nil
	}
	return ctrl.Result{}, err
}

// The status of each kind, for writeStatus.
var (
	subscriptionStatus = statusAccess[*billingv1alpha1.Subscription]{kind: "Subscription",
		status: func(o *billingv1alpha1.Subscription) any { return &o.Status },
		observed: func(o *billingv1alpha1.Subscription) (*int64, []metav1.Condition) {
			return &o.Status.ObservedGeneration, o.Status.Conditions
		}}
	renewalRequestStatus = statusAccess[*billingv1alpha1.RenewalRequest]{kind: "RenewalRequest",
		status: func(o *billingv1alpha1.RenewalRequest) any { return &o.Status },
		observed: func(o *billingv1alpha1.RenewalRequest) (*int64, []metav1.Condition) {
			return &o.Status.ObservedGeneration, o.Status.Conditions
		}}
	budgetAlertStatus = statusAccess[*billingv1alpha1.BudgetAlert]{kind: "BudgetAlert",
		status: func(o *billingv1alpha1.BudgetAlert) any { return &o.Status },
		observed: func(o *billingv1alpha1.BudgetAlert) (*int64, []metav1.Condition) {
			return &o.Status.ObservedGeneration, o.Status.Conditions
		}}
	billingAccountStatus = statusAccess[*billingv1alpha1.BillingAccount]{kind: "BillingAccount",
		status: func(o *billingv1alpha1.BillingAccount) any { return &o.Status },
		observed: func(o *billingv1alpha1.BillingAccount) (*int64, []metav1.Condition) {
			return &o.Status.ObservedGeneration, o.Status.Conditions
		}}
	renewalPolicyStatus = statusAccess[*billingv1alpha1.RenewalPolicy]{kind: "RenewalPolicy",
		status: func(o *billingv1alpha1.RenewalPolicy) any { return &o.Status },
		observed: func(o *billingv1alpha1.RenewalPolicy) (*int64, []metav1.Condition) {
			return &o.Status.ObservedGeneration, o.Status.Conditions
		}}
)
