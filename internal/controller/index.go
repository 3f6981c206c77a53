package controller

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// Field indexes on cached objects, so that watches map changes to the
// objects that reference them without listing everything.
const (
	// indexSubscriptionAccount indexes Subscriptions by spec.accountRef.name.
	indexSubscriptionAccount = "spec.accountRef.name"
	// indexSubscriptionPolicy indexes Subscriptions by spec.renewalPolicyRef.name.
	indexSubscriptionPolicy = "spec.renewalPolicyRef.name"
	// indexSubscriptionResource indexes Subscriptions by account and resource: "<account>/<resourceID>".
	indexSubscriptionResource = "accountResource"
	// indexSubscriptionResourceID indexes Subscriptions by spec.resourceID
	// alone, across namespaces: the candidates that may claim one resource.
	indexSubscriptionResourceID = "spec.resourceID"
	// indexAccountSecret indexes BillingAccounts by their credentials Secret.
	indexAccountSecret = "spec.credentialsSecretRef.name"
	// indexPolicyBudget indexes RenewalPolicies by spec.renew.budgetAlertRef.name.
	indexPolicyBudget = "spec.renew.budgetAlertRef.name"
	// indexRequestBudget indexes RenewalRequests by spec.budgetAlertRef.name.
	indexRequestBudget = "spec.budgetAlertRef.name"
	// indexBudgetAccount indexes BudgetAlerts by spec.accountRef.name.
	indexBudgetAccount = "budget.spec.accountRef.name"
)

func indexFields(ctx context.Context, mgr ctrl.Manager) error {
	idx := mgr.GetFieldIndexer()
	indexes := []struct {
		obj     client.Object
		field   string
		extract client.IndexerFunc
	}{
		{&billingv1alpha1.Subscription{}, indexSubscriptionAccount, func(o client.Object) []string {
			return []string{o.(*billingv1alpha1.Subscription).Spec.AccountRef.Name}
		}},
		{&billingv1alpha1.Subscription{}, indexSubscriptionPolicy, func(o client.Object) []string {
			if ref := o.(*billingv1alpha1.Subscription).Spec.RenewalPolicyRef; ref != nil {
				return []string{ref.Name}
			}
			return nil
		}},
		{&billingv1alpha1.Subscription{}, indexSubscriptionResource, func(o client.Object) []string {
			s := o.(*billingv1alpha1.Subscription)
			return []string{s.Spec.AccountRef.Name + "/" + s.Spec.ResourceID}
		}},
		{&billingv1alpha1.Subscription{}, indexSubscriptionResourceID, func(o client.Object) []string {
			return []string{o.(*billingv1alpha1.Subscription).Spec.ResourceID}
		}},
		{&billingv1alpha1.BillingAccount{}, indexAccountSecret, func(o client.Object) []string {
			return []string{o.(*billingv1alpha1.BillingAccount).Spec.CredentialsSecretRef.Name}
		}},
		{&billingv1alpha1.RenewalPolicy{}, indexPolicyBudget, func(o client.Object) []string {
			if r := o.(*billingv1alpha1.RenewalPolicy).Spec.Renew; r != nil && r.BudgetAlertRef != nil {
				return []string{r.BudgetAlertRef.Name}
			}
			return nil
		}},
		{&billingv1alpha1.RenewalRequest{}, indexRequestBudget, func(o client.Object) []string {
			if ref := o.(*billingv1alpha1.RenewalRequest).Spec.BudgetAlertRef; ref != nil {
				return []string{ref.Name}
			}
			return nil
		}},
		{&billingv1alpha1.BudgetAlert{}, indexBudgetAccount, func(o client.Object) []string {
			return []string{o.(*billingv1alpha1.BudgetAlert).Spec.AccountRef.Name}
		}},
	}
	for _, i := range indexes {
		if err := idx.IndexField(ctx, i.obj, i.field, i.extract); err != nil {
			return fmt.Errorf("index %T by %s: %w", i.obj, i.field, err)
		}
	}
	return nil
}

// changeNotifier turns inventory changes into events for the Subscriptions
// of the changed resources.
type changeNotifier struct {
	reader client.Reader
	events chan<- event.TypedGenericEvent[*billingv1alpha1.Subscription]
}

// notify is an inventory.ChangeFunc. The account key is namespace/name.
func (n *changeNotifier) notify(accountKey string, resourceIDs []string) {
	ns, name, ok := splitKey(accountKey)
	if !ok {
		return
	}
	for _, id := range resourceIDs {
		var subs billingv1alpha1.SubscriptionList
		if err := n.reader.List(context.Background(), &subs, client.InNamespace(ns),
			client.MatchingFields{indexSubscriptionResource: name + "/" + id}); err != nil {
			continue
		}
		for i := range subs.Items {
			n.events <- event.TypedGenericEvent[*billingv1alpha1.Subscription]{Object: &subs.Items[i]}
		}
	}
}

// splitKey splits "namespace/name".
func splitKey(key string) (namespace, name string, ok bool) {
	for i := 0; i < len(key); i++ {
		if key[i] == '/' {
			return key[:i], key[i+1:], true
		}
	}
	return "", "", false
}

// accountsUsingSecret returns the names of the BillingAccounts whose
// credentials a Secret holds.
func accountsUsingSecret(ctx context.Context, c client.Reader, secret client.Object) ([]string, error) {
	var list billingv1alpha1.BillingAccountList
	if err := c.List(ctx, &list, client.InNamespace(secret.GetNamespace()),
		client.MatchingFields{indexAccountSecret: secret.GetName()}); err != nil {
		return nil, fmt.Errorf("list BillingAccounts of Secret %s: %w", secret.GetName(), err)
	}
	names := make([]string, 0, len(list.Items))
	for _, a := range list.Items {
		names = append(names, a.Name)
	}
	return names, nil
}

// enqueueByIndex lists the objects of list's kind in namespace whose field
// index has value, as reconcile requests. A failed list is logged and
// enqueues nothing (the objects' own resyncs still come).
func enqueueByIndex(ctx context.Context, c client.Reader, list client.ObjectList, namespace, index, value string) []reconcile.Request {
	if err := c.List(ctx, list, client.InNamespace(namespace), client.MatchingFields{index: value}); err != nil {
		logf.FromContext(ctx).Error(err, "list objects to enqueue", "index", index, "value", value)
		return nil
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		logf.FromContext(ctx).Error(err, "read listed objects", "index", index)
		return nil
	}
	out := make([]reconcile.Request, 0, len(items))
	for _, item := range items {
		if o, ok := item.(client.Object); ok {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(o)})
		}
	}
	return out
}
