package controller_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// lastApplied is what kubectl apply leaves on a Secret: its data, in clear.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// TestSecretCacheHoldsOnlyLabelledSecretsWithoutAnnotations: the manager's
// cache (the one the controllers read) holds the metadata of the Secrets
// labelled for the operator only, without annotations or managedFields, so
// neither an unrelated Secret nor a last-applied-configuration copy of a
// Secret's data is kept. A BillingAccount whose Secret lacks the label is
// Stalled, not read, and recovers once the label is added.
func TestSecretCacheHoldsOnlyLabelledSecretsWithoutAnnotations(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "10.00")
	data := map[string]string{billingv1alpha1.SecretKeyAccessKey: a.AK, billingv1alpha1.SecretKeySecretKey: a.SK}
	applied := map[string]string{lastApplied: fmt.Sprintf(`{"stringData":{"accessKey":%q,"secretKey":%q}}`, a.AK, a.SK)}
	mustCreate(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "labelled-applied",
		Labels: watchLabel(), Annotations: applied}, StringData: data})
	mustCreate(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unrelated",
		Annotations: applied}, StringData: data})
	mustCreate(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unlabelled-creds"}, StringData: data})
	t.Cleanup(func() {
		_ = h.env.Client.Delete(ctx(), &billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unlabelled"}})
	})
	mustCreate(t, &billingv1alpha1.BillingAccount{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unlabelled"},
		Spec: billingv1alpha1.BillingAccountSpec{Endpoint: h.url, DomainID: a.DomainID,
			CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: "unlabelled-creds"}},
	})

	eventually(t, 20*time.Second, func() error {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
		if err := h.mgr.GetCache().List(ctx(), list, client.InNamespace(ns)); err != nil {
			return err
		}
		var names []string
		for _, s := range list.Items {
			names = append(names, s.Name)
			if len(s.Annotations) != 0 || len(s.ManagedFields) != 0 {
				t.Fatalf("cached Secret %s keeps annotations %v or managedFields %d", s.Name, s.Annotations, len(s.ManagedFields))
			}
		}
		slices.Sort(names)
		if want := []string{"bss-credentials", "labelled-applied"}; !slices.Equal(names, want) {
			return fmt.Errorf("the cache holds Secrets %v, want only the labelled %v", names, want)
		}
		return nil
	})

	var acct billingv1alpha1.BillingAccount
	eventually(t, 20*time.Second, func() error {
		if err := getErr(ns, "unlabelled", &acct); err != nil {
			return err
		}
		return wantCondition(acct.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, billingv1alpha1.ReasonCredentialsNotLabelled)
	})

	var sec corev1.Secret
	get(t, ns, "unlabelled-creds", &sec)
	patch := client.MergeFrom(sec.DeepCopy())
	sec.Labels = watchLabel()
	if err := h.env.Client.Patch(ctx(), &sec, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() error {
		if err := getErr(ns, "unlabelled", &acct); err != nil {
			return err
		}
		return wantCondition(acct.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, "")
	})
}

// TestBillingAccountEndpointNotAllowed: an endpoint outside the manager's
// allowlist (here: a loopback server other than the simulator) stalls the
// account with a clear reason, and the server receives no request at all:
// neither the token nor a signature leaves the manager.
func TestBillingAccountEndpointNotAllowed(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "10.00")
	var hits atomic.Int64
	probe := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer probe.Close()

	var acct billingv1alpha1.BillingAccount
	get(t, ns, a.Name, &acct)
	patch := client.MergeFrom(acct.DeepCopy())
	acct.Spec.Endpoint = probe.URL
	if err := h.env.Client.Patch(ctx(), &acct, patch); err != nil {
		t.Fatal(err)
	}
	got := waitAccount(t, ns, func(acct *billingv1alpha1.BillingAccount) error {
		if acct.Status.ObservedGeneration != acct.Generation {
			return fmt.Errorf("generation %d not observed yet", acct.Generation)
		}
		if err := wantCondition(acct.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, billingv1alpha1.ReasonEndpointNotAllowed); err != nil {
			return err
		}
		return wantCondition(acct.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionFalse, billingv1alpha1.ReasonEndpointNotAllowed)
	})
	if c := condition(got.Status.Conditions, billingv1alpha1.ConditionReady); c == nil || !strings.Contains(c.Message, "--bss-endpoints") || !strings.Contains(c.Message, probe.URL) {
		t.Errorf("Ready message does not say which endpoint and which flag: %+v", c)
	}
	h.advance(2 * time.Minute) // the next refresh must not reach it either
	consistently(t, 2*time.Second, func() error {
		if n := hits.Load(); n != 0 {
			return fmt.Errorf("%d requests reached the endpoint outside the allowlist", n)
		}
		return nil
	})
}
