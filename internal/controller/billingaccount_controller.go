package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ctrl "sigs.k8s.io/controller-runtime"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bssoutcome"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// BillingAccountReconciler reconciles BillingAccounts: it proves the
// credentials with a live balance query (5.1), reports balances, drives
// the account's shared inventory refresh, and optionally discovers
// resources as Observe-mode Subscriptions. Deleting an account never
// touches the cloud.
type BillingAccountReconciler struct {
	Deps
}

// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=billingaccounts,verbs=get;list;watch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=billingaccounts/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=subscriptions,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch

// Reconcile reads the account from BSS.
func (r *BillingAccountReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	var acct billingv1alpha1.BillingAccount
	if err := r.Client.Get(ctx, req.NamespacedName, &acct); err != nil {
		if apierrors.IsNotFound(err) {
			r.Inventory.Forget(accounts.Key(req.Namespace, req.Name))
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("get BillingAccount: %w", err)
	}
	if !acct.DeletionTimestamp.IsZero() {
		r.Inventory.Forget(accounts.Key(acct.Namespace, acct.Name))
		return reconcile.Result{}, nil
	}
	orig := acct.DeepCopy()
	now := r.Timing.Now()
	var sum readiness
	wait := r.sync(ctx, &acct, now, &sum)
	sum.apply(&acct.Status.Conditions, now)
	if c := condition(orig.Status.Conditions, billingv1alpha1.ConditionReady); c == nil || c.Status != condition(acct.Status.Conditions, billingv1alpha1.ConditionReady).Status {
		ready := condition(acct.Status.Conditions, billingv1alpha1.ConditionReady)
		typ := "Normal"
		if ready.Status != metav1.ConditionTrue {
			typ = "Warning"
		}
		if r.Recorder != nil {
			r.Recorder.Eventf(&acct, nil, typ, ready.Reason, "Sync", "%s", ready.Message)
		}
	}
	if err := writeStatus(ctx, r.Client, billingAccountStatus, orig, &acct, true, nil); err != nil {
		return settleWrite(err)
	}
	return reconcile.Result{RequeueAfter: r.Timing.Delay(wait)}, nil
}

// refreshInterval is the account's refresh interval.
func refreshInterval(acct *billingv1alpha1.BillingAccount) time.Duration {
	if acct.Spec.RefreshInterval != nil && acct.Spec.RefreshInterval.Duration > 0 {
		return acct.Spec.RefreshInterval.Duration
	}
	return billingv1alpha1.DefaultAccountRefreshInterval
}

// sync does the live calls and returns how long to wait before the next.
func (r *BillingAccountReconciler) sync(ctx context.Context, acct *billingv1alpha1.BillingAccount, now time.Time, sum *readiness) time.Duration {
	interval := refreshInterval(acct)
	next := interval + time.Duration(renewal.JitterFraction(acct.UID, "refresh")*float64(interval)/10)
	resolved, err := r.Accounts.ResolveObject(ctx, acct)
	if err != nil {
		var ae *accounts.Error
		if errors.As(err, &ae) {
			// A missing or malformed Secret needs a person.
			sum.stalled(ae.Reason, ae.Message)
			return interval
		}
		sum.notReady(billingv1alpha1.ReasonBSSUnavailable, err.Error())
		return time.Minute
	}
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	balances, err := resolved.BSS.Balances(bctx)
	if err != nil {
		return r.trouble(acct, sum, "query the balance (5.1)", err)
	}
	r.recordBalances(acct, balances)
	acct.Status.CredentialsVersion = resolved.SecretVersion
	acct.Status.LastSyncTime = &metav1.Time{Time: now}

	// The shared refresh of every Subscription of this account: the paged
	// listing, once per interval whoever asks first.
	if err := r.Inventory.Ensure(bctx, resolved.Key, resolved.BSS, interval*9/10); err != nil {
		return r.trouble(acct, sum, "list the account's resources (6.3.1)", err)
	}
	if acct.Spec.Discovery != nil && acct.Spec.Discovery.Enabled {
		n, err := r.discover(ctx, acct, resolved)
		if err != nil {
			sum.notReady(billingv1alpha1.ReasonBSSUnavailable, fmt.Sprintf("discovery: %v", err))
			return time.Minute
		}
		acct.Status.DiscoveredResources = int32(min(n, 1<<30))
	} else {
		acct.Status.DiscoveredResources = 0
	}
	sum.ready(billingv1alpha1.ReasonSucceeded, fmt.Sprintf("BSS answered with these credentials at %s", formatTime(now)))
	return next
}

// trouble reports a failed BSS call and says when to try again.
func (r *BillingAccountReconciler) trouble(acct *billingv1alpha1.BillingAccount, sum *readiness, what string, err error) time.Duration {
	o := bssoutcome.Of(what, err)
	if o.Reason == billingv1alpha1.ReasonCredentialsRejected {
		o.Message = fmt.Sprintf("BSS rejected the credentials in Secret %q: %s", acct.Spec.CredentialsSecretRef.Name, o.Message)
	}
	if o.Stalled {
		sum.stalled(o.Reason, o.Message)
		return o.RetryAfter
	}
	sum.notReady(o.Reason, o.Message)
	sum.working(o.Reason, "retrying at the next refresh")
	return o.RetryAfter
}

// recordBalances writes the balances into status with exact decimals.
func (r *BillingAccountReconciler) recordBalances(acct *billingv1alpha1.BillingAccount, b *bss.Balances) {
	acct.Status.Balances = nil
	acct.Status.Balance = nil
	for _, a := range b.Accounts {
		amount := toMoney(a.Amount.Amount, a.Amount.Currency)
		if amount == nil {
			continue // an amount without a currency says nothing
		}
		acct.Status.Balances = append(acct.Status.Balances, billingv1alpha1.AccountBalance{
			AccountType:      a.Type.String(),
			Amount:           *amount,
			DesignatedAmount: toMoney(a.Designated.Amount, a.Amount.Currency),
		})
		if a.Type == bss.AccountCash {
			acct.Status.Balance = amount.DeepCopy()
		}
	}
	currency := b.Debt.Currency
	if currency == "" && acct.Status.Balance != nil {
		currency = acct.Status.Balance.Currency
	}
	acct.Status.Debt = toMoney(b.Debt.Amount, currency)
}

// SetupWithManager registers the reconciler; changes to a credentials
// Secret re-queue the accounts that use it, so rotation applies at once.
func (r *BillingAccountReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&billingv1alpha1.BillingAccount{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.accountsOfSecret), builder.OnlyMetadata).
		Named("billingaccount").
		Complete(r)
}

// accountsOfSecret maps a Secret to the accounts whose credentials it holds.
func (r *BillingAccountReconciler) accountsOfSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	return enqueueByIndex(ctx, r.Client, &billingv1alpha1.BillingAccountList{}, obj.GetNamespace(), indexAccountSecret, obj.GetName())
}
