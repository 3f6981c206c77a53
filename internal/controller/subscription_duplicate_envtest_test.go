package controller_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// sameCloudAccount creates, in ns, a BillingAccount "acct" with a's
// credentials and domain: a second namespace's view of one cloud account.
func sameCloudAccount(t *testing.T, a account, ns string) {
	t.Helper()
	mustCreate(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bss-credentials", Labels: watchLabel()},
		StringData: map[string]string{billingv1alpha1.SecretKeyAccessKey: a.AK, billingv1alpha1.SecretKeySecretKey: a.SK},
	})
	t.Cleanup(func() {
		_ = h.env.Client.Delete(ctx(), &billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acct"}})
	})
	mustCreate(t, &billingv1alpha1.BillingAccount{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acct"},
		Spec: billingv1alpha1.BillingAccountSpec{
			Endpoint: h.url, DomainID: a.DomainID,
			CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: "bss-credentials"},
			RefreshInterval:      &metav1.Duration{Duration: time.Minute},
		},
	})
}

// TestDuplicateSubscriptionsRenewOnce (issue 16, path 4): two
// Subscriptions in two namespaces name one resource of one cloud account.
// The one created first renews it, once; the other says who owns the
// resource and does nothing. Deleting the owner lets the other take over.
func TestDuplicateSubscriptionsRenewOnce(t *testing.T) {
	ns1, ns2 := h.env.Namespace(t), h.env.Namespace(t)
	a := h.newAccount(t, ns1, "1000.00")
	sameCloudAccount(t, a, ns2)
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	mustCreate(t, renewPolicy(ns1, "monthly"))
	mustCreate(t, renewPolicy(ns2, "monthly"))
	mustCreate(t, subscription(ns1, "vm", id, "monthly", billingv1alpha1.ManagementManage))
	mustCreate(t, subscription(ns2, "vm", id, "monthly", billingv1alpha1.ManagementManage))

	// The rule: the older creationTimestamp, then namespace/name.
	var s1, s2 billingv1alpha1.Subscription
	get(t, ns1, "vm", &s1)
	get(t, ns2, "vm", &s2)
	owner, other := &s1, &s2
	if s2.CreationTimestamp.Before(&s1.CreationTimestamp) || (s2.CreationTimestamp.Equal(&s1.CreationTimestamp) && ns2 < ns1) {
		owner, other = &s2, &s1
	}
	ownerKey := client.ObjectKeyFromObject(owner).String()

	waitRequest(t, owner.Namespace, "vm-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	waitSub(t, other.Namespace, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		c := condition(s.Status.Conditions, billingv1alpha1.ConditionReady)
		if c == nil || c.Status != metav1.ConditionFalse || c.Reason != billingv1alpha1.ReasonDuplicateResource {
			return fmt.Errorf("Ready: %s", describeConditions(s.Status.Conditions))
		}
		if !strings.Contains(c.Message, ownerKey) {
			return fmt.Errorf("Ready message %q does not name the owner %s", c.Message, ownerKey)
		}
		return nil
	})
	passed(t, other.Namespace, "vm")
	var rr billingv1alpha1.RenewalRequest
	if err := getErr(other.Namespace, "vm-r1", &rr); err == nil {
		t.Fatalf("the duplicate started a renewal (phase %s)", rr.Status.Phase)
	}
	if n := len(renewalOrders(a)); n != 1 {
		t.Fatalf("%d renewal orders, want exactly 1", n)
	}
	if q := getSubQuote(t, other.Namespace); q != nil {
		t.Fatalf("the duplicate quoted: %+v", q)
	}

	// The owner goes; the other takes over (the resource is renewed, so it
	// schedules the next renewal instead of ordering again).
	if err := h.env.Client.Delete(ctx(), owner); err != nil {
		t.Fatal(err)
	}
	waitSub(t, other.Namespace, "vm", 30*time.Second, func(s *billingv1alpha1.Subscription) error {
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, billingv1alpha1.ReasonScheduled)
	})
	if n := len(renewalOrders(a)); n != 1 {
		t.Fatalf("%d renewal orders after the take-over, want still 1", n)
	}
}

// getSubQuote returns status.lastQuote of Subscription vm in ns.
func getSubQuote(t *testing.T, ns string) *billingv1alpha1.PriceQuote {
	t.Helper()
	var s billingv1alpha1.Subscription
	get(t, ns, "vm", &s)
	return s.Status.LastQuote
}

// TestLeftoverWithoutAccountHoldsNothing: a Subscription left behind after
// its BillingAccount was deleted names a resource; a newer Subscription of
// another namespace, whose account is on the same cloud account, renews it.
// Found by the chaos scenarios run in sequence: the leftover, older and of
// unknown domain, owned the resource although it can make no BSS call, and
// the newer one stood aside as a duplicate until the resource lapsed.
func TestLeftoverWithoutAccountHoldsNothing(t *testing.T) {
	ns1, ns2 := h.env.Namespace(t), h.env.Namespace(t)
	a := h.newAccount(t, ns2, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	mustCreate(t, renewPolicy(ns1, "monthly"))
	leftover := subscription(ns1, "vm", id, "monthly", billingv1alpha1.ManagementManage)
	mustCreate(t, leftover) // ns1 has no BillingAccount "acct"
	// The leftover is the older one: creation times have whole seconds.
	for !time.Now().Truncate(time.Second).After(leftover.CreationTimestamp.Time) {
		time.Sleep(50 * time.Millisecond)
	}
	mustCreate(t, renewPolicy(ns2, "monthly"))
	mustCreate(t, subscription(ns2, "vm", id, "monthly", billingv1alpha1.ManagementManage))

	waitRequest(t, ns2, "vm-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	if n := len(renewalOrders(a)); n != 1 {
		t.Fatalf("%d renewal orders, want exactly 1", n)
	}
}
