package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// objectListTimeout bounds the cache reads of one scrape.
const objectListTimeout = 5 * time.Second

// Kinds read by the ObjectCollector, as its health gauges name them.
const (
	kindSubscription   = "Subscription"
	kindRenewalRequest = "RenewalRequest"
	kindBillingAccount = "BillingAccount"
)

// statusField is a status field that holds an amount as a decimal string,
// so a scrape may find it unparsable. Times are metav1.Time and always
// parse.
type statusField int

// The status fields the collector parses, in the order of
// parsedStatusFields.
const (
	fieldSubscriptionLastQuote statusField = iota
	fieldAccountBalance
	fieldAccountDebt
	numStatusFields
)

// parsedStatusFields names each statusField by kind and JSON path.
var parsedStatusFields = [numStatusFields]struct{ kind, field string }{
	fieldSubscriptionLastQuote: {kindSubscription, "lastQuote.price.amount"},
	fieldAccountBalance:        {kindBillingAccount, "balances.amount.amount"},
	fieldAccountDebt:           {kindBillingAccount, "debt.amount"},
}

// unparsable counts, during one scrape, the set status fields that did not
// parse.
type unparsable [numStatusFields]int

// waitingPhases maps the RenewalRequest phases that wait for a person (to
// approve, or to pay) to the condition whose transition to True marks when
// the wait began.
var waitingPhases = map[billingv1alpha1.RenewalPhase]string{
	billingv1alpha1.RenewalPhaseAwaitingApproval: billingv1alpha1.ConditionApprovalRequired,
	billingv1alpha1.RenewalPhasePaymentPending:   billingv1alpha1.ConditionPaymentPending,
}

// ObjectCollector exports gauges computed at scrape time from the status
// of Subscriptions, RenewalRequests and BillingAccounts in a reader (the
// manager's cache). Deleted objects leave no series, and nothing is stored
// between scrapes:
//
//	bss_operator_subscription_expiry_timestamp_seconds{namespace,name,account,resource_id}
//	bss_operator_subscription_renewal_timestamp_seconds{namespace,name}
//	bss_operator_subscription_renewal_failures{namespace,name}
//	bss_operator_subscription_info{namespace,name,account,resource_id,management,policy}
//	bss_operator_subscription_last_quote{namespace,name,currency}
//	bss_operator_subscription_condition{namespace,name,condition,status}
//	bss_operator_subscription_resource_released{namespace,name,account}
//	bss_operator_renewal_requests{namespace,phase}
//	bss_operator_renewal_request_waiting_since_timestamp_seconds{namespace,name,subscription,phase}
//	bss_operator_renewal_request_order_stuck_since_timestamp_seconds{namespace,name,subscription,reason}
//	bss_operator_billingaccount_balance{namespace,name,account_type,currency}
//	bss_operator_billingaccount_debt{namespace,name,currency}
//	bss_operator_billingaccount_condition{namespace,name,condition,status}
//	bss_operator_object_list_failed{kind}
//	bss_operator_object_status_unparsable{kind,field}
type ObjectCollector struct {
	reader client.Reader

	subExpiry, subRenewal, subFailures, subInfo, subQuote, subCondition *prometheus.Desc
	subReleased                                                         *prometheus.Desc
	requests, requestWaiting, requestStuck                              *prometheus.Desc
	acctBalance, acctDebt, acctCondition                                *prometheus.Desc
	listFailed, unparsable                                              *prometheus.Desc
}

// NewObjectCollector returns a collector that lists the objects from
// reader on every scrape. Pass the manager's cache (mgr.GetCache()) so that
// scrapes never reach the API server, and register the collector on
// controller-runtime's metrics.Registry.
func NewObjectCollector(reader client.Reader) *ObjectCollector {
	d := prometheus.NewDesc
	return &ObjectCollector{
		reader: reader,
		subExpiry: d("bss_operator_subscription_expiry_timestamp_seconds",
			"When the Subscription's resource expires, as BSS reports it (status.expireTime), in Unix seconds.",
			[]string{"namespace", "name", "account", "resource_id"}, nil),
		subRenewal: d("bss_operator_subscription_renewal_timestamp_seconds",
			"When the operator will start the next explicit renewal (status.renewalTime), in Unix seconds.",
			[]string{"namespace", "name"}, nil),
		subFailures: d("bss_operator_subscription_renewal_failures",
			"Consecutive renewal attempts of the Subscription that ended Failed or Cancelled (status.failureCount); 0 after a success.",
			[]string{"namespace", "name"}, nil),
		subInfo: d("bss_operator_subscription_info",
			"Always 1: the Subscription's account, resource, management policy and RenewalPolicy, for joins.",
			[]string{"namespace", "name", "account", "resource_id", "management", "policy"}, nil),
		subQuote: d("bss_operator_subscription_last_quote",
			"The last renewal price quoted for the Subscription (status.lastQuote.price.amount).",
			[]string{"namespace", "name", "currency"}, nil),
		subCondition: d("bss_operator_subscription_condition",
			"1 for the current status (True, False, Unknown) of each Subscription condition (Ready, ExpiringSoon, PaymentPending, ApprovalRequired, ...).",
			[]string{"namespace", "name", "condition", "status"}, nil),
		subReleased: d("bss_operator_subscription_resource_released",
			"1 while BSS has released the Subscription's resource (status.releasedTime is set, condition ResourceReleased): unsubscribed, deleted or converted to pay-per-use; absent otherwise.",
			[]string{"namespace", "name", "account"}, nil),
		requests: d("bss_operator_renewal_requests",
			"RenewalRequests by phase (finished ones included until they are pruned from history).",
			[]string{"namespace", "phase"}, nil),
		requestWaiting: d("bss_operator_renewal_request_waiting_since_timestamp_seconds",
			"When a RenewalRequest began to wait for approval (phase AwaitingApproval) or payment (phase PaymentPending), in Unix seconds.",
			[]string{"namespace", "name", "subscription", "phase"}, nil),
		requestStuck: d("bss_operator_renewal_request_order_stuck_since_timestamp_seconds",
			"For each RenewalRequest whose order stayed in status 1 (pending approval), 3 (processing) or 9 (to be confirmed) past the operator's bound (condition OrderStuck True, reason naming the state): when the order entered that state (status.orderStatusSince), in Unix seconds.",
			[]string{"namespace", "name", "subscription", "reason"}, nil),
		acctBalance: d("bss_operator_billingaccount_balance",
			"The BillingAccount's balance per BSS account type (status.balances).",
			[]string{"namespace", "name", "account_type", "currency"}, nil),
		acctDebt: d("bss_operator_billingaccount_debt",
			"The amount the BillingAccount owes (status.debt).",
			[]string{"namespace", "name", "currency"}, nil),
		acctCondition: d("bss_operator_billingaccount_condition",
			"1 for the current status (True, False, Unknown) of each BillingAccount condition (Ready, Reconciling, Stalled).",
			[]string{"namespace", "name", "condition", "status"}, nil),
		listFailed: d("bss_operator_object_list_failed",
			"1 if this scrape could not list the kind from the cache, so its object gauges are missing; 0 otherwise.",
			[]string{"kind"}, nil),
		unparsable: d("bss_operator_object_status_unparsable",
			"Objects whose status amount is set but does not parse as a decimal, so their gauge for it is missing.",
			[]string{"kind", "field"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *ObjectCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.subExpiry, c.subRenewal, c.subFailures, c.subInfo, c.subQuote, c.subCondition, c.subReleased,
		c.requests, c.requestWaiting, c.requestStuck, c.acctBalance, c.acctDebt, c.acctCondition, c.listFailed, c.unparsable} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. The lists are read-only views
// of the cache (UnsafeDisableDeepCopy: 10,000 Subscriptions are scraped
// without deep-copying them), and an object's series share its label
// pairs (series.go). A failed list exports nothing of its kind
// and sets bss_operator_object_list_failed for it; it never fails the
// scrape, which would lose every other metric.
func (c *ObjectCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), objectListTimeout)
	defer cancel()
	var skipped unparsable
	shared := pairs{}

	var subs billingv1alpha1.SubscriptionList
	err := c.reader.List(ctx, &subs, client.UnsafeDisableDeepCopy)
	c.listed(ch, kindSubscription, err)
	if err == nil {
		for i := range subs.Items {
			c.collectSubscription(ch, &subs.Items[i], shared, &skipped)
		}
	}

	var requests billingv1alpha1.RenewalRequestList
	err = c.reader.List(ctx, &requests, client.UnsafeDisableDeepCopy)
	c.listed(ch, kindRenewalRequest, err)
	if err == nil {
		c.collectRequests(ch, requests.Items)
	}

	var accounts billingv1alpha1.BillingAccountList
	err = c.reader.List(ctx, &accounts, client.UnsafeDisableDeepCopy)
	c.listed(ch, kindBillingAccount, err)
	if err == nil {
		for i := range accounts.Items {
			c.collectAccount(ch, &accounts.Items[i], shared, &skipped)
		}
	}

	for f, name := range parsedStatusFields {
		ch <- prometheus.MustNewConstMetric(c.unparsable, prometheus.GaugeValue, float64(skipped[f]), name.kind, name.field)
	}
}

// listed exports whether the list of kind failed.
func (c *ObjectCollector) listed(ch chan<- prometheus.Metric, kind string, err error) {
	failed := 0.0
	if err != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(c.listFailed, prometheus.GaugeValue, failed, kind)
}

// collectSubscription exports the gauges of one Subscription.
func (c *ObjectCollector) collectSubscription(ch chan<- prometheus.Metric, s *billingv1alpha1.Subscription, shared pairs, skipped *unparsable) {
	ns, name := shared.get(&labelNamespace, s.Namespace), pair(&labelName, s.Name)
	acct, id := shared.get(&labelAccount, s.Spec.AccountRef.Name), pair(&labelResourceID, s.Spec.ResourceID)
	policy := ""
	if s.Spec.RenewalPolicyRef != nil {
		policy = s.Spec.RenewalPolicyRef.Name
	}
	ch <- newGauge(c.subInfo, 1, acct, shared.get(&labelManagement, string(s.Spec.ManagementPolicy)), name, ns,
		shared.get(&labelPolicy, policy), id)
	if t := s.Status.ExpireTime; t != nil {
		ch <- newGauge(c.subExpiry, float64(t.Unix()), acct, name, ns, id)
	}
	if t := s.Status.RenewalTime; t != nil {
		ch <- newGauge(c.subRenewal, float64(t.Unix()), name, ns)
	}
	ch <- newGauge(c.subFailures, float64(s.Status.FailureCount), name, ns)
	if s.Status.ReleasedTime != nil {
		ch <- newGauge(c.subReleased, 1, acct, name, ns)
	}
	if q := s.Status.LastQuote; q != nil {
		if v, ok := amount(&q.Price, skipped, fieldSubscriptionLastQuote); ok {
			ch <- newGauge(c.subQuote, v, shared.get(&labelCurrency, q.Price.Currency), name, ns)
		}
	}
	conditions(ch, c.subCondition, shared, ns, name, s.Status.Conditions)
}

// collectRequests exports the RenewalRequests by namespace and phase, and
// when each one that waits for a person began to wait.
func (c *ObjectCollector) collectRequests(ch chan<- prometheus.Metric, items []billingv1alpha1.RenewalRequest) {
	type key struct{ ns, phase string }
	counts := map[key]int{}
	for i := range items {
		rr := &items[i]
		phase := rr.Status.Phase
		if phase == "" {
			phase = billingv1alpha1.RenewalPhasePending
		}
		counts[key{rr.Namespace, string(phase)}]++
		if condType, ok := waitingPhases[phase]; ok {
			since := rr.CreationTimestamp.Time
			for j := range rr.Status.Conditions {
				if cond := &rr.Status.Conditions[j]; cond.Type == condType && cond.Status == metav1.ConditionTrue {
					since = cond.LastTransitionTime.Time
				}
			}
			if !since.IsZero() {
				ch <- prometheus.MustNewConstMetric(c.requestWaiting, prometheus.GaugeValue, float64(since.Unix()),
					rr.Namespace, rr.Name, rr.Spec.SubscriptionName, string(phase))
			}
		}
	}
	for i := range items {
		rr := &items[i]
		for j := range rr.Status.Conditions {
			cond := &rr.Status.Conditions[j]
			if cond.Type != billingv1alpha1.ConditionOrderStuck || cond.Status != metav1.ConditionTrue {
				continue
			}
			since := cond.LastTransitionTime.Time
			if s := rr.Status.OrderStatusSince; s != nil {
				since = s.Time
			}
			ch <- prometheus.MustNewConstMetric(c.requestStuck, prometheus.GaugeValue, float64(since.Unix()),
				rr.Namespace, rr.Name, rr.Spec.SubscriptionName, cond.Reason)
		}
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.GaugeValue, float64(n), k.ns, k.phase)
	}
}

// collectAccount exports the gauges of one BillingAccount.
func (c *ObjectCollector) collectAccount(ch chan<- prometheus.Metric, a *billingv1alpha1.BillingAccount, shared pairs, skipped *unparsable) {
	ns, name := shared.get(&labelNamespace, a.Namespace), pair(&labelName, a.Name)
	for _, b := range a.Status.Balances {
		if v, ok := amount(&b.Amount, skipped, fieldAccountBalance); ok {
			ch <- newGauge(c.acctBalance, v, shared.get(&labelAccountType, b.AccountType), shared.get(&labelCurrency, b.Amount.Currency), name, ns)
		}
	}
	if v, ok := amount(a.Status.Debt, skipped, fieldAccountDebt); ok {
		ch <- newGauge(c.acctDebt, v, shared.get(&labelCurrency, a.Status.Debt.Currency), name, ns)
	}
	conditions(ch, c.acctCondition, shared, ns, name, a.Status.Conditions)
}

// amount parses a status amount. An absent one exports no series; an
// unparsable one exports none either (rather than a wrong one) and is
// counted in skipped.
func amount(m *billingv1alpha1.Money, skipped *unparsable, field statusField) (float64, bool) {
	if m == nil || m.Amount == "" {
		return 0, false
	}
	v, err := decimal.NewFromString(m.Amount)
	if err != nil {
		skipped[field]++
		return 0, false
	}
	return v.InexactFloat64(), true
}
