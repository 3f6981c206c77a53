package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The scrape-time collectors export several series per object, 150,000 for
// 10,000 Subscriptions, and a scrape holds them all until it is encoded.
// prometheus.MustNewConstMetric gives every series its own copy of every
// label pair (about 580 bytes a series with the registry's own share); the
// series built here share the label pairs of their object (namespace,
// name) and, within a scrape, those of the labels with few values
// (condition types and statuses, accounts, currencies), which roughly
// halves what a scrape holds.

// Label names, as the shared pointers of label pairs.
var (
	labelAccount     = "account"
	labelAccountType = "account_type"
	labelCondition   = "condition"
	labelCurrency    = "currency"
	labelManagement  = "management"
	labelName        = "name"
	labelNamespace   = "namespace"
	labelPolicy      = "policy"
	labelResourceID  = "resource_id"
	labelStatus      = "status"
)

// pair returns a label pair; name is one of the label names above.
func pair(name *string, value string) *dto.LabelPair {
	return &dto.LabelPair{Name: name, Value: &value}
}

// pairs hands out one label pair per label name and value during one
// scrape, for the labels with few values: condition types and statuses,
// accounts, policies, currencies.
type pairs map[pairKey]*dto.LabelPair

// pairKey is a label name (one of the pointers above) and a value.
type pairKey struct {
	name  *string
	value string
}

// get returns the scrape's label pair for name and value.
func (p pairs) get(name *string, value string) *dto.LabelPair {
	k := pairKey{name, value}
	lp, ok := p[k]
	if !ok {
		lp = pair(name, value)
		p[k] = lp
	}
	return lp
}

// gauge is a gauge series whose label pairs may be shared with other
// series. Nothing changes a label pair once a gauge holds it.
type gauge struct {
	desc   *prometheus.Desc
	value  float64
	labels []*dto.LabelPair
}

// newGauge returns a gauge series of desc. labels must be desc's variable
// labels sorted by name, as the exposition has them (the registry would
// otherwise copy and sort them on every scrape).
func newGauge(desc *prometheus.Desc, value float64, labels ...*dto.LabelPair) prometheus.Metric {
	return &gauge{desc: desc, value: value, labels: labels}
}

// Desc implements prometheus.Metric.
func (g *gauge) Desc() *prometheus.Desc { return g.desc }

// Write implements prometheus.Metric. out shares g's label pairs and value.
func (g *gauge) Write(out *dto.Metric) error {
	out.Label = g.labels
	out.Gauge = &dto.Gauge{Value: &g.value}
	return nil
}

// conditions exports 1 for each condition's current status, labelled
// {condition, name, namespace, status}. Only the current status has a
// series: with up to ten conditions on a Subscription, a series per status
// (the kube-state-metrics style) would triple the largest family, to
// 300,000 series for 10,000 Subscriptions.
func conditions(ch chan<- prometheus.Metric, desc *prometheus.Desc, shared pairs, ns, name *dto.LabelPair, conds []metav1.Condition) {
	for i := range conds {
		cond := &conds[i]
		ch <- newGauge(desc, 1, shared.get(&labelCondition, cond.Type), name, ns, shared.get(&labelStatus, string(cond.Status)))
	}
}
