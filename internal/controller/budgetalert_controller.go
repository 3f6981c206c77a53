package controller

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shopspring/decimal"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/budget"
	"github.com/bss-operator/bss-operator/internal/metrics"
	"github.com/bss-operator/bss-operator/internal/notify"
)

// BudgetAlertReconciler reconciles BudgetAlerts: it measures actual spend
// (8.1, 7.1), adds the renewals Subscriptions of the account will make
// inside the period, forecasts, projects the balance (5.1) against the
// deductions due soon, records crossed thresholds and the actions in force,
// and notifies once per crossing per period. docs/budgets.md explains the
// figures.
type BudgetAlertReconciler struct {
	Deps
	// HTTPClient posts webhook notifications; nil uses
	// WebhookPolicy.Client, which applies the policy to every connection
	// and follows no redirect.
	HTTPClient *http.Client
	// WebhookPolicy says which webhook destinations are allowed.
	WebhookPolicy notify.Policy
	// MetricsRegistry, if set, gets the scrape-time BudgetAlert collector.
	MetricsRegistry prometheus.Registerer

	cacheOnce sync.Once
	caches    *budgetCaches
}

// budgetState is one reconcile of one BudgetAlert.
type budgetState struct {
	b       *billingv1alpha1.BudgetAlert
	now     time.Time
	summary readiness
	// wake is the earliest business time the object needs looking at again.
	wake time.Time
	// events are emitted once the status is written.
	events []budgetEvent
	// limit is spec.limit.amount parsed.
	limit decimal.Decimal
	// start and end bound the current period.
	start, end time.Time
	acct       *accounts.Resolved
	// notes are caveats added to the Ready message.
	notes []string
}

// budgetEvent is an Event to emit after the status patch.
type budgetEvent struct {
	eventType, reason, action, note string
}

// wakeAt asks for a reconcile no later than t.
func (s *budgetState) wakeAt(t time.Time) {
	if !t.After(s.now) {
		t = s.now.Add(time.Second)
	}
	if s.wake.IsZero() || t.Before(s.wake) {
		s.wake = t
	}
}

// event queues an Event.
func (s *budgetState) event(eventType, reason, action, format string, args ...any) {
	s.events = append(s.events, budgetEvent{eventType, reason, action, fmt.Sprintf(format, args...)})
}

// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=budgetalerts,verbs=get;list;watch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=budgetalerts/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=subscriptions,verbs=get;list;watch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=renewalpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=billingaccounts,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile recomputes one BudgetAlert's figures and conditions.
func (r *BudgetAlertReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var b billingv1alpha1.BudgetAlert
	if err := r.Client.Get(ctx, req.NamespacedName, &b); err != nil {
		if apierrors.IsNotFound(err) {
			r.cache().forget(req.String())
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	ctx = logf.IntoContext(ctx, logf.FromContext(ctx).WithValues("budgetAlert", klog.KObj(&b)))
	orig := b.DeepCopy()
	st := &budgetState{b: &b, now: r.Timing.Now()}
	err := r.reconcileNormal(ctx, st)
	if len(st.notes) > 0 && st.summary.readyMessage != "" {
		st.summary.readyMessage += "; " + strings.Join(st.notes, "; ")
	}
	st.summary.apply(&b.Status.Conditions, st.now)
	if perr := r.patchStatus(ctx, orig, &b, err == nil); perr != nil {
		return settleWrite(perr)
	}
	for _, e := range st.events {
		r.Recorder.Eventf(&b, nil, e.eventType, e.reason, e.action, "%s", e.note)
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	if st.wake.IsZero() {
		st.wakeAt(st.now.Add(r.refreshInterval(&b)))
	}
	return ctrl.Result{RequeueAfter: r.Timing.Until(st.wake)}, nil
}

// refreshInterval is spec.refreshInterval or its default.
func (r *BudgetAlertReconciler) refreshInterval(b *billingv1alpha1.BudgetAlert) time.Duration {
	if b.Spec.RefreshInterval != nil && b.Spec.RefreshInterval.Duration > 0 {
		return b.Spec.RefreshInterval.Duration
	}
	return billingv1alpha1.DefaultBudgetRefreshInterval
}

// reconcileNormal runs the steps; each records its outcome in st.
func (r *BudgetAlertReconciler) reconcileNormal(ctx context.Context, st *budgetState) error {
	b := st.b
	if !r.parseSpec(st) {
		return nil
	}
	newPeriod := b.Status.PeriodStart == nil || !b.Status.PeriodStart.Time.Equal(st.start)
	if newPeriod {
		if b.Status.PeriodStart != nil {
			st.event(corev1.EventTypeNormal, "PeriodStarted", "Evaluate",
				"a new %s period started at %s: crossed thresholds are reset", periodName(b), formatTime(st.start))
		}
		b.Status.PeriodStart = &metav1.Time{Time: st.start.UTC()}
		b.Status.PeriodEnd = &metav1.Time{Time: st.end.UTC()}
		b.Status.Crossed = nil
	}
	// The period rolls over at its end whatever else happens.
	st.wakeAt(st.end)

	acct, err := r.Accounts.Resolve(ctx, b.Namespace, b.Spec.AccountRef.Name)
	if err != nil {
		if reason := accounts.ErrorReason(err); reason != "" {
			st.summary.stalled(reason, err.Error())
			st.wakeAt(st.now.Add(r.refreshInterval(b)))
			return nil
		}
		return err
	}
	st.acct = acct

	spend, ok := r.measureSpend(ctx, st)
	if !ok {
		return nil
	}
	dues, err := r.dueRenewals(ctx, st)
	if err != nil {
		return err
	}
	if !r.evaluate(st, spend, dues, newPeriod) {
		return nil
	}
	if b.Spec.BalanceFloor != nil {
		r.projectBalance(ctx, st, dues)
	} else {
		b.Status.Balance = nil
		if condition(b.Status.Conditions, billingv1alpha1.ConditionBalanceLow) != nil {
			setCondition(&b.Status.Conditions, st.now, billingv1alpha1.ConditionBalanceLow, metav1.ConditionFalse, billingv1alpha1.ReasonNoBalanceFloor, "no balanceFloor is set")
		}
	}
	r.notify(ctx, st)
	return nil
}

// parseSpec reads the limit, the time zone and the period; a spec that
// cannot be used stalls the object.
func (r *BudgetAlertReconciler) parseSpec(st *budgetState) bool {
	b := st.b
	limit, err := decimal.NewFromString(b.Spec.Limit.Amount)
	if err != nil || limit.IsNegative() {
		st.summary.stalled(billingv1alpha1.ReasonInvalidBudget, fmt.Sprintf("limit %q is not a non-negative decimal", b.Spec.Limit.Amount))
		return false
	}
	st.limit = limit
	tz := b.Spec.TimeZone
	if tz == "" {
		tz = billingv1alpha1.DefaultBudgetTimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		st.summary.stalled(billingv1alpha1.ReasonInvalidBudget, fmt.Sprintf("timeZone %q: %v", tz, err))
		return false
	}
	st.start, st.end, err = budget.Bounds(b.Spec.Period, st.now, loc)
	if err != nil {
		st.summary.stalled(billingv1alpha1.ReasonInvalidBudget, err.Error())
		return false
	}
	return true
}

// periodName is the period kind for messages.
func periodName(b *billingv1alpha1.BudgetAlert) string {
	if b.Spec.Period == "" {
		return string(billingv1alpha1.BudgetMonthly)
	}
	return string(b.Spec.Period)
}

// patchStatus writes the status through the status subresource when it
// changed. observedGeneration advances only when the reconcile succeeded.
func (r *BudgetAlertReconciler) patchStatus(ctx context.Context, orig, b *billingv1alpha1.BudgetAlert, succeeded bool) error {
	return writeStatus(ctx, r.Client, budgetAlertStatus, orig, b, succeeded, nil)
}

// SetupWithManager registers the reconciler. Subscriptions of the account
// re-queue its BudgetAlerts (committed spend follows their renewal plans),
// and so do changes to a webhook Secret.
func (r *BudgetAlertReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.HTTPClient == nil {
		r.HTTPClient = r.WebhookPolicy.Client(notify.DefaultTimeout)
	}
	if r.MetricsRegistry != nil {
		if err := r.MetricsRegistry.Register(metrics.NewBudgetCollector(mgr.GetClient())); err != nil {
			return fmt.Errorf("register the BudgetAlert collector: %w", err)
		}
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&billingv1alpha1.BudgetAlert{}).
		Watches(&billingv1alpha1.Subscription{}, coalescingMap(coalesceDelay, r.budgetsOfSubscription)).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.budgetsOfSecret), builder.OnlyMetadata).
		Named("budgetalert").
		Complete(r)
}

// budgetsOfSubscription maps a Subscription to the BudgetAlerts of its account.
func (r *BudgetAlertReconciler) budgetsOfSubscription(ctx context.Context, obj client.Object) []reconcile.Request {
	sub, ok := obj.(*billingv1alpha1.Subscription)
	if !ok {
		return nil
	}
	return enqueueByIndex(ctx, r.Client, &billingv1alpha1.BudgetAlertList{}, sub.Namespace, indexBudgetAccount, sub.Spec.AccountRef.Name)
}

// budgetsOfSecret maps a Secret to the BudgetAlerts whose webhook it holds.
func (r *BudgetAlertReconciler) budgetsOfSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	var list billingv1alpha1.BudgetAlertList
	if err := r.Client.List(ctx, &list, client.InNamespace(obj.GetNamespace())); err != nil {
		logf.FromContext(ctx).Error(err, "list BudgetAlerts of Secret", "secret", klog.KObj(obj))
		return nil
	}
	var out []reconcile.Request
	for _, b := range list.Items {
		if w := b.Spec.Webhook; w != nil && w.URLSecretRef.Name == obj.GetName() {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&b)})
		}
	}
	return out
}
