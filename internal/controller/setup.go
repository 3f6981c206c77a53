// Package controller holds one reconciler per billing kind.
package controller

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/inventory"
	"github.com/bss-operator/bss-operator/internal/metrics"
	"github.com/bss-operator/bss-operator/internal/notify"
)

// Options are the dependencies and settings shared by the reconcilers.
type Options struct {
	// Timing tells business time and turns it into requeue delays.
	Timing Timing
	// Factory builds BSS clients for accounts (a *bss.Factory).
	Factory accounts.ClientFactory
	// BSSTimeout bounds the BSS calls of one reconcile step.
	BSSTimeout time.Duration
	// MaxConcurrentRenewals is how many RenewalRequests reconcile in parallel.
	MaxConcurrentRenewals int
	// Metrics records renewals and spend; nil records nothing.
	Metrics *metrics.Operator
	// MaxConcurrentSubs is how many Subscriptions reconcile in parallel.
	MaxConcurrentSubs int
	// MetricsRegistry, if set, gets the scrape-time collectors of
	// Subscriptions, RenewalRequests, BillingAccounts and BudgetAlerts
	// (controller-runtime's metrics.Registry in the manager).
	MetricsRegistry prometheus.Registerer
	// WebhookPolicy says where BudgetAlert webhooks and the notification
	// sinks of BillingAccounts may be delivered.
	WebhookPolicy notify.Policy
	// QuoteHorizon is how long before its next renewal or cloud
	// auto-renew deduction a Manage Subscription keeps renewal quotes
	// (--quote-horizon); 0 is renewal.DefaultQuoteHorizon.
	QuoteHorizon time.Duration
}

// Deps are the dependencies every reconciler shares.
type Deps struct {
	// Client reads (from the cache) and writes Kubernetes objects.
	Client client.Client
	// Timing tells business time and turns it into requeue delays.
	Timing Timing
	// Accounts resolves BillingAccounts to BSS clients.
	Accounts *accounts.Resolver
	// Inventory is the shared per-account view of BSS resources.
	Inventory *inventory.Cache
	// Recorder emits events.k8s.io Events.
	Recorder events.EventRecorder
	// BSSTimeout bounds the BSS calls of one reconcile step.
	BSSTimeout time.Duration
	// Metrics records renewals and spend; nil records nothing.
	Metrics *metrics.Operator
}

// bssContext bounds the BSS calls of one step.
func (d *Deps) bssContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if d.BSSTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d.BSSTimeout)
}

// SetupWithManager registers every reconciler with the manager.
func SetupWithManager(mgr ctrl.Manager, opts Options) error {
	if opts.Timing.Clock == nil {
		opts.Timing.Clock = clock.RealClock{}
	}
	if opts.Factory == nil {
		return fmt.Errorf("a BSS client factory is required")
	}
	if opts.MaxConcurrentRenewals <= 0 {
		opts.MaxConcurrentRenewals = 4
	}
	if err := indexFields(context.Background(), mgr); err != nil {
		return err
	}

	// Inventory refreshes tell the Subscription controller which
	// subscriptions' resources changed.
	changes := make(chan event.TypedGenericEvent[*billingv1alpha1.Subscription], 1024)
	notifier := &changeNotifier{reader: mgr.GetClient(), events: changes}
	deps := Deps{
		Client: mgr.GetClient(),
		Timing: opts.Timing,
		Accounts: &accounts.Resolver{Reader: mgr.GetClient(), Factory: opts.Factory,
			Secrets: &accounts.SecretReader{Metadata: mgr.GetCache(), Live: mgr.GetAPIReader()}},
		Inventory:  inventory.New(opts.Timing.Clock, notifier.notify),
		Recorder:   mgr.GetEventRecorder("bss-operator"),
		BSSTimeout: opts.BSSTimeout,
		Metrics:    opts.Metrics,
	}

	setups := []struct {
		kind  string
		setup func(ctrl.Manager) error
	}{
		{"BillingAccount", (&BillingAccountReconciler{Deps: deps}).SetupWithManager},
		{"Subscription", (&SubscriptionReconciler{Deps: deps, Changes: changes, MaxConcurrent: opts.MaxConcurrentSubs, QuoteHorizon: opts.QuoteHorizon,
			APIReader: mgr.GetAPIReader()}).SetupWithManager},
		{"RenewalPolicy", (&RenewalPolicyReconciler{Deps: deps}).SetupWithManager},
		{"RenewalRequest", (&RenewalRequestReconciler{Deps: deps, MaxConcurrent: opts.MaxConcurrentRenewals}).SetupWithManager},
		{"BudgetAlert", (&BudgetAlertReconciler{Deps: deps, WebhookPolicy: opts.WebhookPolicy, MetricsRegistry: opts.MetricsRegistry}).SetupWithManager},
		{"Notification", (&NotificationReconciler{Client: deps.Client, APIReader: mgr.GetAPIReader(), Secrets: deps.Accounts,
			Recorder: deps.Recorder, Timing: deps.Timing, Policy: opts.WebhookPolicy}).SetupWithManager},
	}
	if opts.MetricsRegistry != nil {
		if err := opts.MetricsRegistry.Register(metrics.NewObjectCollector(mgr.GetCache())); err != nil {
			return fmt.Errorf("register the object collector: %w", err)
		}
	}
	for _, s := range setups {
		if err := s.setup(mgr); err != nil {
			return fmt.Errorf("set up %s reconciler: %w", s.kind, err)
		}
	}
	return nil
}
