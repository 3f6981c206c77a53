package config_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/argocdhealth"
)

const (
	healthDir   = "argocd/health"
	cmPatchPath = "argocd/argocd-cm-patch.yaml"
	fixturesDir = "testdata/argocd"
)

// apiKinds lists the kinds of the billing API group (not their lists).
func apiKinds(t *testing.T) []string {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := billingv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	apiPkg := reflect.TypeFor[billingv1alpha1.Subscription]().PkgPath()
	var kinds []string
	for gvk, typ := range scheme.AllKnownTypes() {
		if gvk.GroupVersion() == billingv1alpha1.GroupVersion && typ.PkgPath() == apiPkg && !strings.HasSuffix(gvk.Kind, "List") {
			kinds = append(kinds, gvk.Kind)
		}
	}
	slices.Sort(kinds)
	return kinds
}

// fixtures reads the multi-document fixture file of a kind, by object name.
func fixtures(t *testing.T, kind string) map[string]map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(fixturesDir, strings.ToLower(kind)+".yaml"))
	if err != nil {
		t.Fatalf("fixtures of %s: %v", kind, err)
	}
	defer func() { _ = f.Close() }()
	out := map[string]map[string]any{}
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read fixtures of %s: %v", kind, err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			t.Fatalf("decode a fixture of %s: %v", kind, err)
		}
		if obj == nil {
			continue
		}
		if obj["kind"] != kind {
			t.Fatalf("fixture of kind %v in the %s fixtures", obj["kind"], kind)
		}
		name := fmt.Sprint(obj["metadata"].(map[string]any)["name"])
		if _, dup := out[name]; dup {
			t.Fatalf("two %s fixtures named %s", kind, name)
		}
		out[name] = obj
	}
	return out
}

// healthCase is one fixture and the health it must get.
type healthCase struct {
	kind, name string
	want       string
	// message is a substring the health message must contain.
	message string
}

// healthCases covers every fixture: each state the controllers produce.
var healthCases = []healthCase{
	{"Subscription", "no-status", argocdhealth.Progressing, "waiting for the operator"},
	{"Subscription", "empty-conditions", argocdhealth.Progressing, "waiting for the operator"},
	{"Subscription", "not-observed", argocdhealth.Progressing, "generation 3"},
	{"Subscription", "scheduled", argocdhealth.Healthy, "RenewalScheduled: renewal scheduled"},
	{"Subscription", "observe-expiring-soon", argocdhealth.Healthy, "ExpiringSoon: expires in 72h"},
	{"Subscription", "paused", argocdhealth.Suspended, "paused"},
	{"Subscription", "paused-and-stalled", argocdhealth.Suspended, "paused"},
	{"Subscription", "renewing", argocdhealth.Progressing, "Renewing: renewal web-r1 is Ordering"},
	{"Subscription", "awaiting-approval", argocdhealth.Progressing, "AwaitingApproval"},
	{"Subscription", "payment-pending", argocdhealth.Progressing, "PaymentPending"},
	{"Subscription", "drift-correcting", argocdhealth.Progressing, "ExpirePolicyDrift"},
	{"Subscription", "credentials-rejected", argocdhealth.Degraded, "CredentialsRejected: BSS rejected"},
	{"Subscription", "resource-not-found", argocdhealth.Degraded, "ResourceNotFound"},
	{"Subscription", "attached-resource", argocdhealth.Degraded, "AttachedResource"},
	{"Subscription", "policy-invalid", argocdhealth.Degraded, "PolicyInvalid"},
	{"Subscription", "throttled", argocdhealth.Progressing, "waiting: Throttled"},
	{"Subscription", "account-not-found", argocdhealth.Progressing, "waiting: AccountNotFound"},
	{"Subscription", "expired-managed", argocdhealth.Degraded, "no renewal is under way"},
	{"Subscription", "expired-managed-renewing", argocdhealth.Progressing, "web-r2 is Confirming"},
	{"Subscription", "expired-lapse", argocdhealth.Healthy, "lapsed as its RenewalPolicy declares"},
	{"Subscription", "expired-lapse-other-time", argocdhealth.Degraded, "no renewal is under way"},
	{"Subscription", "expired-observe", argocdhealth.Healthy, "Observe mode"},

	{"RenewalRequest", "no-status", argocdhealth.Progressing, "waiting for the operator"},
	{"RenewalRequest", "pending", argocdhealth.Progressing, "Pending"},
	{"RenewalRequest", "awaiting-approval", argocdhealth.Progressing, "AwaitingApproval: approval required"},
	{"RenewalRequest", "blocked", argocdhealth.Progressing, "Blocked: BudgetAlert"},
	{"RenewalRequest", "approved", argocdhealth.Progressing, "Approved"},
	{"RenewalRequest", "ordering", argocdhealth.Progressing, "Ordering"},
	{"RenewalRequest", "payment-pending", argocdhealth.Progressing, "PaymentPending: order CS1"},
	{"RenewalRequest", "confirming", argocdhealth.Progressing, "Confirming"},
	{"RenewalRequest", "approval-not-observed", argocdhealth.Progressing, "generation 2"},
	{"RenewalRequest", "succeeded", argocdhealth.Healthy, "Succeeded: renewed ecs-1"},
	{"RenewalRequest", "denied", argocdhealth.Healthy, "Denied: denied by alice"},
	{"RenewalRequest", "failed", argocdhealth.Degraded, "Failed: BSS will not quote"},
	{"RenewalRequest", "cancelled", argocdhealth.Degraded, "Cancelled: cancelled order CS1"},
	{"RenewalRequest", "failed-approved-later", argocdhealth.Degraded, "Failed: approved by alice"},
	{"RenewalRequest", "stalled", argocdhealth.Degraded, "RenewFailed: paid"},

	{"BillingAccount", "no-status", argocdhealth.Progressing, "waiting for the operator to observe the BillingAccount"},
	{"BillingAccount", "ready", argocdhealth.Healthy, "UpToDate"},
	{"BillingAccount", "ready-only", argocdhealth.Healthy, "UpToDate"},
	{"BillingAccount", "not-observed", argocdhealth.Progressing, "generation 2"},
	{"BillingAccount", "reconciling", argocdhealth.Progressing, "InProgress: reading BSS"},
	{"BillingAccount", "credentials-rejected", argocdhealth.Degraded, "CredentialsRejected"},
	{"BillingAccount", "credentials-missing", argocdhealth.Progressing, "waiting: CredentialsMissing"},
	{"BillingAccount", "bss-unavailable", argocdhealth.Progressing, "waiting: BSSUnavailable"},

	{"RenewalPolicy", "no-status", argocdhealth.Progressing, "waiting for the operator to observe the RenewalPolicy"},
	{"RenewalPolicy", "ready", argocdhealth.Healthy, "UpToDate"},
	{"RenewalPolicy", "ready-only", argocdhealth.Healthy, "UpToDate"},
	{"RenewalPolicy", "not-observed", argocdhealth.Progressing, "generation 2"},
	{"RenewalPolicy", "reconciling", argocdhealth.Progressing, "InProgress"},
	{"RenewalPolicy", "policy-invalid", argocdhealth.Degraded, "PolicyInvalid"},
	{"RenewalPolicy", "budget-not-found", argocdhealth.Progressing, "waiting: BudgetAlertNotFound"},

	{"BudgetAlert", "no-status", argocdhealth.Progressing, "waiting for the operator to observe the BudgetAlert"},
	{"BudgetAlert", "ready", argocdhealth.Healthy, "UpToDate"},
	{"BudgetAlert", "ready-only", argocdhealth.Healthy, "UpToDate"},
	{"BudgetAlert", "not-observed", argocdhealth.Progressing, "generation 2"},
	{"BudgetAlert", "reconciling", argocdhealth.Progressing, "InProgress"},
	{"BudgetAlert", "threshold-exceeded", argocdhealth.Healthy, "ThresholdCrossed: forecast"},
	{"BudgetAlert", "balance-low", argocdhealth.Healthy, "BalanceBelowFloor: projected balance"},
	{"BudgetAlert", "credentials-rejected", argocdhealth.Degraded, "CredentialsRejected"},
}

// TestArgoCDHealth runs each kind's health check on its fixtures.
func TestArgoCDHealth(t *testing.T) {
	covered := map[string]bool{}
	for _, kind := range apiKinds(t) {
		script, err := argocdhealth.ReadScript(healthDir, kind)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(script, "string.") || strings.Contains(script, "math.") || strings.Contains(script, "os.") {
			t.Errorf("%s: Argo CD runs custom health checks without the string, math and os libraries", kind)
		}
		objs := fixtures(t, kind)
		for _, tc := range healthCases {
			if tc.kind != kind {
				continue
			}
			covered[kind+"/"+tc.name] = true
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				obj, ok := objs[tc.name]
				if !ok {
					t.Fatalf("no %s fixture named %s", kind, tc.name)
				}
				got, err := argocdhealth.Evaluate(script, obj)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != tc.want || !strings.Contains(got.Message, tc.message) {
					t.Errorf("health %s (%q), want %s with %q", got.Status, got.Message, tc.want, tc.message)
				}
				if got.Message == "" {
					t.Error("empty health message")
				}
			})
		}
		for name := range objs {
			if !covered[kind+"/"+name] {
				t.Errorf("fixture %s/%s has no expected health in healthCases", kind, name)
			}
		}
	}
}

// TestArgoCDConfigMapPatch checks that the argocd-cm patch installs exactly
// the health scripts of config/argocd/health, byte for byte. Set
// BSS_UPDATE_ARGOCD_CM=1 to rewrite the patch from the scripts.
func TestArgoCDConfigMapPatch(t *testing.T) {
	kinds := apiKinds(t)
	want := map[string]string{}
	for _, kind := range kinds {
		script, err := argocdhealth.ReadScript(healthDir, kind)
		if err != nil {
			t.Fatal(err)
		}
		want[argocdhealth.ConfigMapKey(billingv1alpha1.GroupVersion.Group, kind)] = script
	}
	if os.Getenv("BSS_UPDATE_ARGOCD_CM") != "" {
		if err := os.WriteFile(cmPatchPath, renderCMPatch(t, kinds, want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(cmPatchPath)
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string            `json:"name"`
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
		Data map[string]string `json:"data"`
	}
	if err := yaml.UnmarshalStrict(raw, &cm); err != nil {
		t.Fatalf("decode %s: %v", cmPatchPath, err)
	}
	if cm.APIVersion != "v1" || cm.Kind != "ConfigMap" || cm.Metadata.Name != "argocd-cm" {
		t.Errorf("%s patches %s %s/%s, want v1 ConfigMap argocd-cm", cmPatchPath, cm.APIVersion, cm.Kind, cm.Metadata.Name)
	}
	for key, script := range want {
		if got, ok := cm.Data[key]; !ok {
			t.Errorf("%s lacks %s", cmPatchPath, key)
		} else if got != script {
			t.Errorf("%s: %s differs from %s; run BSS_UPDATE_ARGOCD_CM=1 go test ./config -run TestArgoCDConfigMapPatch", cmPatchPath, key, healthDir)
		}
	}
	for key := range cm.Data {
		if _, ok := want[key]; !ok {
			t.Errorf("%s has %s, which is no kind's health check", cmPatchPath, key)
		}
	}
	// The scripts in the directory are exactly the kinds' scripts.
	files, err := filepath.Glob(filepath.Join(healthDir, "*.lua"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(kinds) {
		t.Errorf("%d scripts in %s for %d kinds", len(files), healthDir, len(kinds))
	}
}

// renderCMPatch writes the argocd-cm patch holding the scripts.
func renderCMPatch(t *testing.T, kinds []string, scripts map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`# Installs bss-operator's Argo CD health checks (docs/argocd.md). Apply it to
# Argo CD's own installation, for example as a patch in the kustomization
# that installs Argo CD. Generated from config/argocd/health/*.lua: edit the
# scripts, then run
#   BSS_UPDATE_ARGOCD_CM=1 go test ./config -run TestArgoCDConfigMapPatch
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: argocd
  labels:
    app.kubernetes.io/name: argocd-cm
    app.kubernetes.io/part-of: argocd
data:
`)
	for _, kind := range kinds {
		key := argocdhealth.ConfigMapKey(billingv1alpha1.GroupVersion.Group, kind)
		fmt.Fprintf(&b, "  %s: |\n", key)
		for _, line := range strings.SplitAfter(scripts[key], "\n") {
			if line == "" {
				continue
			}
			if line == "\n" {
				b.WriteString(line)
				continue
			}
			b.WriteString("    " + line)
		}
	}
	return b.Bytes()
}

// conditionTypes are the condition types the API package defines.
var conditionTypes = map[string]bool{
	billingv1alpha1.ConditionReady: true, billingv1alpha1.ConditionReconciling: true, billingv1alpha1.ConditionStalled: true,
	billingv1alpha1.ConditionRenewing: true, billingv1alpha1.ConditionApprovalRequired: true,
	billingv1alpha1.ConditionPaymentPending: true, billingv1alpha1.ConditionBudgetBlocked: true,
	billingv1alpha1.ConditionExpiringSoon: true, billingv1alpha1.ConditionExpired: true,
	billingv1alpha1.ConditionDriftDetected: true, billingv1alpha1.ConditionThresholdExceeded: true,
	billingv1alpha1.ConditionBalanceLow: true,
}

// TestArgoCDHealthConditionTypes: Lua cannot import the API package's
// condition types, so every type a health script looks up must be one of
// them (a renamed condition would otherwise leave the script reading
// nothing, silently).
func TestArgoCDHealthConditionTypes(t *testing.T) {
	lookup := regexp.MustCompile(`(?:condition|isTrue)\("([^"]+)"\)`)
	for _, kind := range apiKinds(t) {
		script, err := argocdhealth.ReadScript(healthDir, kind)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lookup.FindAllStringSubmatch(script, -1) {
			if !conditionTypes[m[1]] {
				t.Errorf("%s health script looks up condition %q, which api/v1alpha1 does not define", kind, m[1])
			}
		}
	}
}
