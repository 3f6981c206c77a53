package controller_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/controller"
	"github.com/bss-operator/bss-operator/internal/inventory"
)

// errCrash stands for the process dying: the write it interrupts never lands.
var errCrash = errors.New("simulated crash before the status write")

// TestRestartBeforeStatusWriteGivesOneOrder: the manager dies right after
// the renew call, before the order IDs reach the RenewalRequest's status. A
// new manager (fresh caches, fresh clients) must adopt the order, not place
// a second one. The Kubernetes side is a fake client here, so that the
// crash can be placed exactly; BSS is the simulator over HTTP.
func TestRestartBeforeStatusWriteGivesOneOrder(t *testing.T) {
	for _, method := range []billingv1alpha1.PaymentMethod{billingv1alpha1.PaymentMethodAutoPay, billingv1alpha1.PaymentMethodPay} {
		t.Run(string(method), func(t *testing.T) {
			a, id := fakeClusterAccount(t, "crash")
			objs := crashObjects(a, id, method)
			renewCallsBefore := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpRenew]

			crashed := false
			k8s := fake.NewClientBuilder().WithScheme(h.env.Scheme).WithObjects(objs...).
				WithStatusSubresource(&billingv1alpha1.RenewalRequest{}, &billingv1alpha1.Subscription{}).
				WithInterceptorFuncs(interceptor.Funcs{
					SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
						if rr, ok := obj.(*billingv1alpha1.RenewalRequest); ok && !crashed && len(rr.Status.OrderIDs) > 0 {
							crashed = true
							return errCrash
						}
						return c.Status().Patch(ctx, obj, patch, opts...)
					},
				}).Build()

			key := client.ObjectKey{Namespace: "crash", Name: "vm-r1"}
			first := crashReconciler(k8s)
			for i := 0; i < 20 && !crashed; i++ {
				if _, err := first.Reconcile(ctx(), ctrl.Request{NamespacedName: key}); err != nil && !errors.Is(err, errCrash) {
					t.Fatalf("reconcile before the crash: %v", err)
				}
			}
			if !crashed {
				t.Fatal("the renew call was never made")
			}
			if n := len(renewalOrders(a)); n != 1 {
				t.Fatalf("%d orders at the crash, want 1", n)
			}
			var rr billingv1alpha1.RenewalRequest
			if err := k8s.Get(ctx(), key, &rr); err != nil {
				t.Fatal(err)
			}
			if len(rr.Status.OrderIDs) != 0 || rr.Status.Phase != billingv1alpha1.RenewalPhaseOrdering {
				t.Fatalf("the crash should have lost the order IDs: phase %s orders %v", rr.Status.Phase, rr.Status.OrderIDs)
			}

			// A new manager starts with nothing but what the apiserver kept,
			// after the quiet time that follows the start of a renew call
			// (the wait itself: TestNextLeaderWaitsOutRenewCall).
			h.advance(time.Minute)
			second := crashReconciler(k8s)
			for i := 0; i < 20 && rr.Status.Phase != billingv1alpha1.RenewalPhaseSucceeded; i++ {
				if _, err := second.Reconcile(ctx(), ctrl.Request{NamespacedName: key}); err != nil {
					t.Fatalf("reconcile after the restart: %v", err)
				}
				if err := k8s.Get(ctx(), key, &rr); err != nil {
					t.Fatal(err)
				}
			}
			orders := renewalOrders(a)
			if len(orders) != 1 {
				t.Fatalf("%d renewal orders after the restart, want exactly 1", len(orders))
			}
			if rr.Status.Phase != billingv1alpha1.RenewalPhaseSucceeded || len(rr.Status.OrderIDs) != 1 || rr.Status.OrderIDs[0] != orders[0].ID {
				t.Fatalf("after the restart: phase %s (%s) orders %v, BSS has %s", rr.Status.Phase, rr.Status.Message, rr.Status.OrderIDs, orders[0].ID)
			}
			if calls := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpRenew] - renewCallsBefore; calls != 1 {
				t.Fatalf("BSS received %d renew calls, want 1", calls)
			}
		})
	}
}

// fakeClusterAccount seeds a simulator account (named after prefix) with
// one resource due in five days, for tests whose Kubernetes side is a fake
// client (see crashObjects); it returns the account and the resource ID.
func fakeClusterAccount(t *testing.T, prefix string) (account, string) {
	t.Helper()
	n := h.seq.Add(1)
	a := account{DomainID: fmt.Sprintf("%s%027d", prefix, n), Name: "acct", NS: "crash",
		AK: fmt.Sprintf("AK%s%013d", prefix, n), SK: prefix + "-secret"}
	if err := h.sim.AddAccount(simulator.AccountSeed{DomainID: a.DomainID, Name: prefix, Currency: "USD",
		Cash: decimal.RequireFromString("1000"), Credentials: []simulator.Credential{{AccessKey: a.AK, SecretKey: a.SK}}}); err != nil {
		t.Fatal(err)
	}
	return a, h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
}

// crashReconciler is a RenewalRequest reconciler as a freshly started
// manager would build it.
func crashReconciler(k8s client.Client) *controller.RenewalRequestReconciler {
	return crashReconcilerVia(k8s, nil)
}

// crashReconcilerVia is crashReconciler whose BSS requests go through
// httpClient (nil: the factory's own), so that a test can act between the
// operator's decision and the request reaching BSS.
func crashReconcilerVia(k8s client.Client, httpClient *http.Client) *controller.RenewalRequestReconciler {
	factory := bss.NewFactory(bss.FactoryConfig{Clock: clock.RealClock{}, Endpoints: h.endpoints, HTTPClient: httpClient})
	return &controller.RenewalRequestReconciler{Deps: controller.Deps{
		Client:     k8s,
		Timing:     controller.Timing{Clock: h.clock, Speed: 1},
		Accounts:   &accounts.Resolver{Reader: k8s, Factory: factory},
		Inventory:  inventory.New(h.clock, nil),
		BSSTimeout: 10 * time.Second,
	}}
}

// crashObjects are the Kubernetes objects of one managed subscription with
// its first RenewalRequest.
func crashObjects(a account, id string, method billingv1alpha1.PaymentMethod) []client.Object {
	ns := "crash"
	res, _ := h.sim.Resource(id)
	sub := subscription(ns, "vm", id, "monthly", billingv1alpha1.ManagementManage)
	sub.UID = "crash-subscription-uid"
	return []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds", Labels: watchLabel()},
			Data: map[string][]byte{"accessKey": []byte(a.AK), "secretKey": []byte(a.SK)}},
		&billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acct"},
			Spec: billingv1alpha1.BillingAccountSpec{Endpoint: h.url, DomainID: a.DomainID,
				CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: "creds"}}},
		renewPolicy(ns, "monthly"),
		sub,
		&billingv1alpha1.RenewalRequest{
			// Created by the Subscription controller: controlled by the
			// Subscription, for the revision after the one it records.
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "vm-r1", OwnerReferences: []metav1.OwnerReference{{
				APIVersion: billingv1alpha1.GroupVersion.String(), Kind: "Subscription", Name: "vm", UID: sub.UID,
				Controller: new(true), BlockOwnerDeletion: new(true)}}},
			Spec: billingv1alpha1.RenewalRequestSpec{
				SubscriptionName: "vm", AccountRef: billingv1alpha1.LocalObjectReference{Name: "acct"},
				ResourceID: id, Revision: 1, BaselineExpireTime: metav1.Time{Time: res.ExpireTime},
				Period:  billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1},
				Payment: billingv1alpha1.PaymentSpec{Method: method, Discount: billingv1alpha1.DiscountBest},
			},
		},
	}
}
