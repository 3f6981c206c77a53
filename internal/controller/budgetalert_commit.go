package controller

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/budget"
)

// dueRenewals lists what the account will pay for renewals before the end
// of the period or of the balance horizon, whichever is later (the rules
// are internal/budget's SubscriptionDues and InventoryDues): it reads the
// account's Subscriptions and their policies, and, with a balanceFloor,
// the inventory of resources without a Subscription, then prices the
// cloud auto-renew deductions.
func (r *BudgetAlertReconciler) dueRenewals(ctx context.Context, st *budgetState) ([]budget.Due, error) {
	b := st.b
	until := st.end
	if f := b.Spec.BalanceFloor; f != nil {
		if h := st.now.Add(horizon(f)); h.After(until) {
			until = h
		}
	}
	var subs billingv1alpha1.SubscriptionList
	if err := r.Client.List(ctx, &subs, client.InNamespace(b.Namespace),
		client.MatchingFields{indexSubscriptionAccount: b.Spec.AccountRef.Name}); err != nil {
		return nil, fmt.Errorf("list Subscriptions of BillingAccount %s: %w", b.Spec.AccountRef.Name, err)
	}
	var dues []budget.Due
	covered := map[string]bool{}
	var queries []budget.TermQuery
	for i := range subs.Items {
		sub := &subs.Items[i]
		covered[sub.Spec.ResourceID] = true
		if res := sub.Status.Resource; res != nil && res.ExpirePolicy == bss.ExpirePolicyAutoRenew.String() && res.EffectiveTime != nil {
			queries = append(queries, budget.TermQuery{ResourceID: sub.Spec.ResourceID, Effective: res.EffectiveTime.Time})
		}
	}
	var inventory []bss.Resource
	if b.Spec.BalanceFloor != nil {
		inventory = r.inventory(ctx, st)
		for _, res := range inventory {
			if res.IsMain && res.AutoRenew() && !covered[res.ID] {
				queries = append(queries, budget.TermQuery{ResourceID: res.ID, Effective: res.EffectiveTime})
			}
		}
	}
	// The cloud renews by the purchase period (digest §7.3 rule 25), read
	// from the purchase order; an unknown term leaves the first deduction
	// unpriced rather than guessed.
	terms := r.terms().Terms(ctx, st.acct.BSS, st.acct.Key, queries, st.now)
	for i := range subs.Items {
		sub := &subs.Items[i]
		policy, err := r.policyOf(ctx, sub)
		if err != nil {
			return nil, err
		}
		dues = append(dues, budget.SubscriptionDues(sub, policy, r.subscriptionMatches(st, sub), terms[sub.Spec.ResourceID], st.now, until)...)
	}
	if b.Spec.BalanceFloor != nil {
		dues = append(dues, budget.InventoryDues(inventory, covered, terms, st.now, until)...)
	}
	r.quotes().PriceAutoRenewals(ctx, st.acct.BSS, st.acct.Key, dues, st.now)
	budget.SortDues(dues)
	return dues, nil
}

// horizon is the balance floor's look-ahead.
func horizon(f *billingv1alpha1.BalanceFloor) time.Duration {
	if f.Horizon == nil || f.Horizon.Duration <= 0 {
		return billingv1alpha1.DefaultBalanceHorizon
	}
	return f.Horizon.Duration
}

// policyOf reads a Subscription's RenewalPolicy; nil when it has none or
// it does not exist.
func (r *BudgetAlertReconciler) policyOf(ctx context.Context, sub *billingv1alpha1.Subscription) (*billingv1alpha1.RenewalPolicy, error) {
	ref := sub.Spec.RenewalPolicyRef
	if ref == nil {
		return nil, nil
	}
	var p billingv1alpha1.RenewalPolicy
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: sub.Namespace, Name: ref.Name}, &p)
	switch {
	case err == nil:
		return &p, nil
	case apierrors.IsNotFound(err):
		return nil, nil
	}
	return nil, fmt.Errorf("get RenewalPolicy %s: %w", ref.Name, err)
}

// subscriptionMatches applies the budget's filters to a Subscription's
// resource, taking the enterprise project from the inventory when the
// status does not have it yet.
func (r *BudgetAlertReconciler) subscriptionMatches(st *budgetState, sub *billingv1alpha1.Subscription) bool {
	res := sub.Status.Resource
	if res == nil {
		return false
	}
	project := res.EnterpriseProjectID
	if project == "" && r.Inventory != nil && st.acct != nil {
		if inv, ok := r.Inventory.Get(st.acct.Key, sub.Spec.ResourceID); ok {
			project = inv.EnterpriseProject.ID
		}
	}
	return budget.SubscriptionMatches(st.b.Spec.Filters, res, project)
}

// inventory lists the account's resources for the balance projection
// (nil, with a note, when the listing cannot be refreshed).
func (r *BudgetAlertReconciler) inventory(ctx context.Context, st *budgetState) []bss.Resource {
	if r.Inventory == nil {
		return nil
	}
	maxAge := billingv1alpha1.DefaultAccountRefreshInterval
	if ri := st.acct.Object.Spec.RefreshInterval; ri != nil && ri.Duration > 0 {
		maxAge = ri.Duration
	}
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	if err := r.Inventory.Ensure(bctx, st.acct.Key, st.acct.BSS, maxAge); err != nil {
		// The projection then covers Subscriptions only; say so.
		st.notes = append(st.notes, fmt.Sprintf("resources without a Subscription are not projected: %v", bss.Describe(err)))
		return nil
	}
	return r.Inventory.All(st.acct.Key)
}
