package metrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shopspring/decimal"
)

// Operator holds the operator's own metrics (renewals and spend). Gauges
// that describe objects (expiry timestamps, budgets, balances) are computed
// at scrape time by collectors, so deleted objects leave no stale series.
type Operator struct {
	renewals *prometheus.CounterVec
	spent    *prometheus.CounterVec
}

// NewOperator creates the operator metrics and registers them on reg.
func NewOperator(reg prometheus.Registerer) (*Operator, error) {
	m := &Operator{
		renewals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "bss_operator", Name: "renewals_total",
			Help: "Renewal attempts that ended, by result (Succeeded, Failed, Denied, Cancelled).",
		}, []string{"namespace", "result"}),
		spent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "bss_operator", Name: "renewal_amount_total",
			Help: "Money spent on renewals the operator made, by currency.",
		}, []string{"namespace", "currency"}),
	}
	for _, c := range []prometheus.Collector{m.renewals, m.spent} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register operator metric: %w", err)
		}
	}
	return m, nil
}

// RenewalEnded records the end of a renewal attempt and, for a success, what
// it cost. A nil *Operator records nothing.
func (m *Operator) RenewalEnded(namespace, result string, amount decimal.Decimal, currency string) {
	if m == nil {
		return
	}
	m.renewals.WithLabelValues(namespace, result).Inc()
	if result == "Succeeded" && currency != "" && amount.IsPositive() {
		m.spent.WithLabelValues(namespace, currency).Add(amount.InexactFloat64())
	}
}
