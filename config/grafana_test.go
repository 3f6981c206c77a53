package config_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
)

const dashboardPath = "grafana/bss-operator-dashboard.json"

// grafanaVariables are the variables the dashboard may use in queries,
// with a value of the right PromQL type to parse them: Grafana's own range
// variables become durations, the dashboard's template variables strings
// inside label matchers.
var grafanaVariables = map[string]string{
	"$__rate_interval": "5m",
	"$__interval":      "1m",
	"$__range":         "1d",
	"$namespace":       ".*",
}

// grafanaVariable finds any variable reference in a query.
var grafanaVariable = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)

// labelValuesQuery is Grafana's label_values(metric, label) variable query.
var labelValuesQuery = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$`)

// dashboardPanel is the part of a Grafana panel the test reads.
type dashboardPanel struct {
	Type    string           `json:"type"`
	Title   string           `json:"title"`
	Panels  []dashboardPanel `json:"panels"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
}

// TestGrafanaDashboard parses every query of the dashboard with the PromQL
// parser Prometheus itself uses (github.com/prometheus/prometheus/promql/parser,
// as TestPrometheusRules does), after replacing Grafana's variables by
// values of the same type, and checks that it selects only metrics the
// operator exports, matches and groups only by their labels, and that the
// dashboard covers what it promises: expiries, renewals and cost, pending
// approvals and payments, budgets, BSS calls, errors and throttles.
func TestGrafanaDashboard(t *testing.T) {
	raw, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID        string           `json:"uid"`
		Title      string           `json:"title"`
		Panels     []dashboardPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Type  string          `json:"type"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&dash); err != nil {
		t.Fatalf("decode %s: %v", dashboardPath, err)
	}
	if dash.UID == "" || dash.Title == "" {
		t.Error("the dashboard needs a uid and a title")
	}
	exported, exportedLabels := exportedMetrics(t)
	used := map[string]bool{}

	// Template variables: label_values(metric, label) of an exported pair.
	for _, v := range dash.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			if err := json.Unmarshal(v.Query, &q.Query); err != nil {
				t.Fatalf("variable %s: query %s", v.Name, v.Query)
			}
		}
		m := labelValuesQuery.FindStringSubmatch(q.Query)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(metric, label)", v.Name, q.Query)
			continue
		}
		if !exported[m[1]] || !slices.Contains(labelsOf(exportedLabels, m[1]), m[2]) {
			t.Errorf("variable %s: %s has no label %s (labels %v)", v.Name, m[1], m[2], labelsOf(exportedLabels, m[1]))
		}
	}

	p := parser.NewParser(parser.Options{})
	queries := 0
	var walk func(panels []dashboardPanel)
	walk = func(panels []dashboardPanel) {
		for _, panel := range panels {
			walk(panel.Panels)
			if panel.Type != "row" && (panel.Datasource == nil || panel.Datasource.Type != "prometheus") {
				t.Errorf("panel %q: datasource is not the dashboard's Prometheus variable", panel.Title)
			}
			for _, target := range panel.Targets {
				queries++
				t.Run(panel.Title+"/"+target.RefID, func(t *testing.T) {
					expr := grafanaVariable.ReplaceAllStringFunc(target.Expr, func(v string) string {
						norm := strings.NewReplacer("{", "", "}", "").Replace(v)
						val, ok := grafanaVariables[norm]
						if !ok {
							t.Errorf("unknown variable %s in %s", v, target.Expr)
							return v
						}
						return val
					})
					parsed, err := p.ParseExpr(expr)
					if err != nil {
						t.Fatalf("does not parse as PromQL: %v\n%s", err, target.Expr)
					}
					if parsed.Type() != parser.ValueTypeVector && parsed.Type() != parser.ValueTypeScalar {
						t.Errorf("query is a %s, want an instant vector", parsed.Type())
					}
					sels := selectors(t, parsed)
					if len(sels) == 0 {
						t.Errorf("query %s selects no metric", target.Expr)
					}
					for _, sel := range sels {
						if !exported[sel.Name] {
							t.Errorf("query uses %s, which the operator does not export", sel.Name)
							continue
						}
						used[strings.TrimSuffix(sel.Name, "_bucket")] = true
						for _, m := range sel.LabelMatchers {
							if m.Name != "__name__" && !slices.Contains(labelsOf(exportedLabels, sel.Name), m.Name) {
								t.Errorf("query matches label %q of %s, which has labels %v", m.Name, sel.Name, labelsOf(exportedLabels, sel.Name))
							}
						}
					}
					checkGrouping(t, parsed, exportedLabels)
				})
			}
		}
	}
	walk(dash.Panels)
	if queries == 0 {
		t.Fatal("the dashboard has no queries")
	}
	for _, want := range []string{
		"bss_operator_subscription_expiry_timestamp_seconds",           // expiries ahead
		"bss_operator_renewals_total",                                  // renewals
		"bss_operator_renewal_amount_total",                            // their cost
		"bss_operator_renewal_requests",                                // pending approvals and payments
		"bss_operator_renewal_request_waiting_since_timestamp_seconds", // how long they wait
		"bss_operator_budget_spend_ratio",                              // budget usage
		"bss_operator_budgetalert_condition",                           // thresholds crossed
		"bss_operator_bss_requests_total",                              // BSS calls and errors
		"bss_operator_bss_throttles_total",                             // throttles
	} {
		if !used[want] {
			t.Errorf("no panel shows %s", want)
		}
	}
}

// TestGrafanaKustomization renders config/grafana: one ConfigMap, labelled
// for Grafana's dashboard sidecar, holding the dashboard file unchanged.
func TestGrafanaKustomization(t *testing.T) {
	b := render(t, "grafana")
	if len(b.objs) != 1 || b.objs[0]["kind"] != "ConfigMap" {
		t.Fatalf("config/grafana renders %d objects, want one ConfigMap", len(b.objs))
	}
	md, _ := b.objs[0]["metadata"].(map[string]any)
	lbls, _ := md["labels"].(map[string]any)
	if lbls["grafana_dashboard"] != "1" || md["namespace"] != operatorNamespace {
		t.Errorf("ConfigMap metadata %v", md)
	}
	data, _ := b.objs[0]["data"].(map[string]any)
	raw, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	if data["bss-operator-dashboard.json"] != string(raw) {
		t.Error("the ConfigMap does not hold the dashboard file as it is")
	}
}
