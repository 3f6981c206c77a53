package metrics

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

func testScheme(t testing.TB) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := billingv1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

func cond(typ string, status metav1.ConditionStatus) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: "R", LastTransitionTime: metav1.Now()}
}

// TestObjectCollector: each object state exports exactly the series its
// status supports, and nothing for fields that are empty or unparsable.
func TestObjectCollector(t *testing.T) {
	tests := []struct {
		name    string
		objects []client.Object
		metrics []string // metric names compared
		want    string
	}{
		{
			name: "managed subscription with expiry, renewal time, quote and conditions",
			objects: []client.Object{&billingv1alpha1.Subscription{
				ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "web-01"},
				Spec: billingv1alpha1.SubscriptionSpec{AccountRef: billingv1alpha1.LocalObjectReference{Name: "huawei"},
					ResourceID: "ecs-1", ManagementPolicy: billingv1alpha1.ManagementManage,
					RenewalPolicyRef: &billingv1alpha1.LocalObjectReference{Name: "monthly"}},
				Status: billingv1alpha1.SubscriptionStatus{
					ExpireTime: "2027-01-01T00:00:00Z", RenewalTime: "2026-12-18T00:00:00Z",
					LastQuote:  &billingv1alpha1.PriceQuote{Amount: "123.45", Currency: "USD"},
					Conditions: []metav1.Condition{cond("Ready", metav1.ConditionTrue), cond("ExpiringSoon", metav1.ConditionFalse)},
				},
			}},
			metrics: []string{"bss_operator_subscription_expiry_timestamp_seconds", "bss_operator_subscription_renewal_timestamp_seconds",
				"bss_operator_subscription_info", "bss_operator_subscription_last_quote", "bss_operator_subscription_condition"},
			want: `
# HELP bss_operator_subscription_condition 1 for the current status of each Subscription condition (Ready, ExpiringSoon, PaymentPending, ApprovalRequired, ...).
# TYPE bss_operator_subscription_condition gauge
bss_operator_subscription_condition{condition="ExpiringSoon",name="web-01",namespace="prod",status="False"} 1
bss_operator_subscription_condition{condition="Ready",name="web-01",namespace="prod",status="True"} 1
# HELP bss_operator_subscription_expiry_timestamp_seconds When the Subscription's resource expires, as BSS reports it (status.expireTime), in Unix seconds.
# TYPE bss_operator_subscription_expiry_timestamp_seconds gauge
bss_operator_subscription_expiry_timestamp_seconds{account="huawei",name="web-01",namespace="prod",resource_id="ecs-1"} 1.7987616e+09
# HELP bss_operator_subscription_info Always 1: the Subscription's account, resource, management policy and RenewalPolicy, for joins.
# TYPE bss_operator_subscription_info gauge
bss_operator_subscription_info{account="huawei",management="Manage",name="web-01",namespace="prod",policy="monthly",resource_id="ecs-1"} 1
# HELP bss_operator_subscription_last_quote The last renewal price quoted for the Subscription (status.lastQuote.amount).
# TYPE bss_operator_subscription_last_quote gauge
bss_operator_subscription_last_quote{currency="USD",name="web-01",namespace="prod"} 123.45
# HELP bss_operator_subscription_renewal_timestamp_seconds When the operator will start the next explicit renewal (status.renewalTime), in Unix seconds.
# TYPE bss_operator_subscription_renewal_timestamp_seconds gauge
bss_operator_subscription_renewal_timestamp_seconds{name="web-01",namespace="prod"} 1.797552e+09
`,
		},
		{
			name: "new subscription: only its info, no times from empty or bad status",
			objects: []client.Object{&billingv1alpha1.Subscription{
				ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "db"},
				Spec: billingv1alpha1.SubscriptionSpec{AccountRef: billingv1alpha1.LocalObjectReference{Name: "huawei"},
					ResourceID: "rds-1", ManagementPolicy: billingv1alpha1.ManagementObserve},
				Status: billingv1alpha1.SubscriptionStatus{RenewalTime: "soon",
					LastQuote: &billingv1alpha1.PriceQuote{Amount: "", Currency: "USD"}},
			}},
			metrics: []string{"bss_operator_subscription_expiry_timestamp_seconds", "bss_operator_subscription_renewal_timestamp_seconds",
				"bss_operator_subscription_info", "bss_operator_subscription_last_quote", "bss_operator_subscription_condition"},
			want: `
# HELP bss_operator_subscription_info Always 1: the Subscription's account, resource, management policy and RenewalPolicy, for joins.
# TYPE bss_operator_subscription_info gauge
bss_operator_subscription_info{account="huawei",management="Observe",name="db",namespace="prod",policy="",resource_id="rds-1"} 1
`,
		},
		{
			name: "renewal requests counted by namespace and phase",
			objects: []client.Object{
				renewalRequest("prod", "a", billingv1alpha1.RenewalPhasePaymentPending),
				renewalRequest("prod", "b", billingv1alpha1.RenewalPhasePaymentPending),
				renewalRequest("prod", "c", ""),
				renewalRequest("dev", "d", billingv1alpha1.RenewalPhaseSucceeded),
			},
			metrics: []string{"bss_operator_renewal_requests"},
			want: `
# HELP bss_operator_renewal_requests RenewalRequests by phase (finished ones included until they are pruned from history).
# TYPE bss_operator_renewal_requests gauge
bss_operator_renewal_requests{namespace="dev",phase="Succeeded"} 1
bss_operator_renewal_requests{namespace="prod",phase="PaymentPending"} 2
bss_operator_renewal_requests{namespace="prod",phase="Pending"} 1
`,
		},
		{
			name: "account balances, debt and conditions",
			objects: []client.Object{&billingv1alpha1.BillingAccount{
				ObjectMeta: metav1.ObjectMeta{Namespace: "billing", Name: "huawei"},
				Status: billingv1alpha1.BillingAccountStatus{Currency: "USD", Debt: "0.00",
					Balances: []billingv1alpha1.AccountBalance{{AccountType: "Cash", Amount: "1500.25", Currency: "USD"},
						{AccountType: "Credit", Amount: "not a number", Currency: "USD"}},
					Conditions: []metav1.Condition{cond("Ready", metav1.ConditionFalse)}},
			}},
			metrics: []string{"bss_operator_billingaccount_balance", "bss_operator_billingaccount_debt", "bss_operator_billingaccount_condition"},
			want: `
# HELP bss_operator_billingaccount_balance The BillingAccount's balance per BSS account type (status.balances).
# TYPE bss_operator_billingaccount_balance gauge
bss_operator_billingaccount_balance{account_type="Cash",currency="USD",name="huawei",namespace="billing"} 1500.25
# HELP bss_operator_billingaccount_condition 1 for the current status of each BillingAccount condition (Ready, Reconciling, Stalled).
# TYPE bss_operator_billingaccount_condition gauge
bss_operator_billingaccount_condition{condition="Ready",name="huawei",namespace="billing",status="False"} 1
# HELP bss_operator_billingaccount_debt The amount the BillingAccount owes (status.debt).
# TYPE bss_operator_billingaccount_debt gauge
bss_operator_billingaccount_debt{currency="USD",name="huawei",namespace="billing"} 0
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(tt.objects...).Build()
			c := NewObjectCollector(reader)
			if err := testutil.CollectAndCompare(c, strings.NewReader(tt.want), tt.metrics...); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func renewalRequest(ns, name string, phase billingv1alpha1.RenewalPhase) *billingv1alpha1.RenewalRequest {
	return &billingv1alpha1.RenewalRequest{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Status: billingv1alpha1.RenewalRequestStatus{Phase: phase}}
}

// sharedListReader hands out its Subscriptions without copying, as the
// informer cache does for UnsafeDisableDeepCopy lists, so that the
// benchmark measures the collector rather than a fake client's copies.
type sharedListReader struct {
	client.Reader
	subs []billingv1alpha1.Subscription
}

// List fills Subscription lists; other kinds are empty.
func (r *sharedListReader) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	if l, ok := list.(*billingv1alpha1.SubscriptionList); ok {
		l.Items = r.subs
	}
	return nil
}

// BenchmarkObjectCollector scrapes 10,000 Subscriptions from a cache-like
// reader.
func BenchmarkObjectCollector(b *testing.B) {
	objs := make([]billingv1alpha1.Subscription, 0, 10000)
	for i := 0; i < 10000; i++ {
		objs = append(objs, billingv1alpha1.Subscription{
			ObjectMeta: metav1.ObjectMeta{Namespace: "load", Name: fmt.Sprintf("vm-%05d", i)},
			Spec: billingv1alpha1.SubscriptionSpec{AccountRef: billingv1alpha1.LocalObjectReference{Name: "acct"},
				ResourceID: fmt.Sprintf("ecs-%05d", i), ManagementPolicy: billingv1alpha1.ManagementManage,
				RenewalPolicyRef: &billingv1alpha1.LocalObjectReference{Name: "monthly"}},
			Status: billingv1alpha1.SubscriptionStatus{ExpireTime: "2027-01-01T00:00:00Z", RenewalTime: "2026-12-18T00:00:00Z",
				Conditions: []metav1.Condition{cond("Ready", metav1.ConditionTrue), cond("ExpiringSoon", metav1.ConditionFalse)}},
		})
	}
	c := NewObjectCollector(&sharedListReader{subs: objs})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n := testutil.CollectAndCount(c); n < 40000 {
			b.Fatalf("%d series for 10,000 Subscriptions", n)
		}
	}
}
