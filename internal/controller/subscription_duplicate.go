package controller

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// Two Subscriptions may name one resource (issue 16, path 4): in one
// namespace, or in two whose BillingAccounts point at the same cloud
// account. Both would renew. One resource of one BSS account (domain) has
// one owner among the Subscriptions that may act (Manage, not paused): the
// one with a renewal under way, else the one created first, ties broken by
// namespace/name. The others report which object owns it and never act.
// Observe and paused Subscriptions make no write call, so they neither
// claim the resource nor stand aside; nor do Subscriptions whose
// BillingAccount is gone, which can make no call at all.

// claim is one Subscription's claim on a resource, as the ownership rule
// sees it.
type claim struct {
	// key is the Subscription's namespace/name.
	key client.ObjectKey
	// created is its creationTimestamp.
	created time.Time
	// domain is the BSS domain ID its account declares; empty when unknown.
	domain string
	// blind is true when its account cannot see the resource (BSS reported
	// none): it can never act on it, so it does not compete.
	blind bool
	// accountless is true when its BillingAccount does not exist: it can
	// make no BSS call, so it does not compete either (it would hold the
	// resource while nobody renews it). Its account coming back makes it
	// compete again, and a renewal under way elsewhere keeps the resource.
	accountless bool
	// acting is true under Manage and not paused: only such claims compete.
	acting bool
	// busy is true while a renewal attempt of it is under way: it keeps the
	// resource until the attempt ends, whatever its age.
	busy bool
}

// sameAccount reports whether two claims may be on the same BSS account:
// only two declared, different domains prove they are not. A gate that
// cannot decide holds.
func sameAccount(a, b claim) bool {
	return a.domain == "" || b.domain == "" || a.domain == b.domain
}

// before reports whether a comes before b: a renewal under way first,
// then the older creationTimestamp, then namespace/name.
func (a claim) before(b claim) bool {
	if a.busy != b.busy {
		return a.busy
	}
	if !a.created.Equal(b.created) {
		return a.created.Before(b.created)
	}
	if a.key.Namespace != b.key.Namespace {
		return a.key.Namespace < b.key.Namespace
	}
	return a.key.Name < b.key.Name
}

// resourceOwner returns the claim among others that owns the resource
// instead of self, or nil when self owns it.
func resourceOwner(self claim, others []claim) *claim {
	if !self.acting {
		return nil
	}
	var owner *claim
	for i := range others {
		o := &others[i]
		if o.key == self.key || o.blind || o.accountless || !o.acting || !sameAccount(self, *o) || !o.before(self) {
			continue
		}
		if owner == nil || o.before(*owner) {
			owner = o
		}
	}
	return owner
}

// duplicateOf returns the Subscription that owns st's resource in its
// place, or nil when st's Subscription owns it.
func (r *SubscriptionReconciler) duplicateOf(ctx context.Context, st *subState) (*claim, error) {
	sub := st.sub
	var list billingv1alpha1.SubscriptionList
	if err := r.Client.List(ctx, &list, client.MatchingFields{indexSubscriptionResourceID: sub.Spec.ResourceID}); err != nil {
		return nil, fmt.Errorf("list Subscriptions of resource %s: %w", sub.Spec.ResourceID, err)
	}
	self := claim{key: client.ObjectKeyFromObject(sub), created: sub.CreationTimestamp.Time, domain: st.acct.Object.Spec.DomainID,
		acting: st.acting(), busy: sub.Status.ActiveRequest != ""}
	others := make([]claim, 0, len(list.Items))
	for i := range list.Items {
		o := &list.Items[i]
		if o.UID == sub.UID || !o.DeletionTimestamp.IsZero() {
			continue
		}
		c := claim{key: client.ObjectKeyFromObject(o), created: o.CreationTimestamp.Time, busy: o.Status.ActiveRequest != "",
			acting: o.Spec.ManagementPolicy == billingv1alpha1.ManagementManage && !o.Spec.Paused}
		var acct billingv1alpha1.BillingAccount
		err := r.Client.Get(ctx, client.ObjectKey{Namespace: o.Namespace, Name: o.Spec.AccountRef.Name}, &acct)
		switch {
		case err == nil:
			c.domain = acct.Spec.DomainID
		case apierrors.IsNotFound(err):
			c.accountless = true
		default:
			return nil, fmt.Errorf("get BillingAccount of Subscription %s: %w", c.key, err)
		}
		if ready := condition(o.Status.Conditions, billingv1alpha1.ConditionReady); ready != nil &&
			ready.Reason == billingv1alpha1.ReasonResourceNotFound && ready.ObservedGeneration == o.Generation {
			c.blind = true
		}
		others = append(others, c)
	}
	return resourceOwner(self, others), nil
}

// reportDuplicate makes a Subscription that does not own its resource
// stand aside: it says who owns it, plans nothing, and acts on nothing.
func (r *SubscriptionReconciler) reportDuplicate(st *subState, owner *claim) {
	sub := st.sub
	msg := fmt.Sprintf("Subscription %s, created earlier, manages resource %s of the same BSS account; this one does nothing while it exists (delete one of the two)",
		owner.key, sub.Spec.ResourceID)
	st.summary.stalled(billingv1alpha1.ReasonDuplicateResource, msg)
	sub.Status.PlannedAction = "none: resource " + sub.Spec.ResourceID + " is managed by Subscription " + owner.key.String()
	sub.Status.RenewalTime = nil
	clearQuotes(&sub.Status)
}

// rivalsOf maps a Subscription to the other Subscriptions of the same
// resource, so that deleting the owner lets the next one take over, and
// a new claim is judged at once.
func (r *SubscriptionReconciler) rivalsOf(ctx context.Context, obj client.Object) []reconcile.Request {
	sub, ok := obj.(*billingv1alpha1.Subscription)
	if !ok {
		return nil
	}
	var list billingv1alpha1.SubscriptionList
	if err := r.Client.List(ctx, &list, client.MatchingFields{indexSubscriptionResourceID: sub.Spec.ResourceID}); err != nil {
		logf.FromContext(ctx).Error(err, "list Subscriptions of a resource", "resourceID", sub.Spec.ResourceID)
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		if o := &list.Items[i]; o.UID != sub.UID {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(o)})
		}
	}
	return out
}
