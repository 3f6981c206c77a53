// Package controller holds one reconciler per billing kind.
package controller

import (
	"fmt"
	"time"

	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
)

// Options are the dependencies and settings shared by the reconcilers.
type Options struct {
	// Clock tells the time; tests inject a fake one.
	Clock clock.PassiveClock
	// BSSTimeout bounds one BSS API call.
	BSSTimeout time.Duration
	// MaxConcurrentRenewals is how many RenewalRequests reconcile in parallel.
	MaxConcurrentRenewals int
}

// SetupWithManager registers every reconciler with the manager.
func SetupWithManager(mgr ctrl.Manager, opts Options) error {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	setups := []struct {
		kind  string
		setup func(ctrl.Manager) error
	}{
		{"BillingAccount", (&BillingAccountReconciler{Client: mgr.GetClient(), Clock: opts.Clock}).SetupWithManager},
		{"Subscription", (&SubscriptionReconciler{Client: mgr.GetClient(), Clock: opts.Clock}).SetupWithManager},
		{"RenewalPolicy", (&RenewalPolicyReconciler{Client: mgr.GetClient(), Clock: opts.Clock}).SetupWithManager},
		{"RenewalRequest", (&RenewalRequestReconciler{Client: mgr.GetClient(), Clock: opts.Clock}).SetupWithManager},
		{"BudgetAlert", (&BudgetAlertReconciler{Client: mgr.GetClient(), Clock: opts.Clock}).SetupWithManager},
	}
	for _, s := range setups {
		if err := s.setup(mgr); err != nil {
			return fmt.Errorf("set up %s reconciler: %w", s.kind, err)
		}
	}
	return nil
}
