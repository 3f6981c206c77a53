package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shopspring/decimal"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// budgetListTimeout bounds the cache read of one scrape.
const budgetListTimeout = 5 * time.Second

// BudgetCollector exports BudgetAlert gauges computed at scrape time from a
// reader (the manager's cache), so deleted BudgetAlerts leave no series:
//
//	bss_operator_budget_spend_ratio{namespace,name,basis}   actual, forecast or committed ÷ limit
//	bss_operator_budget_limit{namespace,name,currency}      the period's limit
//	bss_operator_budget_balance{namespace,name,currency,kind} cash balance and projected balance
//	bss_operator_budgetalert_condition{namespace,name,condition,status} 1 per condition status
type BudgetCollector struct {
	reader    client.Reader
	ratio     *prometheus.Desc
	limit     *prometheus.Desc
	balance   *prometheus.Desc
	condition *prometheus.Desc
}

// NewBudgetCollector returns a collector that lists BudgetAlerts from
// reader on every scrape. Register it on controller-runtime's
// metrics.Registry.
func NewBudgetCollector(reader client.Reader) *BudgetCollector {
	return &BudgetCollector{
		reader: reader,
		ratio: prometheus.NewDesc("bss_operator_budget_spend_ratio",
			"Spend of the current period divided by the limit, by basis (Actual, Forecasted, Committed); 1 is the limit.",
			[]string{"namespace", "name", "basis"}, nil),
		limit: prometheus.NewDesc("bss_operator_budget_limit",
			"The BudgetAlert's limit for one period.",
			[]string{"namespace", "name", "currency"}, nil),
		balance: prometheus.NewDesc("bss_operator_budget_balance",
			"Cash balance (kind=current) and balance minus the deductions due within the horizon (kind=projected).",
			[]string{"namespace", "name", "currency", "kind"}, nil),
		condition: prometheus.NewDesc("bss_operator_budgetalert_condition",
			"1 for the current status of each BudgetAlert condition (ThresholdExceeded, BalanceLow, Ready, ...).",
			[]string{"namespace", "name", "condition", "status"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *BudgetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.ratio
	ch <- c.limit
	ch <- c.balance
	ch <- c.condition
}

// Collect implements prometheus.Collector. The list is a read-only view of
// the cache (no copies). A failed list exports nothing.
func (c *BudgetCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), budgetListTimeout)
	defer cancel()
	var list billingv1alpha1.BudgetAlertList
	if err := c.reader.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return
	}
	shared := pairs{}
	for i := range list.Items {
		c.collectOne(ch, &list.Items[i], shared)
	}
}

// collectOne exports the gauges of one BudgetAlert.
func (c *BudgetCollector) collectOne(ch chan<- prometheus.Metric, b *billingv1alpha1.BudgetAlert, shared pairs) {
	ns, name := b.Namespace, b.Name
	conditions(ch, c.condition, shared, shared.get(&labelNamespace, ns), pair(&labelName, name), b.Status.Conditions)
	limit, err := decimal.NewFromString(b.Spec.Limit.Amount)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.limit, prometheus.GaugeValue, limit.InexactFloat64(), ns, name, b.Spec.Limit.Currency)
	// Ratios only for figures in the limit's currency.
	if limit.IsPositive() {
		for _, f := range []struct {
			basis billingv1alpha1.ThresholdBasis
			value *billingv1alpha1.Money
		}{
			{billingv1alpha1.BasisActual, b.Status.Actual},
			{billingv1alpha1.BasisForecasted, b.Status.Forecast},
			{billingv1alpha1.BasisCommitted, b.Status.Committed},
		} {
			if f.value == nil || f.value.Currency != b.Spec.Limit.Currency {
				continue
			}
			v, err := decimal.NewFromString(f.value.Amount)
			if err != nil {
				continue
			}
			ratio := v.DivRound(limit, 6).InexactFloat64()
			ch <- prometheus.MustNewConstMetric(c.ratio, prometheus.GaugeValue, ratio, ns, name, string(f.basis))
		}
	}
	if bp := b.Status.Balance; bp != nil && b.Spec.BalanceFloor != nil {
		for _, f := range []struct {
			kind  string
			value *billingv1alpha1.Money
		}{{"current", bp.Balance}, {"projected", bp.Projected}} {
			if f.value == nil {
				continue
			}
			if v, err := decimal.NewFromString(f.value.Amount); err == nil {
				ch <- prometheus.MustNewConstMetric(c.balance, prometheus.GaugeValue, v.InexactFloat64(), ns, name, f.value.Currency, f.kind)
			}
		}
	}
}
