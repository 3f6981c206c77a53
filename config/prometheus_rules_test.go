package config_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// ruleTestsDir holds the promtool rule unit tests of rulesPath.
const ruleTestsDir = "prometheus/tests"

// TestPrometheusAlertsFire evaluates the shipped alerts with Prometheus's
// own rule unit-test machinery (`promtool test rules`): synthetic series
// in, expected alerts (labels and rendered annotations) out. Every alert
// must have a test in which it fires and one in which it stays silent.
//
// promtool comes from $PROMTOOL (make test sets it) or else from
// hack/promtool/build.sh, which builds it from the Go module proxy once
// and caches it, so that this module does not depend on promtool's code.
func TestPrometheusAlertsFire(t *testing.T) {
	raw, err := os.ReadFile(rulesPath)
	if err != nil {
		t.Fatal(err)
	}
	// promtool reads plain rule files: the PrometheusRule's spec.
	var obj struct {
		Spec map[string]any `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		t.Fatalf("decode %s: %v", rulesPath, err)
	}
	plain, err := yaml.Marshal(obj.Spec)
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Groups []struct {
			Rules []struct {
				Alert string `json:"alert"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := yaml.Unmarshal(plain, &spec); err != nil {
		t.Fatal(err)
	}
	var alerts []string
	for _, g := range spec.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				alerts = append(alerts, r.Alert)
			}
		}
	}
	if len(alerts) == 0 {
		t.Fatalf("no alerts in %s", rulesPath)
	}

	// The rule file goes next to copies of the test files: their
	// rule_files name rules.yaml.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), plain, 0o600); err != nil {
		t.Fatal(err)
	}
	testFiles, err := filepath.Glob(filepath.Join(ruleTestsDir, "*.yaml"))
	if err != nil || len(testFiles) == 0 {
		t.Fatalf("no rule tests in %s (%v)", ruleTestsDir, err)
	}
	fires, silent := map[string]bool{}, map[string]bool{}
	var args []string
	for _, f := range testFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var tf struct {
			Tests []struct {
				AlertRuleTest []struct {
					Alertname string           `json:"alertname"`
					ExpAlerts []map[string]any `json:"exp_alerts"`
				} `json:"alert_rule_test"`
			} `json:"tests"`
		}
		if err := yaml.Unmarshal(data, &tf); err != nil {
			t.Fatalf("decode %s: %v", f, err)
		}
		for _, tc := range tf.Tests {
			for _, at := range tc.AlertRuleTest {
				if len(at.ExpAlerts) > 0 {
					fires[at.Alertname] = true
				} else {
					silent[at.Alertname] = true
				}
			}
		}
		dst := filepath.Join(dir, filepath.Base(f))
		if err := os.WriteFile(dst, data, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, dst)
	}
	for _, a := range alerts {
		if !fires[a] {
			t.Errorf("alert %s has no promtool test in which it fires", a)
		}
		if !silent[a] {
			t.Errorf("alert %s has no promtool test in which it stays silent", a)
		}
	}
	for a := range fires {
		if !slices.Contains(alerts, a) {
			t.Errorf("the promtool tests expect alert %s, which %s does not define", a, rulesPath)
		}
	}

	promtool := promtoolPath(t)
	cmd := exec.Command(promtool, append([]string{"test", "rules"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
	t.Logf("%s", bytes.TrimSpace(out))
}

// promtoolPath returns $PROMTOOL, or builds (once, cached) and returns
// promtool with hack/promtool/build.sh.
func promtoolPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PROMTOOL"); p != "" {
		return p
	}
	cmd := exec.Command(filepath.Join("..", "hack", "promtool", "build.sh"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("build promtool: %v\n%s", err, stderr.Bytes())
	}
	return strings.TrimSpace(string(out))
}
