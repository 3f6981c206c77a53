// Package e2e runs the operator end to end, as a user would: the manager
// and simulator binaries as processes against a real kube-apiserver and
// etcd (envtest), the samples applied with the real kubectl, and checks
// through kubectl wait, get, explain and describe. It runs inside make test.
package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bss-operator/bss-operator/internal/demo"
	"github.com/bss-operator/bss-operator/internal/testenv"
)

const (
	// namespace receives the samples.
	namespace = "e2e"
	// speed is simulated seconds per real second: ten simulated minutes a
	// second keeps the account's 10m refresh at about a second.
	speed = 600
	// convergeTimeout bounds, from the apply, every wait for the controllers.
	convergeTimeout = 90 * time.Second
	// webID is the demo inventory's ECS that the samples renew monthly.
	webID = "7a1c3f2e-5b6d-4c8e-9f01-23456789abcd"
)

// TestEndToEnd builds and runs the stack, applies config/samples and checks
// what a user sees: readiness, the first renewal, printer columns,
// kubectl explain, the bss category and events.
func TestEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s := startStack(ctx, t)

	out, err := s.ApplySamples(ctx)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Logf("kubectl apply -k %s:\n%s", s.OverlayDir(), out)
	deadline := time.Now().Add(convergeTimeout)

	// Static checks: they hold whatever the controllers do.
	t.Run("subscription printer columns", func(t *testing.T) {
		out := kubectl(ctx, t, s, "get", "subscriptions", "-n", namespace)
		rows := parseTable(t, out)
		header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
		want := []string{"NAME", "RESOURCE", "POLICY", "MANAGEMENT", "EXPIRES", "RENEWS", "READY", "REASON", "AGE"}
		if strings.Join(header, " ") != strings.Join(want, " ") {
			t.Errorf("kubectl get subscriptions headers = %v, want %v", header, want)
		}
		web := rows["web-01"]
		if web == nil {
			t.Fatalf("no row for web-01 in:\n%s", out)
		}
		for col, v := range map[string]string{"RESOURCE": webID, "POLICY": "renew-monthly", "MANAGEMENT": "Manage"} {
			if web[col] != v {
				t.Errorf("web-01 %s = %q, want %q\n%s", col, web[col], v, out)
			}
		}
		if got := rows["bandwidth"]["MANAGEMENT"]; got != "Observe" {
			t.Errorf("bandwidth MANAGEMENT = %q, want Observe\n%s", got, out)
		}
	})

	t.Run("explain", func(t *testing.T) {
		out := kubectl(ctx, t, s, "explain", "subscription.spec.managementPolicy")
		for _, want := range []string{"FIELD: managementPolicy", "managementPolicy is Manage (the operator acts) or Observe", "Start in Observe"} {
			if !strings.Contains(out, want) {
				t.Errorf("kubectl explain subscription.spec.managementPolicy lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("bss category lists the applied kinds", func(t *testing.T) {
		out := kubectl(ctx, t, s, "get", "bss", "-n", namespace, "-o", "name")
		for _, want := range []string{
			"billingaccount.billing.bss-operator.io/huawei",
			"renewalpolicy.billing.bss-operator.io/renew-monthly",
			"renewalpolicy.billing.bss-operator.io/lapse",
			"subscription.billing.bss-operator.io/web-01",
			"subscription.billing.bss-operator.io/batch-old",
			"budgetalert.billing.bss-operator.io/team-monthly",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("kubectl get bss -o name lacks %s:\n%s", want, out)
			}
		}
	})

	t.Run("describe has an Events section", func(t *testing.T) {
		out := kubectl(ctx, t, s, "describe", "subscription", "web-01", "-n", namespace)
		if !strings.Contains(out, "\nEvents:") {
			t.Errorf("kubectl describe subscription web-01 has no Events section:\n%s", out)
		}
	})

	// Convergence: what the controllers must achieve, each bounded by the
	// shared deadline.
	t.Run("account ready", func(t *testing.T) {
		waitFor(ctx, t, s, deadline, "condition=Ready", "billingaccount/"+demo.AccountName)
	})
	t.Run("subscriptions ready", func(t *testing.T) {
		waitFor(ctx, t, s, deadline, "condition=Ready", "subscription/web-01", "subscription/orders-db", "subscription/bandwidth")
	})
	t.Run("expired subscription reported", func(t *testing.T) {
		// Under a Lapse policy expiry is what was asked for: Expired, and
		// Ready (reason Lapsed), so kstatus and Argo CD see it as current.
		waitFor(ctx, t, s, deadline, "condition=Expired", "subscription/batch-old")
		waitFor(ctx, t, s, deadline, "condition=Ready", "subscription/batch-old")
	})
	t.Run("budget ready", func(t *testing.T) {
		waitFor(ctx, t, s, deadline, "condition=Ready", "budgetalert/team-monthly")
	})
	t.Run("web-01 renewed once", func(t *testing.T) {
		testRenewal(ctx, t, s, deadline)
	})
	t.Run("subscription columns filled", func(t *testing.T) {
		testColumnValues(ctx, t, s, deadline)
	})
	t.Run("bss category lists every kind", func(t *testing.T) {
		eventually(t, deadline, func() error {
			out, err := s.Kubectl(ctx, "get", "bss", "-n", namespace, "-o", "name")
			if err != nil {
				return err
			}
			return containsAll("kubectl get bss -o name", out, "billingaccount.", "renewalpolicy.", "subscription.", "budgetalert.", "renewalrequest.")
		})
		t.Logf("kubectl get bss:\n%s", kubectl(ctx, t, s, "get", "bss", "-n", namespace))
	})
	t.Run("describe shows the renewal events", func(t *testing.T) {
		eventually(t, deadline, func() error {
			out, err := s.Kubectl(ctx, "describe", "subscription", "web-01", "-n", namespace)
			if err != nil {
				return err
			}
			return containsAll("kubectl describe subscription web-01", out, "\nEvents:", "RenewalStarted", "Renewed")
		})
	})
	// Last, so that waiting for it never shortens the other waits.
	t.Run("policies ready", func(t *testing.T) {
		waitFor(ctx, t, s, deadline, "condition=Ready", "renewalpolicy", "--all")
	})
}

// startStack starts the control plane, simulator and manager for one test
// and stops them when it ends. The logs stay on disk when the test fails
// (or with BSS_E2E_KEEP set) and their tails go to the test log.
func startStack(ctx context.Context, t *testing.T) *demo.Stack {
	t.Helper()
	// Outside ctx's bound: the first build of the control plane takes minutes.
	assets, err := testenv.Assets(t.Context())
	if err != nil {
		t.Fatalf("the envtest binaries are missing and could not be built (set KUBEBUILDER_ASSETS or run make envtest): %v", err)
	}
	dir, err := os.MkdirTemp("", "bss-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	s, err := demo.Start(ctx, demo.Config{Dir: dir, AssetsDir: assets, Namespace: namespace, Speed: speed, Progress: t.Logf})
	if err != nil {
		logTails(t, filepath.Join(dir, "logs"))
		t.Fatalf("start the stack (logs in %s): %v", filepath.Join(dir, "logs"), err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop the stack: %v", err)
		}
		if t.Failed() || os.Getenv("BSS_E2E_KEEP") != "" {
			logTails(t, s.LogsDir())
			t.Logf("logs, kubeconfig and overlay kept in %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	return s
}
