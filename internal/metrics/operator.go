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
	// unparsable counts successful renewals whose amount could not be
	// added to spent, so that spend is never under-reported silently.
	unparsable *prometheus.CounterVec
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
		unparsable: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "bss_operator", Name: "renewal_amount_unparsable_total",
			Help: "Successful renewals whose amountPaid did not parse, so renewal_amount_total leaves them out.",
		}, []string{"namespace"}),
	}
	for _, c := range []prometheus.Collector{m.renewals, m.spent, m.unparsable} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register operator metric: %w", err)
		}
	}
	return m, nil
}

// RenewalEnded records the end of a renewal attempt and, for a success, what
// it cost: amount is the attempt's status.amountPaid, a decimal string ("" for
// nothing paid). An amount that does not parse is left out of the spend, counted
// in renewal_amount_unparsable_total and returned as an error for the caller to
// log. A nil *Operator records nothing.
func (m *Operator) RenewalEnded(namespace, result, amount, currency string) error {
	if m == nil {
		return nil
	}
	m.renewals.WithLabelValues(namespace, result).Inc()
	if result != "Succeeded" || amount == "" {
		return nil
	}
	v, err := decimal.NewFromString(amount)
	if err != nil {
		m.unparsable.WithLabelValues(namespace).Inc()
		return fmt.Errorf("renewal amount %q left out of renewal_amount_total: %w", amount, err)
	}
	if currency != "" && v.IsPositive() {
		m.spent.WithLabelValues(namespace, currency).Add(v.InexactFloat64())
	}
	return nil
}
