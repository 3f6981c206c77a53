package config_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"

	"github.com/bss-operator/bss-operator/internal/metrics"
)

const rulesPath = "prometheus/rules.yaml"

// recordingRegisterer remembers every collector registered through it.
type recordingRegisterer struct {
	prometheus.Registerer
	collectors []prometheus.Collector
}

// Register records c and registers it.
func (r *recordingRegisterer) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return r.Registerer.Register(c)
}

// MustRegister records and registers cs.
func (r *recordingRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

// fqNamePattern extracts a descriptor's name from Desc.String().
var fqNamePattern = regexp.MustCompile(`fqName: "([^"]+)"`)

// variableLabelsPattern extracts a descriptor's label names.
var variableLabelsPattern = regexp.MustCompile(`variableLabels: \{([^}]*)\}`)

// exportedMetrics builds the operator's metrics as cmd/manager does, on a
// fresh registry, and returns every series name they can produce: from the
// descriptors (all metrics, also those without series yet) and from a
// Gather after recording one value of each (which also checks that the
// registry is consistent). Histograms and summaries add their suffixes.
func exportedMetrics(t *testing.T) (series map[string]bool, labels map[string][]string) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	rec := &recordingRegisterer{Registerer: reg}
	bssMetrics, err := metrics.NewBSS(rec)
	if err != nil {
		t.Fatal(err)
	}
	opMetrics, err := metrics.NewOperator(rec)
	if err != nil {
		t.Fatal(err)
	}
	// Scrape-time collectors read objects; an empty fake cluster is enough
	// for their descriptions.
	if err := rec.Register(metrics.NewBudgetCollector(fake.NewClientBuilder().Build())); err != nil {
		t.Fatal(err)
	}
	if err := rec.Register(metrics.NewObjectCollector(fake.NewClientBuilder().Build())); err != nil {
		t.Fatal(err)
	}
	bssMetrics.ObserveRequest("QueryResources", metrics.ResultSuccess, time.Second)
	bssMetrics.ObserveClientThrottle("QueryResources", time.Second)
	bssMetrics.ObserveServerThrottle("QueryResources")
	if err := opMetrics.RenewalEnded("team", "Succeeded", "10.00", "USD"); err != nil {
		t.Fatal(err)
	}
	if err := opMetrics.RenewalEnded("team", "Succeeded", "ten", "USD"); err == nil {
		t.Fatal("an unparsable amount should be reported")
	}

	described := map[string]bool{}
	labels = map[string][]string{}
	for _, c := range rec.collectors {
		ch := make(chan *prometheus.Desc, 64)
		go func() { c.Describe(ch); close(ch) }()
		for d := range ch {
			m := fqNamePattern.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("cannot read the name of %s", d)
			}
			described[m[1]] = true
			if l := variableLabelsPattern.FindStringSubmatch(d.String()); l != nil && l[1] != "" {
				labels[m[1]] = strings.Split(l[1], ",")
			}
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]bool{}
	for _, f := range families {
		if !described[f.GetName()] {
			t.Fatalf("gathered %s, which no registered collector describes", f.GetName())
		}
		addSeries(out, f.GetName(), f.GetType())
	}
	for name := range described {
		if !slices.ContainsFunc(families, func(f *dto.MetricFamily) bool { return f.GetName() == name }) {
			// A metric without series yet: its type is unknown here, so
			// allow the suffixes of every type.
			addSeries(out, name, dto.MetricType_HISTOGRAM)
			addSeries(out, name, dto.MetricType_SUMMARY)
		}
	}
	return out, labels
}

// labelsOf returns the label names a series may carry: its metric's
// variable labels, plus le or quantile on histogram and summary series.
func labelsOf(labels map[string][]string, series string) []string {
	if l, ok := labels[series]; ok {
		return l
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if l, ok := labels[strings.TrimSuffix(series, suffix)]; ok && strings.HasSuffix(series, suffix) {
			return append(slices.Clone(l), "le", "quantile")
		}
	}
	return nil
}

// addSeries adds the series names a metric family exposes.
func addSeries(out map[string]bool, name string, typ dto.MetricType) {
	out[name] = true
	switch typ {
	case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
		out[name+"_bucket"], out[name+"_sum"], out[name+"_count"] = true, true, true
	case dto.MetricType_SUMMARY:
		out[name+"_sum"], out[name+"_count"] = true, true
	}
}

// promRule is one rule of a PrometheusRule.
type promRule struct {
	Alert       string            `json:"alert"`
	Record      string            `json:"record"`
	Expr        string            `json:"expr"`
	For         string            `json:"for"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// promRuleObject is a monitoring.coreos.com/v1 PrometheusRule.
type promRuleObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Groups []struct {
			Name  string     `json:"name"`
			Rules []promRule `json:"rules"`
		} `json:"groups"`
	} `json:"spec"`
}

// TestPrometheusRules parses every expression as PromQL and checks that it
// uses only metrics the operator exports (or that are explicitly pending),
// and that every alert can be routed and read.
func TestPrometheusRules(t *testing.T) {
	raw, err := os.ReadFile(rulesPath)
	if err != nil {
		t.Fatal(err)
	}
	var obj promRuleObject
	if err := yaml.UnmarshalStrict(raw, &obj); err != nil {
		t.Fatalf("decode %s: %v", rulesPath, err)
	}
	if obj.APIVersion != "monitoring.coreos.com/v1" || obj.Kind != "PrometheusRule" {
		t.Fatalf("%s is %s %s", rulesPath, obj.APIVersion, obj.Kind)
	}
	exported, exportedLabels := exportedMetrics(t)
	p := parser.NewParser(parser.Options{})
	alerts := map[string]bool{}
	for _, g := range obj.Spec.Groups {
		if len(g.Rules) == 0 {
			t.Errorf("group %s has no rules", g.Name)
		}
		for _, r := range g.Rules {
			t.Run(g.Name+"/"+r.Alert+r.Record, func(t *testing.T) {
				if r.Alert == "" {
					t.Fatal("only alerting rules are expected")
				}
				if alerts[r.Alert] {
					t.Errorf("alert %s defined twice", r.Alert)
				}
				alerts[r.Alert] = true
				expr, err := p.ParseExpr(r.Expr)
				if err != nil {
					t.Fatalf("expr does not parse: %v\n%s", err, r.Expr)
				}
				if expr.Type() != parser.ValueTypeVector {
					t.Errorf("expr is a %s, want an instant vector", expr.Type())
				}
				for _, sel := range selectors(t, expr) {
					if !exported[sel.Name] {
						t.Errorf("expr uses %s, which the operator does not export", sel.Name)
						continue
					}
					for _, m := range sel.LabelMatchers {
						if m.Name != "__name__" && !slices.Contains(labelsOf(exportedLabels, sel.Name), m.Name) {
							t.Errorf("expr matches label %q of %s, which has labels %v", m.Name, sel.Name, labelsOf(exportedLabels, sel.Name))
						}
					}
				}
				checkGrouping(t, expr, exportedLabels)
				if sev := r.Labels["severity"]; sev != "warning" && sev != "critical" {
					t.Errorf("severity %q, want warning or critical", sev)
				}
				if strings.TrimSpace(r.Annotations["summary"]) == "" {
					t.Error("no summary annotation")
				}
				if r.For != "" {
					if _, err := time.ParseDuration(r.For); err != nil {
						t.Errorf("for %q: %v", r.For, err)
					}
				}
			})
		}
	}
	for _, want := range []string{
		"BSSSubscriptionExpiringWithoutRenewal", "BSSRenewalFailing", "BSSRenewalPaymentPending",
		"BSSBudgetThresholdExceeded", "BSSBalanceLow", "BSSAPIThrottled", "BSSAPIErrors",
	} {
		if !alerts[want] {
			t.Errorf("no %s alert", want)
		}
	}
}

// checkGrouping fails for an aggregation "by (labels)" whose metrics lack
// one of the labels: the aggregation would silently merge every series.
func checkGrouping(t *testing.T, expr parser.Expr, labels map[string][]string) {
	t.Helper()
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		agg, ok := node.(*parser.AggregateExpr)
		if !ok || agg.Without {
			return nil
		}
		for _, sel := range selectors(t, agg.Expr) {
			for _, l := range agg.Grouping {
				if !slices.Contains(labelsOf(labels, sel.Name), l) {
					t.Errorf("%s groups by %q, which %s does not have (labels %v)", agg.Op, l, sel.Name, labelsOf(labels, sel.Name))
				}
			}
		}
		return nil
	})
}

// selectors lists the vector selectors of an expression; a selector
// without a name fails the test (it would match any metric).
func selectors(t *testing.T, expr parser.Expr) []*parser.VectorSelector {
	t.Helper()
	var out []*parser.VectorSelector
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		if vs.Name == "" {
			t.Errorf("selector %s has no metric name", vs)
			return nil
		}
		out = append(out, vs)
		return nil
	})
	return out
}

// TestPrometheusKustomization renders config/prometheus and checks that it
// holds the rules and a ServiceMonitor that selects the metrics Service of
// config/default on its https port.
func TestPrometheusKustomization(t *testing.T) {
	b := render(t, "prometheus")
	kinds := map[string]int{}
	var monitor map[string]any
	for _, o := range b.objs {
		kind, _ := o["kind"].(string)
		kinds[kind]++
		md, _ := o["metadata"].(map[string]any)
		if md["namespace"] != operatorNamespace {
			t.Errorf("%s %v in namespace %v, want %s", kind, md["name"], md["namespace"], operatorNamespace)
		}
		if kind == "ServiceMonitor" {
			monitor = o
		}
	}
	if kinds["PrometheusRule"] != 1 || kinds["ServiceMonitor"] != 1 || len(b.objs) != 2 {
		t.Fatalf("config/prometheus renders %v, want one PrometheusRule and one ServiceMonitor", kinds)
	}
	var sm struct {
		Spec struct {
			Endpoints []struct {
				Port   string `json:"port"`
				Scheme string `json:"scheme"`
				Path   string `json:"path"`
			} `json:"endpoints"`
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
		} `json:"spec"`
	}
	rawSM, err := yaml.Marshal(monitor)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(rawSM, &sm); err != nil {
		t.Fatal(err)
	}
	if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "https" || sm.Spec.Endpoints[0].Scheme != "https" || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoints %+v, want https on port https at /metrics", sm.Spec.Endpoints)
	}
	var labels map[string]any
	for _, o := range render(t, "default").objs {
		md, _ := o["metadata"].(map[string]any)
		if o["kind"] == "Service" && md["name"] == "bss-operator-controller-manager-metrics-service" {
			labels, _ = md["labels"].(map[string]any)
		}
	}
	if len(sm.Spec.Selector.MatchLabels) == 0 {
		t.Fatal("ServiceMonitor selects every Service")
	}
	for k, v := range sm.Spec.Selector.MatchLabels {
		if labels[k] != v {
			t.Errorf("ServiceMonitor selects %s=%s; the metrics Service has labels %v", k, v, labels)
		}
	}
}
