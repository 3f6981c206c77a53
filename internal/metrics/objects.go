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

// ObjectCollector exports gauges computed at scrape time from the status
// of Subscriptions, RenewalRequests and BillingAccounts in a reader (the
// manager's cache). Deleted objects leave no series, and nothing is stored
// between scrapes:
//
//	bss_operator_subscription_expiry_timestamp_seconds{namespace,name,account,resource_id}
//	bss_operator_subscription_renewal_timestamp_seconds{namespace,name}
//	bss_operator_subscription_info{namespace,name,account,resource_id,management,policy}
//	bss_operator_subscription_last_quote{namespace,name,currency}
//	bss_operator_subscription_condition{namespace,name,condition,status}
//	bss_operator_renewal_requests{namespace,phase}
//	bss_operator_billingaccount_balance{namespace,name,account_type,currency}
//	bss_operator_billingaccount_debt{namespace,name,currency}
//	bss_operator_billingaccount_condition{namespace,name,condition,status}
type ObjectCollector struct {
	reader client.Reader

	subExpiry, subRenewal, subInfo, subQuote, subCondition *prometheus.Desc
	requests                                               *prometheus.Desc
	acctBalance, acctDebt, acctCondition                   *prometheus.Desc
}

// NewObjectCollector returns a collector that lists the objects from
// reader on every scrape. Register it on controller-runtime's
// metrics.Registry.
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
		subInfo: d("bss_operator_subscription_info",
			"Always 1: the Subscription's account, resource, management policy and RenewalPolicy, for joins.",
			[]string{"namespace", "name", "account", "resource_id", "management", "policy"}, nil),
		subQuote: d("bss_operator_subscription_last_quote",
			"The last renewal price quoted for the Subscription (status.lastQuote.amount).",
			[]string{"namespace", "name", "currency"}, nil),
		subCondition: d("bss_operator_subscription_condition",
			"1 for the current status of each Subscription condition (Ready, ExpiringSoon, PaymentPending, ApprovalRequired, ...).",
			[]string{"namespace", "name", "condition", "status"}, nil),
		requests: d("bss_operator_renewal_requests",
			"RenewalRequests by phase (finished ones included until they are pruned from history).",
			[]string{"namespace", "phase"}, nil),
		acctBalance: d("bss_operator_billingaccount_balance",
			"The BillingAccount's balance per BSS account type (status.balances).",
			[]string{"namespace", "name", "account_type", "currency"}, nil),
		acctDebt: d("bss_operator_billingaccount_debt",
			"The amount the BillingAccount owes (status.debt).",
			[]string{"namespace", "name", "currency"}, nil),
		acctCondition: d("bss_operator_billingaccount_condition",
			"1 for the current status of each BillingAccount condition (Ready, Reconciling, Stalled).",
			[]string{"namespace", "name", "condition", "status"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *ObjectCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.subExpiry, c.subRenewal, c.subInfo, c.subQuote, c.subCondition,
		c.requests, c.acctBalance, c.acctDebt, c.acctCondition} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. The lists are read-only views
// of the cache (no copies: 10,000 Subscriptions are scraped without
// allocating their objects again); a failed list exports nothing of its
// kind.
func (c *ObjectCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), objectListTimeout)
	defer cancel()
	var subs billingv1alpha1.SubscriptionList
	if err := c.reader.List(ctx, &subs, client.UnsafeDisableDeepCopy); err == nil {
		for i := range subs.Items {
			c.collectSubscription(ch, &subs.Items[i])
		}
	}
	var requests billingv1alpha1.RenewalRequestList
	if err := c.reader.List(ctx, &requests, client.UnsafeDisableDeepCopy); err == nil {
		type key struct{ ns, phase string }
		counts := map[key]int{}
		for i := range requests.Items {
			rr := &requests.Items[i]
			phase := string(rr.Status.Phase)
			if phase == "" {
				phase = string(billingv1alpha1.RenewalPhasePending)
			}
			counts[key{rr.Namespace, phase}]++
		}
		for k, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.requests, prometheus.GaugeValue, float64(n), k.ns, k.phase)
		}
	}
	var accounts billingv1alpha1.BillingAccountList
	if err := c.reader.List(ctx, &accounts, client.UnsafeDisableDeepCopy); err == nil {
		for i := range accounts.Items {
			c.collectAccount(ch, &accounts.Items[i])
		}
	}
}

// collectSubscription exports the gauges of one Subscription.
func (c *ObjectCollector) collectSubscription(ch chan<- prometheus.Metric, s *billingv1alpha1.Subscription) {
	ns, name, acct, id := s.Namespace, s.Name, s.Spec.AccountRef.Name, s.Spec.ResourceID
	policy := ""
	if s.Spec.RenewalPolicyRef != nil {
		policy = s.Spec.RenewalPolicyRef.Name
	}
	ch <- prometheus.MustNewConstMetric(c.subInfo, prometheus.GaugeValue, 1, ns, name, acct, id, string(s.Spec.ManagementPolicy), policy)
	if t, ok := unixSeconds(s.Status.ExpireTime); ok {
		ch <- prometheus.MustNewConstMetric(c.subExpiry, prometheus.GaugeValue, t, ns, name, acct, id)
	}
	if t, ok := unixSeconds(s.Status.RenewalTime); ok {
		ch <- prometheus.MustNewConstMetric(c.subRenewal, prometheus.GaugeValue, t, ns, name)
	}
	if q := s.Status.LastQuote; q != nil {
		if v, err := decimal.NewFromString(q.Amount); err == nil {
			ch <- prometheus.MustNewConstMetric(c.subQuote, prometheus.GaugeValue, v.InexactFloat64(), ns, name, q.Currency)
		}
	}
	conditions(ch, c.subCondition, ns, name, s.Status.Conditions)
}

// collectAccount exports the gauges of one BillingAccount.
func (c *ObjectCollector) collectAccount(ch chan<- prometheus.Metric, a *billingv1alpha1.BillingAccount) {
	ns, name := a.Namespace, a.Name
	for _, b := range a.Status.Balances {
		if v, err := decimal.NewFromString(b.Amount); err == nil {
			ch <- prometheus.MustNewConstMetric(c.acctBalance, prometheus.GaugeValue, v.InexactFloat64(), ns, name, b.AccountType, b.Currency)
		}
	}
	if v, err := decimal.NewFromString(a.Status.Debt); err == nil {
		ch <- prometheus.MustNewConstMetric(c.acctDebt, prometheus.GaugeValue, v.InexactFloat64(), ns, name, a.Status.Currency)
	}
	conditions(ch, c.acctCondition, ns, name, a.Status.Conditions)
}

// conditions exports 1 for each condition's current status.
func conditions(ch chan<- prometheus.Metric, desc *prometheus.Desc, ns, name string, conds []metav1.Condition) {
	for _, cond := range conds {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, 1, ns, name, cond.Type, string(cond.Status))
	}
}

// unixSeconds parses an RFC 3339 status time; an empty or unparsable one
// exports no series rather than a wrong one.
func unixSeconds(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, false
	}
	return float64(t.Unix()), true
}
