package fleet

import (
	"maps"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// A resource BSS released: it is listed as Closed (6.3.1 status 3, digest
// §2.5: "not visible to customers"), or no longer listed at all after its
// Subscription had read it. BSS stops listing a resource when it is
// unsubscribed (6.3.3), deleted after its grace and retention periods, or
// converted to pay-per-use at expiry (6.3.6, digest §7.5): in every case no
// yearly/monthly subscription is left to renew, and the operator makes no
// BSS write for it any more. The decisions below are pure: the controllers
// read, call them, and write.

// ReleaseCause says how a release was seen; empty when the resource is not
// released.
type ReleaseCause string

const (
	// ReleaseClosed: 6.3.1 lists the resource with status 3 (Closed).
	ReleaseClosed ReleaseCause = "BSS lists it as Closed (6.3.1 status 3)"
	// ReleaseGone: 6.3.1 no longer lists a resource the Subscription had read.
	ReleaseGone ReleaseCause = "BSS no longer lists it (6.3.1) although it was read before: unsubscribed, deleted after its retention period, or converted to pay-per-use"
)

// ReleasedBy decides whether a resource is released. listed says whether
// 6.3.1 returned it (with status); seen whether its Subscription read it
// before (SeenBefore). A resource never read is not released but not
// found: likely a wrong spec.resourceID.
func ReleasedBy(listed bool, status bss.ResourceStatus, seen bool) ReleaseCause {
	switch {
	case listed && status == bss.ResourceClosed:
		return ReleaseClosed
	case listed:
		return ""
	case seen:
		return ReleaseGone
	default:
		return ""
	}
}

// SeenBefore reports whether a Subscription read its resource before under
// its current spec: a release already recorded (status.releasedTime), or
// status.resource written by a pass that observed the current generation
// (spec.accountRef may have changed since, and another account not listing
// the resource says nothing of a release).
func SeenBefore(sub *billingv1alpha1.Subscription) bool {
	if sub.Status.ReleasedTime != nil {
		return true
	}
	return sub.Status.Resource != nil && sub.Status.ObservedGeneration == sub.Generation
}

// ReleasedDeletion decides what becomes of a Subscription whose resource
// was released at releasedTime (nil: not released). Only discovered
// Subscriptions (label discovered=true) are ever deleted, once released
// for grace; Subscriptions written by people (from Git) are only marked.
// It returns whether to delete now and, when not yet, when to (zero:
// never).
func ReleasedDeletion(labels map[string]string, releasedTime *metav1.Time, grace time.Duration, now time.Time) (bool, time.Time) {
	if releasedTime == nil || labels[billingv1alpha1.LabelDiscovered] != "true" {
		return false, time.Time{}
	}
	at := releasedTime.Add(grace)
	return !now.Before(at), at
}

// MayUnsubscribe reports whether deleting a Subscription may call 6.3.3:
// never once its resource was released (status.releasedTime): there is
// nothing left to unsubscribe, whoever deletes the Subscription.
func MayUnsubscribe(sub *billingv1alpha1.Subscription) bool {
	return sub.Status.ReleasedTime == nil
}

// DiscoveredLabels are the labels of a discovered Subscription: the same
// descriptive labels `kubectl bss export` writes, and the discovered mark.
func DiscoveredLabels(account string, res bss.Resource) map[string]string {
	l := Labels(account, res)
	l[billingv1alpha1.LabelDiscovered] = "true"
	return l
}

// ExportedLabels are the labels `kubectl bss export` writes: the same
// descriptive labels, and the discovered mark set to "false". Applying an
// exported file over a discovered object of the same name flips the mark,
// which is how the operator tells that Git owns the object now: discovery
// stops maintaining it and it is never deleted after a release.
func ExportedLabels(account string, res bss.Resource) map[string]string {
	l := Labels(account, res)
	l[billingv1alpha1.LabelDiscovered] = "false"
	return l
}

// AdoptedOwners returns the owner references an adopted Subscription
// (discovered once, labelled discovered=false since its file was applied
// from Git) should have: those it has without account acct's, so that
// deleting the account no longer deletes an object Git owns, and whether
// that removed one.
func AdoptedOwners(sub *billingv1alpha1.Subscription, acct *billingv1alpha1.BillingAccount) ([]metav1.OwnerReference, bool) {
	if sub.Labels[billingv1alpha1.LabelDiscovered] != "false" {
		return nil, false
	}
	var owners []metav1.OwnerReference
	removed := false
	for _, o := range sub.OwnerReferences {
		if o.UID == acct.UID {
			removed = true
			continue
		}
		owners = append(owners, o)
	}
	return owners, removed
}

// DiscoveredMetadata returns the labels and owner references a discovered
// Subscription of account acct should have, or nil when it has them
// already. res is its resource as the inventory has it, nil when the
// inventory does not (a released resource keeps the labels it had).
// deleteWithAccount is the account's spec.discovery.deleteWithAccount: the
// account is the Subscription's controller owner exactly when it is true.
// Labels it does not set, and owner references of other objects, are kept.
func DiscoveredMetadata(sub *billingv1alpha1.Subscription, acct *billingv1alpha1.BillingAccount, res *bss.Resource, deleteWithAccount bool) *metav1.ObjectMeta {
	labels := maps.Clone(sub.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	if res != nil {
		// A value no longer valid as a label value is dropped, as Labels
		// leaves it out.
		for _, k := range []string{billingv1alpha1.LabelRegion, billingv1alpha1.LabelServiceType, billingv1alpha1.LabelEnterpriseProject} {
			delete(labels, k)
		}
		maps.Copy(labels, DiscoveredLabels(acct.Name, *res))
	}
	labels[billingv1alpha1.LabelDiscovered], labels[billingv1alpha1.LabelAccount] = "true", acct.Name

	var owners []metav1.OwnerReference
	owned := false
	for _, o := range sub.OwnerReferences {
		if o.UID == acct.UID {
			owned = true
			if !deleteWithAccount {
				continue
			}
		}
		owners = append(owners, o)
	}
	if deleteWithAccount && !owned && metav1.GetControllerOfNoCopy(sub) == nil {
		owners = append(owners, *metav1.NewControllerRef(acct, billingv1alpha1.GroupVersion.WithKind("BillingAccount")))
	}
	// Owner references are only removed or added above, so the count
	// tells whether they changed.
	if maps.Equal(labels, sub.Labels) && len(owners) == len(sub.OwnerReferences) {
		return nil
	}
	return &metav1.ObjectMeta{Labels: labels, OwnerReferences: owners}
}
