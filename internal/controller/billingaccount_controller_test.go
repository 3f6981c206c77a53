package controller_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// waitAccount waits until the BillingAccount satisfies check.
func waitAccount(t *testing.T, ns string, check func(*billingv1alpha1.BillingAccount) error) *billingv1alpha1.BillingAccount {
	t.Helper()
	var acct billingv1alpha1.BillingAccount
	eventually(t, 20*time.Second, func() error {
		if err := getErr(ns, "acct", &acct); err != nil {
			return err
		}
		return check(&acct)
	})
	return &acct
}

// TestBillingAccountReadyWithBalances: a live balance query makes the
// account Ready and fills its balances.
func TestBillingAccountReadyWithBalances(t *testing.T) {
	ns := h.env.Namespace(t)
	h.newAccount(t, ns, "1234.50")
	acct := waitAccount(t, ns, func(a *billingv1alpha1.BillingAccount) error {
		return wantCondition(a.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, billingv1alpha1.ReasonSucceeded)
	})
	if amt(acct.Status.Balance) != "1234.50" || acct.Status.Balance.Currency != "USD" || acct.Status.LastSyncTime == nil || acct.Status.CredentialsVersion == "" {
		t.Fatalf("status %+v", acct.Status)
	}
}

// TestBillingAccountCredentials: a wrong key is rejected and stalls; fixing
// the Secret recovers without a restart; a missing Secret is reported.
func TestBillingAccountCredentials(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "10.00")
	waitAccount(t, ns, func(acct *billingv1alpha1.BillingAccount) error {
		return wantCondition(acct.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, "")
	})
	setCreds := func(sk string) {
		var sec corev1.Secret
		get(t, ns, "bss-credentials", &sec)
		patch := client.MergeFrom(sec.DeepCopy())
		sec.Data[billingv1alpha1.SecretKeySecretKey] = []byte(sk)
		if err := h.env.Client.Patch(ctx(), &sec, patch); err != nil {
			t.Fatal(err)
		}
	}
	setCreds("wrong")
	waitAccount(t, ns, func(acct *billingv1alpha1.BillingAccount) error {
		if err := wantCondition(acct.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, billingv1alpha1.ReasonCredentialsRejected); err != nil {
			return err
		}
		return wantCondition(acct.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionFalse, billingv1alpha1.ReasonCredentialsRejected)
	})
	setCreds(a.SK)
	waitAccount(t, ns, func(acct *billingv1alpha1.BillingAccount) error {
		return wantCondition(acct.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, "")
	})

	if err := h.env.Client.Delete(ctx(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bss-credentials"}}); err != nil {
		t.Fatal(err)
	}
	waitAccount(t, ns, func(acct *billingv1alpha1.BillingAccount) error {
		return wantCondition(acct.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionFalse, billingv1alpha1.ReasonCredentialsMissing)
	})
}

// TestDiscoveryCreatesObserveSubscriptions: discovery adds Observe-mode
// Subscriptions, not owned by the account (deleteWithAccount is false by
// default), for matching primaries only and leaves existing ones alone.
// The account also holds primaries of another service type and of another
// region, which the filter must leave out.
func TestDiscoveryCreatesObserveSubscriptions(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "10.00")
	first := h.newResource(t, a, resourceOpts{expiresIn: 30 * day, attached: 1})
	second := h.newResource(t, a, resourceOpts{expiresIn: 40 * day})
	h.newResource(t, a, resourceOpts{expiresIn: 30 * day, serviceType: "hws.service.type.rds"})
	h.newResource(t, a, resourceOpts{expiresIn: 30 * day, region: "cn-north-4"})
	mine := subscription(ns, "mine", second, "none", billingv1alpha1.ManagementManage)
	mustCreate(t, mine)

	var acct billingv1alpha1.BillingAccount
	get(t, ns, "acct", &acct)
	patch := client.MergeFrom(acct.DeepCopy())
	acct.Spec.Discovery = &billingv1alpha1.DiscoverySpec{Enabled: true,
		ResourceSelector: billingv1alpha1.ResourceSelector{ServiceTypeCodes: []string{"hws.service.type.ec2"}, RegionCodes: []string{"ap-southeast-1"}}}
	if err := h.env.Client.Patch(ctx(), &acct, patch); err != nil {
		t.Fatal(err)
	}
	h.advance(2 * time.Minute) // the next refresh lists the new resources
	// Wait for a whole discovery pass: the account's status is written
	// after it created every Subscription it was going to.
	discovered := waitAccount(t, ns, func(acct *billingv1alpha1.BillingAccount) error {
		if acct.Status.DiscoveredResources == 0 {
			return fmt.Errorf("no discovery pass yet")
		}
		return nil
	})
	if n := discovered.Status.DiscoveredResources; n != 2 {
		t.Fatalf("discovery matched %d resources, want 2 (one discovered, one mine)", n)
	}
	eventually(t, 20*time.Second, func() error {
		var list billingv1alpha1.SubscriptionList
		if err := h.env.Client.List(ctx(), &list, client.InNamespace(ns)); err != nil {
			return err
		}
		found := map[string]billingv1alpha1.Subscription{}
		for _, s := range list.Items {
			found[s.Spec.ResourceID] = s
		}
		if len(list.Items) < 2 {
			return fmt.Errorf("%d Subscriptions, want 2 (one discovered, one mine)", len(list.Items))
		}
		if len(list.Items) > 2 {
			// Not retried: the pass that discovered first would have
			// created these with it.
			t.Fatalf("%d Subscriptions, want 2: the filter let through %v", len(list.Items), slices.Collect(maps.Keys(found)))
		}
		d, ok := found[first]
		// Not owned by the account: deleteWithAccount is false by default.
		if !ok || d.Spec.ManagementPolicy != billingv1alpha1.ManagementObserve || metav1.GetControllerOf(&d) != nil {
			return fmt.Errorf("discovered Subscription %+v", d)
		}
		if m := found[second]; m.Name != "mine" || m.Spec.ManagementPolicy != billingv1alpha1.ManagementManage {
			return fmt.Errorf("my Subscription was changed: %+v", m)
		}
		return nil
	})
}
