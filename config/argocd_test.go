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
	"time"

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

// liveFixturesDir holds the fixtures generated from objects the
// controllers wrote (internal/controller/argocd_fixtures_test.go); the
// hand-written ones in fixturesDir cover the states no scenario produces.
const liveFixturesDir = fixturesDir + "/live"

// fixtures reads the fixtures of a kind, hand-written and generated, by
// object name.
func fixtures(t *testing.T, kind string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, dir := range []string{fixturesDir, liveFixturesDir} {
		for name, obj := range fixtureFile(t, filepath.Join(dir, strings.ToLower(kind)+".yaml"), kind) {
			if _, dup := out[name]; dup {
				t.Fatalf("two %s fixtures named %s (a generated fixture replaces a hand-written one: delete that)", kind, name)
			}
			out[name] = obj
		}
	}
	return out
}

// fixtureFile reads a multi-document fixture file, by object name.
func fixtureFile(t *testing.T, path, kind string) map[string]map[string]any {
	t.Helper()
	f, err := os.Open(path)
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
			t.Fatalf("read %s: %v", path, err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			t.Fatalf("decode a fixture in %s: %v", path, err)
		}
		if obj == nil {
			continue
		}
		if obj["kind"] != kind {
			t.Fatalf("fixture of kind %v in %s", obj["kind"], path)
		}
		name := fmt.Sprint(obj["metadata"].(map[string]any)["name"])
		if _, dup := out[name]; dup {
			t.Fatalf("two %s fixtures named %s in %s", kind, name, path)
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
	// at is when the check runs, after argocdhealth.FixtureTime (when the
	// generated fixtures were captured): the same status, seen later.
	at time.Duration
}

// healthCases covers every fixture: each state the controllers produce.
var healthCases = []healthCase{
	// Hand-written: states no scenario produces.
	{kind: "Subscription", name: "no-status", want: argocdhealth.Progressing, message: "waiting for the operator"},
	{kind: "Subscription", name: "empty-conditions", want: argocdhealth.Progressing, message: "waiting for the operator"},
	{kind: "Subscription", name: "not-observed", want: argocdhealth.Progressing, message: "generation 3"},
	{kind: "Subscription", name: "observe-expiring-soon", want: argocdhealth.Healthy, message: "ExpiringSoon: expires in 72h"},
	{kind: "Subscription", name: "paused-and-stalled", want: argocdhealth.Suspended, message: "paused"},
	{kind: "Subscription", name: "renewing", want: argocdhealth.Progressing, message: "Renewing: renewal web-r1 is Ordering"},
	{kind: "Subscription", name: "drift-correcting", want: argocdhealth.Progressing, message: "ExpirePolicyDrift"},
	{kind: "Subscription", name: "credentials-rejected", want: argocdhealth.Degraded, message: "CredentialsRejected: BSS rejected"},
	{kind: "Subscription", name: "policy-invalid", want: argocdhealth.Degraded, message: "PolicyInvalid"},
	{kind: "Subscription", name: "throttled", want: argocdhealth.Progressing, message: "waiting: Throttled"},
	{kind: "Subscription", name: "expired-lapse-other-time", want: argocdhealth.Degraded, message: "no renewal is under way"},
	// Generated from what the controllers wrote.
	{kind: "Subscription", name: "scheduled", want: argocdhealth.Healthy, message: "RenewalScheduled"},
	{kind: "Subscription", name: "lapse", want: argocdhealth.Healthy, message: "Lapsing"},
	{kind: "Subscription", name: "auto-renew", want: argocdhealth.Healthy, message: "AutoRenewOn"},
	{kind: "Subscription", name: "observe", want: argocdhealth.Healthy, message: "ExpiringSoon: expires at 2030-01-06T00:00:00Z"},
	{kind: "Subscription", name: "awaiting-approval", want: argocdhealth.Progressing, message: "Renewing"},
	{kind: "Subscription", name: "payment-pending", want: argocdhealth.Progressing, message: "Renewing"},
	{kind: "Subscription", name: "renewed", want: argocdhealth.Healthy, message: "RenewalScheduled"},
	{kind: "Subscription", name: "paused", want: argocdhealth.Suspended, message: "paused"},
	{kind: "Subscription", name: "account-not-found", want: argocdhealth.Progressing, message: "waiting: AccountNotFound"},
	{kind: "Subscription", name: "attached-resource", want: argocdhealth.Degraded, message: "AttachedResource"},
	{kind: "Subscription", name: "resource-not-found", want: argocdhealth.Degraded, message: "ResourceNotFound"},
	{kind: "Subscription", name: "expired-managed", want: argocdhealth.Degraded, message: "Expired"},
	{kind: "Subscription", name: "expired-managed-renewing", want: argocdhealth.Progressing, message: "Renewing"},
	{kind: "Subscription", name: "expired-lapse", want: argocdhealth.Healthy, message: "Lapsed"},
	{kind: "Subscription", name: "expired-observe", want: argocdhealth.Healthy, message: "Observe"},
	// The same statuses later, had the operator stopped writing: an expiry
	// the status predates is stale once staleAfter (1h) has passed.
	{kind: "Subscription", name: "scheduled", want: argocdhealth.Healthy, message: "RenewalScheduled", at: 60*day + 59*time.Minute},
	{kind: "Subscription", name: "scheduled", want: argocdhealth.Degraded, message: "stale status: the subscription expired at 2030-03-02T00:00:00Z", at: 60*day + 61*time.Minute},
	{kind: "Subscription", name: "lapse", want: argocdhealth.Degraded, message: "the operator has not reported since", at: 90 * day},
	{kind: "Subscription", name: "awaiting-approval", want: argocdhealth.Degraded, message: "stale status", at: 6 * day},
	// Written after the expiry: still what the operator saw.
	{kind: "Subscription", name: "expired-lapse", want: argocdhealth.Healthy, message: "Lapsed", at: 90 * day},
	{kind: "Subscription", name: "expired-managed", want: argocdhealth.Degraded, message: "Expired", at: 90 * day},

	{kind: "RenewalRequest", name: "no-status", want: argocdhealth.Progressing, message: "waiting for the operator"},
	{kind: "RenewalRequest", name: "pending", want: argocdhealth.Progressing, message: "Pending"},
	{kind: "RenewalRequest", name: "blocked", want: argocdhealth.Progressing, message: "Blocked: BudgetAlert"},
	{kind: "RenewalRequest", name: "approved", want: argocdhealth.Progressing, message: "Approved"},
	{kind: "RenewalRequest", name: "ordering", want: argocdhealth.Progressing, message: "Ordering"},
	{kind: "RenewalRequest", name: "confirming", want: argocdhealth.Progressing, message: "Confirming"},
	{kind: "RenewalRequest", name: "approval-not-observed", want: argocdhealth.Progressing, message: "generation 2"},
	{kind: "RenewalRequest", name: "failed-approved-later", want: argocdhealth.Degraded, message: "Failed: approved by alice"},
	{kind: "RenewalRequest", name: "stalled", want: argocdhealth.Degraded, message: "RenewFailed: paid"},
	{kind: "RenewalRequest", name: "awaiting-approval", want: argocdhealth.Suspended, message: "AwaitingApproval (Required): approval required"},
	{kind: "RenewalRequest", name: "payment-pending", want: argocdhealth.Progressing, message: "PaymentPending: order CS0000000000001"},
	{kind: "RenewalRequest", name: "succeeded", want: argocdhealth.Healthy, message: "Succeeded"},
	{kind: "RenewalRequest", name: "denied", want: argocdhealth.Healthy, message: "Denied: denied by alice"},
	{kind: "RenewalRequest", name: "failed", want: argocdhealth.Degraded, message: "Failed: not created by the operator"},
	{kind: "RenewalRequest", name: "cancelled", want: argocdhealth.Degraded, message: "Cancelled: order CS0000000000001 was unpaid"},

	{kind: "BillingAccount", name: "no-status", want: argocdhealth.Progressing, message: "waiting for the operator to observe the BillingAccount"},
	{kind: "BillingAccount", name: "ready-only", want: argocdhealth.Healthy, message: "UpToDate"},
	{kind: "BillingAccount", name: "not-observed", want: argocdhealth.Progressing, message: "generation 2"},
	{kind: "BillingAccount", name: "reconciling", want: argocdhealth.Progressing, message: "InProgress: reading BSS"},
	{kind: "BillingAccount", name: "bss-unavailable", want: argocdhealth.Progressing, message: "waiting: BSSUnavailable"},
	{kind: "BillingAccount", name: "ready", want: argocdhealth.Healthy, message: "Succeeded: BSS answered"},
	{kind: "BillingAccount", name: "credentials-rejected", want: argocdhealth.Degraded, message: "CredentialsRejected"},
	{kind: "BillingAccount", name: "credentials-not-labelled", want: argocdhealth.Degraded, message: "CredentialsNotLabelled"},
	{kind: "BillingAccount", name: "endpoint-not-allowed", want: argocdhealth.Degraded, message: "EndpointNotAllowed"},
	// A Secret that does not exist yet may be on its way (an
	// external-secrets controller in a later sync wave): Progressing for
	// 10 minutes after Stalled turned True, then Degraded.
	{kind: "BillingAccount", name: "credentials-missing", want: argocdhealth.Progressing, message: "waiting up to 10 minutes from 2030-01-01T00:00:00Z for the credentials Secret: CredentialsMissing"},
	{kind: "BillingAccount", name: "credentials-missing", want: argocdhealth.Progressing, message: "CredentialsMissing", at: 9*time.Minute + 59*time.Second},
	{kind: "BillingAccount", name: "credentials-missing", want: argocdhealth.Degraded, message: "CredentialsMissing: credentials Secret \"not-there-yet\" not found", at: 10*time.Minute + time.Second},

	{kind: "RenewalPolicy", name: "no-status", want: argocdhealth.Progressing, message: "waiting for the operator to observe the RenewalPolicy"},
	{kind: "RenewalPolicy", name: "ready-only", want: argocdhealth.Healthy, message: "UpToDate"},
	{kind: "RenewalPolicy", name: "not-observed", want: argocdhealth.Progressing, message: "generation 2"},
	{kind: "RenewalPolicy", name: "reconciling", want: argocdhealth.Progressing, message: "InProgress"},
	{kind: "RenewalPolicy", name: "policy-invalid", want: argocdhealth.Degraded, message: "PolicyInvalid"},
	{kind: "RenewalPolicy", name: "budget-not-found", want: argocdhealth.Progressing, message: "waiting: BudgetAlertNotFound"},
	{kind: "RenewalPolicy", name: "ready", want: argocdhealth.Healthy, message: "Valid"},

	{kind: "BudgetAlert", name: "no-status", want: argocdhealth.Progressing, message: "waiting for the operator to observe the BudgetAlert"},
	{kind: "BudgetAlert", name: "ready-only", want: argocdhealth.Healthy, message: "UpToDate"},
	{kind: "BudgetAlert", name: "not-observed", want: argocdhealth.Progressing, message: "generation 2"},
	{kind: "BudgetAlert", name: "reconciling", want: argocdhealth.Progressing, message: "InProgress"},
	{kind: "BudgetAlert", name: "balance-low", want: argocdhealth.Healthy, message: "BalanceBelowFloor: projected balance"},
	{kind: "BudgetAlert", name: "credentials-rejected", want: argocdhealth.Degraded, message: "CredentialsRejected"},
	{kind: "BudgetAlert", name: "ready", want: argocdhealth.Healthy, message: "WithinLimits"},
	{kind: "BudgetAlert", name: "threshold-exceeded", want: argocdhealth.Healthy, message: "ThresholdCrossed: crossed: Actual 50%"},
}

// day is a day.
const day = 24 * time.Hour

// zones are the time zones Argo CD's controller may run in: the checks must
// not depend on it (os.date and os.time(table) work in local time).
var zones = []string{"UTC", "Asia/Shanghai", "America/Los_Angeles"}

// TestArgoCDHealth runs each kind's health check on its fixtures, as Argo
// CD would at FixtureTime (plus the case's at), in several time zones.
func TestArgoCDHealth(t *testing.T) {
	covered := map[string]bool{}
	for _, kind := range apiKinds(t) {
		script, err := argocdhealth.ReadScript(healthDir, kind)
		if err != nil {
			t.Fatal(err)
		}
		objs := fixtures(t, kind)
		for _, tc := range healthCases {
			if tc.kind != kind {
				continue
			}
			covered[kind+"/"+tc.name] = true
			t.Run(fmt.Sprintf("%s/%s+%s", kind, tc.name, tc.at), func(t *testing.T) {
				obj, ok := objs[tc.name]
				if !ok {
					t.Fatalf("no %s fixture named %s", kind, tc.name)
				}
				for _, zone := range zones {
					loc, err := time.LoadLocation(zone)
					if err != nil {
						t.Fatal(err)
					}
					vm := argocdhealth.VM{Now: func() time.Time { return argocdhealth.FixtureTime.Add(tc.at) }, Local: loc}
					got, err := vm.Evaluate(script, obj)
					if err != nil {
						t.Fatal(err)
					}
					if got.Status != tc.want || !strings.Contains(got.Message, tc.message) {
						t.Errorf("in %s: health %s (%q), want %s with %q", zone, got.Status, got.Message, tc.want, tc.message)
					}
					if got.Message == "" {
						t.Error("empty health message")
					}
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

// TestArgoCDHealthLibraries: the scripts use only what Argo CD opens for
// custom health checks (internal/argocdhealth): no string or math library,
// and os only as require("os"). The VM enforces this on the paths the
// fixtures exercise; this checks every line.
func TestArgoCDHealthLibraries(t *testing.T) {
	for _, kind := range apiKinds(t) {
		script, err := argocdhealth.ReadScript(healthDir, kind)
		if err != nil {
			t.Fatal(err)
		}
		code := regexp.MustCompile(`--.*`).ReplaceAllString(script, "")
		if regexp.MustCompile(`\b(string|math|io|debug)\.|:(sub|find|match|gsub|format|len|byte|upper|lower)\(`).MatchString(code) {
			t.Errorf("%s: Argo CD runs custom health checks without the string, math, io and debug libraries", kind)
		}
		if strings.Contains(code, "os.") && !strings.Contains(code, `local os = require("os")`) {
			t.Errorf("%s: Argo CD has no global os; use local os = require(\"os\")", kind)
		}
	}
}

// TestArgoCDHealthUTC: the scripts' utc function, which turns os.time()
// into the API's time format without the string library, agrees with Go
// over four centuries, leap days and month ends included.
func TestArgoCDHealthUTC(t *testing.T) {
	fn := regexp.MustCompile(`(?s)\nlocal function utc\(secs\)\n.*?\nend\n`)
	var times []time.Time
	for y := 1970; y <= 2400; y += 7 {
		times = append(times, time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 2, 28, 23, 59, 59, 0, time.UTC),
			time.Date(y, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 12, 31, 23, 59, 59, 0, time.UTC))
	}
	times = append(times, time.Date(2000, 2, 29, 12, 30, 5, 0, time.UTC), time.Date(2100, 3, 1, 1, 2, 3, 0, time.UTC),
		argocdhealth.FixtureTime, argocdhealth.FixtureTime.Add(-time.Second))
	for _, kind := range []string{"Subscription", "BillingAccount"} {
		script, err := argocdhealth.ReadScript(healthDir, kind)
		if err != nil {
			t.Fatal(err)
		}
		src := fn.FindString(script)
		if src == "" {
			t.Fatalf("%s: no utc function", kind)
		}
		for _, tm := range times {
			got, err := argocdhealth.Evaluate(src+fmt.Sprintf(`return {status = "Healthy", message = utc(%d)}`, tm.Unix()), map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
			if want := tm.Format(time.RFC3339); got.Message != want {
				t.Errorf("%s: utc(%d) = %s, want %s", kind, tm.Unix(), got.Message, want)
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
