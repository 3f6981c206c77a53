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

// discover creates an Observe-mode Subscription for every primary resource
// that matches the filters and has none yet, owned by the account only
// with spec.discovery.deleteWithAccount. It brings the metadata of the
// Subscriptions it discovered before up to date (labels, owner reference),
// by a metadata patch: it never changes their spec, never deletes them
// (the Subscription controller deletes discovered ones whose resource was
// released, after the grace period), and never touches Subscriptions
// without the discovered label. It returns how many resources matched.
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
				Labels:    fleet.DiscoveredLabels(acct.Name, res),
			},
			Spec: billingv1alpha1.SubscriptionSpec{
				AccountRef:       billingv1alpha1.LocalObjectReference{Name: acct.Name},
				ResourceID:       res.ID,
				RenewalPolicyRef: d.RenewalPolicyRef.DeepCopy(),
				ManagementPolicy: billingv1alpha1.ManagementObserve,
				DeletionPolicy:   billingv1alpha1.DeletionOrphan,
			},
		}
		if d.DeleteWithAccount {
			if err := controllerutil.SetControllerReference(acct, sub, r.Client.Scheme()); err != nil {
				return matched, fmt.Errorf("own Subscription %s: %w", sub.Name, err)
			}
		}
		if err := r.Client.Create(ctx, sub); err != nil && !apierrors.IsAlreadyExists(err) {
			return matched, fmt.Errorf("create Subscription %s: %w", sub.Name, err)
		}
	}
	return matched, r.syncDiscovered(ctx, acct, resolved)
}

// syncDiscovered brings the labels and the owner reference of the
// account's discovered Subscriptions (labels discovered=true and
// account=<this account>) in line with the resource and with
// spec.discovery.deleteWithAccount, and removes the account's owner
// reference from adopted ones (discovered=false: an exported file was
// applied over them, so Git owns them). Each change is a merge patch of
// metadata with an optimistic lock (a conflict waits for the next pass).
func (r *BillingAccountReconciler) syncDiscovered(ctx context.Context, acct *billingv1alpha1.BillingAccount, resolved *accounts.Resolved) error {
	var list billingv1alpha1.SubscriptionList
	if err := r.Client.List(ctx, &list, client.InNamespace(acct.Namespace),
		client.MatchingLabels{labelAccount: acct.Name}); err != nil {
		return fmt.Errorf("list discovered Subscriptions: %w", err)
	}
	for i := range list.Items {
		sub := &list.Items[i]
		if !sub.DeletionTimestamp.IsZero() {
			continue
		}
		patch := client.MergeFromWithOptions(sub.DeepCopy(), client.MergeFromWithOptimisticLock{})
		switch sub.Labels[labelDiscovered] {
		case "true":
			var res *bss.Resource
			if found, ok := r.Inventory.Get(resolved.Key, sub.Spec.ResourceID); ok {
				res = &found
			}
			want := fleet.DiscoveredMetadata(sub, acct, res, acct.Spec.Discovery.DeleteWithAccount)
			if want == nil {
				continue
			}
			sub.Labels, sub.OwnerReferences = want.Labels, want.OwnerReferences
		case "false":
			// Adopted: its exported file was applied over it. Git owns
			// it now; only the account's owner reference goes.
			owners, removed := fleet.AdoptedOwners(sub, acct)
			if !removed {
				continue
			}
			sub.OwnerReferences = owners
		default:
			continue
		}
		if err := r.Client.Patch(ctx, sub, patch); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("update metadata of discovered Subscription %s: %w", sub.Name, err)
		}
	}
	return nil
}

// matches applies the discovery selector; empty lists match everything.
func matches(d *billingv1alpha1.DiscoverySpec, res bss.Resource) bool {
	return d.Matches(res.ServiceTypeCode, res.Region, res.EnterpriseProject.ID)
}
