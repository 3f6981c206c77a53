package controller

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/fleet"
)

// labelDiscovered marks Subscriptions that discovery created.
const labelDiscovered = billingv1alpha1.LabelDiscovered

// labelAccount names the BillingAccount that discovered a Subscription.
const labelAccount = billingv1alpha1.LabelAccount

// discover creates an Observe-mode Subscription, owned by the account, for
// every primary resource that matches the filters and has none yet. It
// never changes or deletes existing Subscriptions. It returns how many
// resources matched.
func (r *BillingAccountReconciler) discover(ctx context.Context, acct *billingv1alpha1.BillingAccount, resolved *accounts.Resolved) (int, error) {
	d := acct.Spec.Discovery
	matched := 0
	for _, res := range r.Inventory.All(resolved.Key) {
		if !res.IsMain || res.Status == bss.ResourceClosed || !matches(d, res) {
			continue
		}
		matched++
		var existing billingv1alpha1.SubscriptionList
		if err := r.Client.List(ctx, &existing, client.InNamespace(acct.Namespace),
			client.MatchingFields{indexSubscriptionResource: acct.Name + "/" + res.ID}); err != nil {
			return matched, fmt.Errorf("list Subscriptions of %s: %w", res.ID, err)
		}
		if len(existing.Items) > 0 {
			continue
		}
		sub := &billingv1alpha1.Subscription{
			ObjectMeta: metav1.ObjectMeta{
				Namespace: acct.Namespace,
				Name:      fleet.SubscriptionName(res),
				Labels:    discoveredLabels(acct.Name, res),
			},
			Spec: billingv1alpha1.SubscriptionSpec{
				AccountRef:       billingv1alpha1.LocalObjectReference{Name: acct.Name},
				ResourceID:       res.ID,
				RenewalPolicyRef: d.RenewalPolicyRef.DeepCopy(),
				ManagementPolicy: billingv1alpha1.ManagementObserve,
			},
		}
		if err := controllerutil.SetControllerReference(acct, sub, r.Client.Scheme()); err != nil {
			return matched, fmt.Errorf("own Subscription %s: %w", sub.Name, err)
		}
		if err := r.Client.Create(ctx, sub); err != nil && !apierrors.IsAlreadyExists(err) {
			return matched, fmt.Errorf("create Subscription %s: %w", sub.Name, err)
		}
	}
	return matched, nil
}

// matches applies the discovery selector; empty lists match everything.
func matches(d *billingv1alpha1.DiscoverySpec, res bss.Resource) bool {
	return d.Matches(res.ServiceTypeCode, res.Region, res.EnterpriseProject.ID)
}

// discoveredLabels are the labels of a discovered Subscription: the same
// descriptive labels `kubectl bss export` writes, and the discovered mark.
func discoveredLabels(account string, res bss.Resource) map[string]string {
	l := fleet.Labels(account, res)
	l[labelDiscovered] = "true"
	return l
}
