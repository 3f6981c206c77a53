package metrics

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

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

// transition is the lastTransitionTime of the test conditions.
var transition = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

func cond(typ string, status metav1.ConditionStatus) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: "R", LastTransitionTime: metav1.NewTime(transition)}
}

func subscription(name string, mutate func(*billingv1alpha1.Subscription)) *billingv1alpha1.Subscription {
	s := &billingv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: name},
		Spec: billingv1alpha1.SubscriptionSpec{AccountRef: billingv1alpha1.LocalObjectReference{Name: "huawei"},
			ResourceID: name + "-id", ManagementPolicy: billingv1alpha1.ManagementManage,
			RenewalPolicyRef: &billingv1alpha1.LocalObjectReference{Name: "monthly"}},
	}
	if mutate != nil {
		mutate(s)
	}
	return s
}

func renewalRequest(ns, name string, phase billingv1alpha1.RenewalPhase, conds ...metav1.Condition) *billingv1alpha1.RenewalRequest {
	return &billingv1alpha1.RenewalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name,
			CreationTimestamp: metav1.NewTime(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))},
		Spec:   billingv1alpha1.RenewalRequestSpec{SubscriptionName: strings.Split(name, "-r")[0]},
		Status: billingv1alpha1.RenewalRequestStatus{Phase: phase, Conditions: conds},
	}
}

// healthy is what the health gauges export when every list succeeded and
// every set status field parsed.
const healthy = `
# HELP bss_operator_object_list_failed 1 if this scrape could not list the kind from the cache, so its object gauges are missing; 0 otherwise.
# TYPE bss_operator_object_list_failed gauge
bss_operator_object_list_failed{kind="BillingAccount"} 0
bss_operator_object_list_failed{kind="RenewalRequest"} 0
bss_operator_object_list_failed{kind="Subscription"} 0
# HELP bss_operator_object_status_unparsable Objects whose status amount is set but does not parse as a decimal, so their gauge for it is missing.
# TYPE bss_operator_object_status_unparsable gauge
bss_operator_object_status_unparsable{field="balances.amount.amount",kind="BillingAccount"} 0
bss_operator_object_status_unparsable{field="debt.amount",kind="BillingAccount"} 0
bss_operator_object_status_unparsable{field="lastQuote.price.amount",kind="Subscription"} 0
`

var healthMetrics = []string{"bss_operator_object_list_failed", "bss_operator_object_status_unparsable"}

var subscriptionMetrics = []string{"bss_operator_subscription_expiry_timestamp_seconds", "bss_operator_subscription_renewal_timestamp_seconds",
	"bss_operator_subscription_renewal_failures", "bss_operator_subscription_info", "bss_operator_subscription_last_quote",
	"bss_operator_subscription_condition", "bss_operator_subscription_resource_released"}

// TestObjectCollector: each object state exports exactly the series its
// status supports, and nothing for fields that are empty or unparsable.
func TestObjectCollector(t *testing.T) {
	tests := []struct {
		name    string
		objects []client.Object
		// listErr, if set, fails the lists of the kinds whose list type
		// it holds.
		listErr map[string]bool
		metrics []string // metric names compared
		want    string
	}{
		{
			name:    "empty cluster: only the health gauges, all zero",
			metrics: append(append([]string{}, subscriptionMetrics...), healthMetrics...),
			want:    healthy,
		},
		{
			name: "managed subscription with expiry, renewal time, quote and conditions",
			objects: []client.Object{subscription("web-01", func(s *billingv1alpha1.Subscription) {
				s.Status = billingv1alpha1.SubscriptionStatus{
					ExpireTime: ts("2027-01-01T00:00:00Z"), RenewalTime: ts("2026-12-18T00:00:00Z"),
					LastQuote:  &billingv1alpha1.PriceQuote{Price: billingv1alpha1.Money{Amount: "123.45", Currency: "USD"}},
					Conditions: []metav1.Condition{cond("Ready", metav1.ConditionTrue), cond("ExpiringSoon", metav1.ConditionFalse)},
				}
			})},
			metrics: subscriptionMetrics,
			want: `
# HELP bss_operator_subscription_condition 1 for the current status (True, False, Unknown) of each Subscription condition (Ready, ExpiringSoon, PaymentPending, ApprovalRequired, ...).
# TYPE bss_operator_subscription_condition gauge
bss_operator_subscription_condition{condition="ExpiringSoon",name="web-01",namespace="prod",status="False"} 1
bss_operator_subscription_condition{condition="Ready",name="web-01",namespace="prod",status="True"} 1
# HELP bss_operator_subscription_expiry_timestamp_seconds When the Subscription's resource expires, as BSS reports it (status.expireTime), in Unix seconds.
# TYPE bss_operator_subscription_expiry_timestamp_seconds gauge
bss_operator_subscription_expiry_timestamp_seconds{account="huawei",name="web-01",namespace="prod",resource_id="web-01-id"} 1.7987616e+09
# HELP bss_operator_subscription_info Always 1: the Subscription's account, resource, management policy and RenewalPolicy, for joins.
# TYPE bss_operator_subscription_info gauge
bss_operator_subscription_info{account="huawei",management="Manage",name="web-01",namespace="prod",policy="monthly",resource_id="web-01-id"} 1
# HELP bss_operator_subscription_last_quote The last renewal price quoted for the Subscription (status.lastQuote.price.amount).
# TYPE bss_operator_subscription_last_quote gauge
bss_operator_subscription_last_quote{currency="USD",name="web-01",namespace="prod"} 123.45
# HELP bss_operator_subscription_renewal_failures Consecutive renewal attempts of the Subscription that ended Failed or Cancelled (status.failureCount); 0 after a success.
# TYPE bss_operator_subscription_renewal_failures gauge
bss_operator_subscription_renewal_failures{name="web-01",namespace="prod"} 0
# HELP bss_operator_subscription_renewal_timestamp_seconds When the operator will start the next explicit renewal (status.renewalTime), in Unix seconds.
# TYPE bss_operator_subscription_renewal_timestamp_seconds gauge
bss_operator_subscription_renewal_timestamp_seconds{name="web-01",namespace="prod"} 1.797552e+09
`,
		},
		{
			name: "new observed subscription: info and failures only, an unparsable quote is counted",
			objects: []client.Object{subscription("db", func(s *billingv1alpha1.Subscription) {
				s.Spec.ManagementPolicy, s.Spec.RenewalPolicyRef = billingv1alpha1.ManagementObserve, nil
				s.Status = billingv1alpha1.SubscriptionStatus{
					LastQuote: &billingv1alpha1.PriceQuote{Price: billingv1alpha1.Money{Amount: "soon", Currency: "USD"}}}
			})},
			metrics: append(append([]string{}, subscriptionMetrics...), healthMetrics...),
			want: strings.Replace(healthy, `field="lastQuote.price.amount",kind="Subscription"} 0`, `field="lastQuote.price.amount",kind="Subscription"} 1`, 1) + `
# HELP bss_operator_subscription_info Always 1: the Subscription's account, resource, management policy and RenewalPolicy, for joins.
# TYPE bss_operator_subscription_info gauge
bss_operator_subscription_info{account="huawei",management="Observe",name="db",namespace="prod",policy="",resource_id="db-id"} 1
# HELP bss_operator_subscription_renewal_failures Consecutive renewal attempts of the Subscription that ended Failed or Cancelled (status.failureCount); 0 after a success.
# TYPE bss_operator_subscription_renewal_failures gauge
bss_operator_subscription_renewal_failures{name="db",namespace="prod"} 0
`,
		},
		{
			name: "failing and expiring subscriptions: failures and unknown conditions",
			objects: []client.Object{
				subscription("cache", func(s *billingv1alpha1.Subscription) {
					s.Status = billingv1alpha1.SubscriptionStatus{FailureCount: 3, ExpireTime: ts("2026-12-03T00:00:00+08:00"),
						Conditions: []metav1.Condition{cond("ExpiringSoon", metav1.ConditionTrue), cond("Ready", metav1.ConditionUnknown)}}
				}),
				subscription("lb", func(s *billingv1alpha1.Subscription) {
					s.Status = billingv1alpha1.SubscriptionStatus{} // not read from BSS yet: no expiry series
				}),
			},
			metrics: []string{"bss_operator_subscription_renewal_failures", "bss_operator_subscription_condition",
				"bss_operator_subscription_expiry_timestamp_seconds", "bss_operator_object_status_unparsable"},
			want: `
# HELP bss_operator_subscription_condition 1 for the current status (True, False, Unknown) of each Subscription condition (Ready, ExpiringSoon, PaymentPending, ApprovalRequired, ...).
# TYPE bss_operator_subscription_condition gauge
bss_operator_subscription_condition{condition="ExpiringSoon",name="cache",namespace="prod",status="True"} 1
bss_operator_subscription_condition{condition="Ready",name="cache",namespace="prod",status="Unknown"} 1
# HELP bss_operator_subscription_expiry_timestamp_seconds When the Subscription's resource expires, as BSS reports it (status.expireTime), in Unix seconds.
# TYPE bss_operator_subscription_expiry_timestamp_seconds gauge
bss_operator_subscription_expiry_timestamp_seconds{account="huawei",name="cache",namespace="prod",resource_id="cache-id"} 1.7962272e+09
# HELP bss_operator_subscription_renewal_failures Consecutive renewal attempts of the Subscription that ended Failed or Cancelled (status.failureCount); 0 after a success.
# TYPE bss_operator_subscription_renewal_failures gauge
bss_operator_subscription_renewal_failures{name="cache",namespace="prod"} 3
bss_operator_subscription_renewal_failures{name="lb",namespace="prod"} 0
# HELP bss_operator_object_status_unparsable Objects whose status amount is set but does not parse as a decimal, so their gauge for it is missing.
# TYPE bss_operator_object_status_unparsable gauge
bss_operator_object_status_unparsable{field="balances.amount.amount",kind="BillingAccount"} 0
bss_operator_object_status_unparsable{field="debt.amount",kind="BillingAccount"} 0
bss_operator_object_status_unparsable{field="lastQuote.price.amount",kind="Subscription"} 0
`,
		},
		{
			name: "released resources: 1 while status.releasedTime is set, absent otherwise",
			objects: []client.Object{
				subscription("gone", func(s *billingv1alpha1.Subscription) {
					s.Spec.ManagementPolicy = billingv1alpha1.ManagementObserve
					s.Status = billingv1alpha1.SubscriptionStatus{ReleasedTime: ts("2026-12-02T00:00:00Z"),
						Conditions: []metav1.Condition{cond(billingv1alpha1.ConditionResourceReleased, metav1.ConditionTrue)}}
				}),
				subscription("live", func(s *billingv1alpha1.Subscription) {
					s.Status = billingv1alpha1.SubscriptionStatus{ExpireTime: ts("2027-01-01T00:00:00Z")}
				}),
			},
			metrics: []string{"bss_operator_subscription_resource_released"},
			want: `
# HELP bss_operator_subscription_resource_released 1 while BSS has released the Subscription's resource (status.releasedTime is set, condition ResourceReleased): unsubscribed, deleted or converted to pay-per-use; absent otherwise.
# TYPE bss_operator_subscription_resource_released gauge
bss_operator_subscription_resource_released{account="huawei",name="gone",namespace="prod"} 1
`,
		},
		{
			name: "renewal requests by namespace and phase, and since when the waiting ones wait",
			objects: []client.Object{
				renewalRequest("prod", "web-r1", billingv1alpha1.RenewalPhasePaymentPending,
					cond("PaymentPending", metav1.ConditionTrue), cond("ApprovalRequired", metav1.ConditionFalse)),
				renewalRequest("prod", "db-r2", billingv1alpha1.RenewalPhasePaymentPending),
				renewalRequest("prod", "lb-r1", billingv1alpha1.RenewalPhaseAwaitingApproval, cond("ApprovalRequired", metav1.ConditionTrue)),
				renewalRequest("prod", "new-r1", ""),
				renewalRequest("dev", "old-r4", billingv1alpha1.RenewalPhaseSucceeded, cond("PaymentPending", metav1.ConditionFalse)),
			},
			metrics: []string{"bss_operator_renewal_requests", "bss_operator_renewal_request_waiting_since_timestamp_seconds"},
			want: `
# HELP bss_operator_renewal_requests RenewalRequests by phase (finished ones included until they are pruned from history).
# TYPE bss_operator_renewal_requests gauge
bss_operator_renewal_requests{namespace="dev",phase="Succeeded"} 1
bss_operator_renewal_requests{namespace="prod",phase="AwaitingApproval"} 1
bss_operator_renewal_requests{namespace="prod",phase="PaymentPending"} 2
bss_operator_renewal_requests{namespace="prod",phase="Pending"} 1
# HELP bss_operator_renewal_request_waiting_since_timestamp_seconds When a RenewalRequest began to wait for approval (phase AwaitingApproval) or payment (phase PaymentPending), in Unix seconds.
# TYPE bss_operator_renewal_request_waiting_since_timestamp_seconds gauge
bss_operator_renewal_request_waiting_since_timestamp_seconds{name="db-r2",namespace="prod",phase="PaymentPending",subscription="db"} 1.7959968e+09
bss_operator_renewal_request_waiting_since_timestamp_seconds{name="lb-r1",namespace="prod",phase="AwaitingApproval",subscription="lb"} 1.796112e+09
bss_operator_renewal_request_waiting_since_timestamp_seconds{name="web-r1",namespace="prod",phase="PaymentPending",subscription="web"} 1.796112e+09
`,
		},
		{
			name: "renewal requests whose order is stuck in a state, by reason",
			objects: []client.Object{
				func() client.Object {
					rr := renewalRequest("prod", "web-r1", billingv1alpha1.RenewalPhaseConfirming,
						metav1.Condition{Type: billingv1alpha1.ConditionOrderStuck, Status: metav1.ConditionTrue,
							Reason: billingv1alpha1.ReasonOrderProcessing, LastTransitionTime: metav1.NewTime(transition)})
					rr.Status.OrderStatusSince = &metav1.Time{Time: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}
					return rr
				}(),
				renewalRequest("prod", "db-r1", billingv1alpha1.RenewalPhasePaymentPending,
					metav1.Condition{Type: billingv1alpha1.ConditionOrderStuck, Status: metav1.ConditionTrue,
						Reason: billingv1alpha1.ReasonOrderPendingApproval, LastTransitionTime: metav1.NewTime(transition)}),
				renewalRequest("prod", "lb-r1", billingv1alpha1.RenewalPhaseConfirming),
			},
			metrics: []string{"bss_operator_renewal_request_order_stuck_since_timestamp_seconds"},
			want: `
# HELP bss_operator_renewal_request_order_stuck_since_timestamp_seconds For each RenewalRequest whose order stayed in status 1 (pending approval), 3 (processing) or 9 (to be confirmed) past the operator's bound (condition OrderStuck True, reason naming the state): when the order entered that state (status.orderStatusSince), in Unix seconds.
# TYPE bss_operator_renewal_request_order_stuck_since_timestamp_seconds gauge
bss_operator_renewal_request_order_stuck_since_timestamp_seconds{name="db-r1",namespace="prod",reason="OrderPendingApproval",subscription="db"} 1.796112e+09
bss_operator_renewal_request_order_stuck_since_timestamp_seconds{name="web-r1",namespace="prod",reason="OrderProcessing",subscription="web"} 1.7959968e+09
`,
		},
		{
			name: "account balances, debt and conditions; an unparsable balance is counted",
			objects: []client.Object{&billingv1alpha1.BillingAccount{
				ObjectMeta: metav1.ObjectMeta{Namespace: "billing", Name: "huawei"},
				Status: billingv1alpha1.BillingAccountStatus{Debt: &billingv1alpha1.Money{Amount: "12.50", Currency: "USD"},
					Balances: []billingv1alpha1.AccountBalance{{AccountType: "Cash", Amount: billingv1alpha1.Money{Amount: "1500.25", Currency: "USD"}},
						{AccountType: "Credit", Amount: billingv1alpha1.Money{Amount: "not a number", Currency: "USD"}}},
					Conditions: []metav1.Condition{cond("Ready", metav1.ConditionFalse)}},
			}},
			metrics: append([]string{"bss_operator_billingaccount_balance", "bss_operator_billingaccount_debt",
				"bss_operator_billingaccount_condition"}, healthMetrics...),
			want: strings.Replace(healthy, `field="balances.amount.amount",kind="BillingAccount"} 0`, `field="balances.amount.amount",kind="BillingAccount"} 1`, 1) + `
# HELP bss_operator_billingaccount_balance The BillingAccount's balance per BSS account type (status.balances).
# TYPE bss_operator_billingaccount_balance gauge
bss_operator_billingaccount_balance{account_type="Cash",currency="USD",name="huawei",namespace="billing"} 1500.25
# HELP bss_operator_billingaccount_condition 1 for the current status (True, False, Unknown) of each BillingAccount condition (Ready, Reconciling, Stalled).
# TYPE bss_operator_billingaccount_condition gauge
bss_operator_billingaccount_condition{condition="Ready",name="huawei",namespace="billing",status="False"} 1
# HELP bss_operator_billingaccount_debt The amount the BillingAccount owes (status.debt).
# TYPE bss_operator_billingaccount_debt gauge
bss_operator_billingaccount_debt{currency="USD",name="huawei",namespace="billing"} 12.5
`,
		},
		{
			name: "a failed list exports nothing of its kind, says so, and spares the other kinds",
			objects: []client.Object{
				subscription("web-01", func(s *billingv1alpha1.Subscription) { s.Status.ExpireTime = ts("2027-01-01T00:00:00Z") }),
				renewalRequest("prod", "web-01-r1", billingv1alpha1.RenewalPhaseSucceeded),
			},
			listErr: map[string]bool{"SubscriptionList": true},
			metrics: append(append([]string{"bss_operator_renewal_requests"}, subscriptionMetrics...), healthMetrics...),
			want: strings.Replace(healthy, `kind="Subscription"} 0`, `kind="Subscription"} 1`, 1) + `
# HELP bss_operator_renewal_requests RenewalRequests by phase (finished ones included until they are pruned from history).
# TYPE bss_operator_renewal_requests gauge
bss_operator_renewal_requests{namespace="prod",phase="Succeeded"} 1
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(tt.objects...).
				WithInterceptorFuncs(interceptor.Funcs{
					List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
						if kind := fmt.Sprintf("%T", list); tt.listErr[kind[strings.LastIndex(kind, ".")+1:]] {
							return errors.New("cache not started")
						}
						return c.List(ctx, list, opts...)
					},
				}).Build()
			c := NewObjectCollector(reader)
			if err := testutil.CollectAndCompare(c, strings.NewReader(tt.want), tt.metrics...); err != nil {
				t.Fatal(err)
			}
			checkSortedLabels(t, c)
		})
	}
}

// checkSortedLabels fails if a series of c has its labels out of order:
// the registry would then copy and sort them on every scrape.
func checkSortedLabels(t *testing.T, c prometheus.Collector) {
	t.Helper()
	ch := make(chan prometheus.Metric)
	go func() { c.Collect(ch); close(ch) }()
	for m := range ch {
		var out dto.Metric
		if err := m.Write(&out); err != nil {
			t.Fatal(err)
		}
		if !slices.IsSortedFunc(out.Label, func(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) }) {
			t.Errorf("%s: labels not sorted: %v", m.Desc(), out.Label)
		}
	}
}

// cacheReader lists Subscriptions the way controller-runtime's informer
// cache does with UnsafeDisableDeepCopy: the indexer's pointers are
// gathered and apimeta.SetList copies each struct (shallowly) into the
// list's items. Other kinds are empty. The benchmark thus measures what a
// scrape costs in the manager rather than a fake client's deep copies.
type cacheReader struct {
	client.Reader
	indexer []any
}

// List fills Subscription lists; other kinds are empty.
func (r *cacheReader) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	if _, ok := list.(*billingv1alpha1.SubscriptionList); !ok {
		return nil
	}
	objs := make([]runtime.Object, 0, len(r.indexer))
	for _, o := range r.indexer {
		objs = append(objs, o.(runtime.Object))
	}
	if err := apimeta.SetList(list, objs); err != nil {
		return fmt.Errorf("set list: %w", err)
	}
	return nil
}

// subscriptionConditions are the conditions the Subscription controller
// maintains, so the benchmark scrapes as many series as a real cluster.
var subscriptionConditions = []string{"Ready", "Reconciling", "Stalled", "Renewing", "ApprovalRequired",
	"PaymentPending", "BudgetBlocked", "ExpiringSoon", "Expired", "DriftDetected"}

// BenchmarkSubscriptionCollector scrapes 10,000 Subscriptions, each with a
// quote and all ten conditions (the worst case: an idle one has five), from
// a cache-like reader, and drains the series as the registry does (without
// its sorting and encoding).
func BenchmarkSubscriptionCollector(b *testing.B) {
	const n = 10000
	indexer := make([]any, 0, n)
	for i := range n {
		conds := make([]metav1.Condition, 0, len(subscriptionConditions))
		for _, typ := range subscriptionConditions {
			conds = append(conds, cond(typ, metav1.ConditionFalse))
		}
		indexer = append(indexer, &billingv1alpha1.Subscription{
			ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("team-%02d", i%50), Name: fmt.Sprintf("vm-%05d", i)},
			Spec: billingv1alpha1.SubscriptionSpec{AccountRef: billingv1alpha1.LocalObjectReference{Name: "acct"},
				ResourceID: fmt.Sprintf("ecs-%05d", i), ManagementPolicy: billingv1alpha1.ManagementManage,
				RenewalPolicyRef: &billingv1alpha1.LocalObjectReference{Name: "monthly"}},
			Status: billingv1alpha1.SubscriptionStatus{ExpireTime: ts("2027-01-01T00:00:00Z"), RenewalTime: ts("2026-12-18T00:00:00Z"),
				LastQuote: &billingv1alpha1.PriceQuote{Price: billingv1alpha1.Money{Amount: "123.45", Currency: "USD"}}, Conditions: conds},
		})
	}
	c := NewObjectCollector(&cacheReader{indexer: indexer})
	// 5 per Subscription (info, expiry, renewal time, failures, quote), 1
	// per condition, and the 3+3 health gauges.
	const want = n*(5+10) + 3 + 3
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ch := make(chan prometheus.Metric, 1024)
		go func() { c.Collect(ch); close(ch) }()
		got := 0
		for range ch {
			got++
		}
		if got != want {
			b.Fatalf("%d series for %d Subscriptions, want %d", got, n, want)
		}
	}
	b.ReportMetric(float64(want), "series/op")
}

// ts parses an RFC 3339 status time.
func ts(s string) *metav1.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &metav1.Time{Time: t}
}
