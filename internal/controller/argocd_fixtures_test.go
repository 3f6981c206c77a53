package controller_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/argocdhealth"
)

// updateFixtures rewrites the generated Argo CD health fixtures.
var updateFixtures = flag.Bool("update", false, "rewrite config/testdata/argocd/live from the objects TestArgoCDFixtures captures")

// liveFixturesDir holds the fixtures generated from live objects, one file
// per kind, relative to this package.
const liveFixturesDir = "../../config/testdata/argocd/live"

// fixtureScenario is one live object captured as a fixture, with what
// kstatus and the Argo CD health check must make of it.
type fixtureScenario struct {
	kind string
	// live is the object's name in the test namespace; fixture its name
	// in the fixture file (the state it shows).
	live, fixture string
	kstatus       status.Status
	argo          string
}

// TestArgoCDFixtures drives the real controllers into the states that
// matter to GitOps tools, checks what kstatus and the Argo CD health checks
// make of each, and captures the objects as the fixtures that
// config/argocd_test.go evaluates the health checks on, so that the
// scripts are always tested on what the controllers write. It fails when
// the controllers write states that differ from the fixtures (conditions,
// phase, approval state, or the health they get); rewrite them with
//
//	go test ./internal/controller -run TestArgoCDFixtures -args -update
//
// Fixtures are normalised: namespace "team", fixed IDs, no server-set
// metadata, and every time shifted so that capture happened at
// argocdhealth.FixtureTime.
func TestArgoCDFixtures(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "10000.00")
	ids := map[string]string{}
	resource := func(name string, o resourceOpts) string {
		id := h.newResource(t, a, o)
		ids[id] = "ecs-" + name
		return id
	}
	begin := h.clock.Now()

	// Subscriptions under each kind of policy.
	mustCreate(t, renewPolicy(ns, "monthly"))
	mustCreate(t, modePolicy(ns, "lapse", billingv1alpha1.RenewalModeLapse))
	mustCreate(t, modePolicy(ns, "auto", billingv1alpha1.RenewalModeAutoRenew))
	mustCreate(t, renewPolicy(ns, "approve", func(r *billingv1alpha1.RenewSpec) {
		r.Approval = billingv1alpha1.ApprovalSpec{Policy: billingv1alpha1.ApprovalAlways}
	}))
	mustCreate(t, renewPolicy(ns, "manual", func(r *billingv1alpha1.RenewSpec) {
		r.Payment = billingv1alpha1.PaymentSpec{Method: billingv1alpha1.PaymentMethodManual,
			CancelUnpaidAfter: &metav1.Duration{Duration: 24 * time.Hour}}
	}))
	primary := resource("primary", resourceOpts{expiresIn: 60 * day, attached: 1})
	ids[primary+"-evs-0"] = "evs-attached"
	paused := subscription(ns, "paused", resource("paused", resourceOpts{expiresIn: 5 * day}), "monthly", billingv1alpha1.ManagementManage)
	paused.Spec.Paused = true
	noAccount := subscription(ns, "account-not-found", resource("no-account", resourceOpts{expiresIn: 60 * day}), "monthly", billingv1alpha1.ManagementManage)
	noAccount.Spec.AccountRef.Name = "no-such-account"
	for _, sub := range []*billingv1alpha1.Subscription{
		subscription(ns, "scheduled", resource("scheduled", resourceOpts{expiresIn: 60 * day}), "monthly", billingv1alpha1.ManagementManage),
		subscription(ns, "lapse", resource("lapse", resourceOpts{expiresIn: 60 * day}), "lapse", billingv1alpha1.ManagementManage),
		subscription(ns, "auto-renew", resource("auto", resourceOpts{expiresIn: 60 * day, autoRenew: true}), "auto", billingv1alpha1.ManagementManage),
		subscription(ns, "observe", resource("observe", resourceOpts{expiresIn: 5 * day}), "approve", billingv1alpha1.ManagementObserve),
		subscription(ns, "awaiting-approval", resource("approval", resourceOpts{expiresIn: 5 * day}), "approve", billingv1alpha1.ManagementManage),
		subscription(ns, "attached-resource", primary+"-evs-0", "lapse", billingv1alpha1.ManagementManage),
		subscription(ns, "resource-not-found", "ecs-does-not-exist", "lapse", billingv1alpha1.ManagementManage),
		subscription(ns, "expired-lapse", resource("lapsed", resourceOpts{expiresIn: -day}), "lapse", billingv1alpha1.ManagementManage),
		subscription(ns, "expired-managed-renewing", resource("expired-renewing", resourceOpts{expiresIn: -day}), "approve", billingv1alpha1.ManagementManage),
		subscription(ns, "expired-managed", resource("expired-denied", resourceOpts{expiresIn: -day}), "approve", billingv1alpha1.ManagementManage),
		subscription(ns, "expired-observe", resource("expired-observe", resourceOpts{expiresIn: -day}), "approve", billingv1alpha1.ManagementObserve),
		subscription(ns, "renewed", resource("renewed", resourceOpts{expiresIn: 5 * day}), "monthly", billingv1alpha1.ManagementManage),
		subscription(ns, "payment-pending", resource("manual", resourceOpts{expiresIn: 10 * day}), "manual", billingv1alpha1.ManagementManage),
		paused, noAccount,
	} {
		mustCreate(t, sub)
	}
	// A RenewalRequest the operator did not create ends Failed.
	mustCreate(t, &billingv1alpha1.RenewalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hand-applied"},
		Spec: billingv1alpha1.RenewalRequestSpec{
			SubscriptionName: "scheduled", AccountRef: billingv1alpha1.LocalObjectReference{Name: a.Name},
			ResourceID: "ecs-does-not-exist", Revision: 1, BaselineExpireTime: metav1.Time{Time: begin.Add(60 * day)},
			Period:  billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1},
			Payment: billingv1alpha1.PaymentSpec{Method: billingv1alpha1.PaymentMethodAutoPay},
		},
	})

	// BillingAccounts that cannot be used, next to the working "acct".
	mustCreate(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unlabelled"},
		StringData: map[string]string{billingv1alpha1.SecretKeyAccessKey: a.AK, billingv1alpha1.SecretKeySecretKey: a.SK},
	})
	mustCreate(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "wrong", Labels: watchLabel()},
		StringData: map[string]string{billingv1alpha1.SecretKeyAccessKey: a.AK, billingv1alpha1.SecretKeySecretKey: "not-the-secret-key"},
	})
	for name, mutate := range map[string]func(*billingv1alpha1.BillingAccountSpec){
		"credentials-missing":      func(s *billingv1alpha1.BillingAccountSpec) { s.CredentialsSecretRef.Name = "not-there-yet" },
		"credentials-not-labelled": func(s *billingv1alpha1.BillingAccountSpec) { s.CredentialsSecretRef.Name = "unlabelled" },
		"credentials-rejected":     func(s *billingv1alpha1.BillingAccountSpec) { s.CredentialsSecretRef.Name = "wrong" },
		"endpoint-not-allowed":     func(s *billingv1alpha1.BillingAccountSpec) { s.Endpoint = "https://bss.example.com" },
	} {
		acct := &billingv1alpha1.BillingAccount{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: billingv1alpha1.BillingAccountSpec{
				Endpoint: h.url, DomainID: a.DomainID,
				CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: "bss-credentials"},
				RefreshInterval:      &metav1.Duration{Duration: time.Minute},
			},
		}
		mutate(&acct.Spec)
		mustCreate(t, acct)
		t.Cleanup(func() { _ = h.env.Client.Delete(ctx(), acct) })
	}

	// BudgetAlerts: within limits, and crossed (notify only).
	seedCosts(t, a, cost{amount: "600.00"})
	mustCreate(t, budgetAlert(ns, "within-limits", "10000.00", threshold(80, billingv1alpha1.BasisActual)))
	mustCreate(t, budgetAlert(ns, "threshold-exceeded", "1000.00", threshold(50, billingv1alpha1.BasisActual)))

	// A person denies one renewal; the others wait, renew, or wait for
	// payment.
	waitRequest(t, ns, "expired-managed-r1", 30*time.Second, billingv1alpha1.RenewalPhaseAwaitingApproval)
	approve(t, ns, "expired-managed-r1", billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionDeny, Approver: "alice"})
	waitRequest(t, ns, "expired-managed-r1", 30*time.Second, billingv1alpha1.RenewalPhaseDenied)
	waitRequest(t, ns, "renewed-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	waitRequest(t, ns, "payment-pending-r1", 30*time.Second, billingv1alpha1.RenewalPhasePaymentPending)

	S, RR, BA := "Subscription", "RenewalRequest", "BillingAccount"
	current, inProgress, failed := status.CurrentStatus, status.InProgressStatus, status.FailedStatus
	first := []fixtureScenario{
		{S, "scheduled", "scheduled", current, argocdhealth.Healthy},
		{S, "lapse", "lapse", current, argocdhealth.Healthy},
		{S, "auto-renew", "auto-renew", current, argocdhealth.Healthy},
		{S, "observe", "observe", current, argocdhealth.Healthy},
		{S, "awaiting-approval", "awaiting-approval", inProgress, argocdhealth.Progressing},
		{S, "attached-resource", "attached-resource", failed, argocdhealth.Degraded},
		{S, "resource-not-found", "resource-not-found", failed, argocdhealth.Degraded},
		// Issue 16, path 12: expired as its Lapse policy declares is done;
		// expired with a renewal under way is in progress.
		{S, "expired-lapse", "expired-lapse", current, argocdhealth.Healthy},
		{S, "expired-managed-renewing", "expired-managed-renewing", inProgress, argocdhealth.Progressing},
		// Expired, and a person denied the renewal: nothing will renew it.
		{S, "expired-managed", "expired-managed", failed, argocdhealth.Degraded},
		{S, "expired-observe", "expired-observe", inProgress, argocdhealth.Healthy},
		{S, "paused", "paused", current, argocdhealth.Suspended},
		{S, "account-not-found", "account-not-found", inProgress, argocdhealth.Progressing},
		{S, "renewed", "renewed", current, argocdhealth.Healthy},
		{S, "payment-pending", "payment-pending", inProgress, argocdhealth.Progressing},
		{RR, "awaiting-approval-r1", "awaiting-approval", inProgress, argocdhealth.Suspended},
		{RR, "expired-managed-r1", "denied", current, argocdhealth.Healthy},
		{RR, "renewed-r1", "succeeded", current, argocdhealth.Healthy},
		{RR, "hand-applied", "failed", failed, argocdhealth.Degraded},
		{RR, "payment-pending-r1", "payment-pending", inProgress, argocdhealth.Progressing},
		{BA, "acct", "ready", current, argocdhealth.Healthy},
		{BA, "credentials-missing", "credentials-missing", failed, argocdhealth.Progressing},
		{BA, "credentials-not-labelled", "credentials-not-labelled", failed, argocdhealth.Degraded},
		{BA, "credentials-rejected", "credentials-rejected", failed, argocdhealth.Degraded},
		{BA, "endpoint-not-allowed", "endpoint-not-allowed", failed, argocdhealth.Degraded},
		{"RenewalPolicy", "monthly", "ready", current, argocdhealth.Healthy},
		{"BudgetAlert", "within-limits", "ready", current, argocdhealth.Healthy},
		{"BudgetAlert", "threshold-exceeded", "threshold-exceeded", current, argocdhealth.Healthy},
	}
	captured := map[string][]map[string]any{}
	norm := fixtureNormaliser{ns: ns, domain: a.DomainID, ids: ids, begin: begin}
	capture := func(scenarios []fixtureScenario) {
		t.Helper()
		// Every scenario gets its time, and every mismatch is reported.
		deadline := time.Now().Add(30 * time.Second)
		for _, sc := range scenarios {
			var err error
			for {
				var ks status.Status
				var health argocdhealth.Health
				if ks, health, err = liveStatus(ns, sc.live, sc.kind); err == nil && (ks != sc.kstatus || health.Status != sc.argo) {
					err = fmt.Errorf("%s %s: kstatus %s, Argo CD %s (%s); want %s and %s", sc.kind, sc.live, ks, health.Status, health.Message, sc.kstatus, sc.argo)
				}
				if err == nil || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if err != nil {
				t.Error(err)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		// Read them all at one business time, after all have settled.
		for _, sc := range scenarios {
			u := liveObject(t, ns, sc.live, sc.kind)
			captured[sc.kind] = append(captured[sc.kind], norm.normalise(u, sc.fixture, h.clock.Now()))
		}
	}
	capture(first)

	// Unpaid at the deadline, the order is cancelled.
	h.advance(25 * time.Hour)
	capture([]fixtureScenario{{RR, "payment-pending-r1", "cancelled", status.FailedStatus, argocdhealth.Degraded}})

	for kind, objs := range captured {
		slices.SortFunc(objs, func(x, y map[string]any) int { return strings.Compare(fixtureName(x), fixtureName(y)) })
		path := filepath.Join(liveFixturesDir, strings.ToLower(kind)+".yaml")
		if *updateFixtures {
			writeFixtures(t, path, objs)
			continue
		}
		compareFixtures(t, kind, path, objs)
	}
}

// liveObject reads an object fresh from the apiserver as unstructured.
func liveObject(t *testing.T, ns, name, kind string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: billingv1alpha1.GroupVersion.Group, Version: billingv1alpha1.GroupVersion.Version, Kind: kind})
	if err := getErr(ns, name, u); err != nil {
		t.Fatalf("get %s %s: %v", kind, name, err)
	}
	return u
}

// fixtureNormaliser makes a captured object independent of the run.
type fixtureNormaliser struct {
	ns, domain string
	// ids maps simulator resource IDs to stable ones.
	ids map[string]string
	// begin is the business time the scenarios started at.
	begin time.Time
}

// timestamp matches the times the API writes (metav1.Time, RFC 3339).
var timestamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z`)

// runIDs match what differs between runs in messages: BSS order IDs and
// request IDs (counters of the shared simulator), with their replacement.
var runIDs = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\bCS\d{10,}[0-9A-Z]*\b`), "CS0000000000001"},
	{regexp.MustCompile(`request id [0-9a-f]+`), "request id 0"},
}

// normalise returns the fixture of u, named name, captured at business
// time at.
func (n fixtureNormaliser) normalise(u *unstructured.Unstructured, name string, at time.Time) map[string]any {
	shift := argocdhealth.FixtureTime.Sub(at)
	obj := u.DeepCopy().Object
	meta := obj["metadata"].(map[string]any)
	for _, k := range []string{"uid", "resourceVersion", "managedFields", "selfLink"} {
		delete(meta, k)
	}
	meta["name"] = name
	// The API server stamps creation in real time; the controllers work
	// in business time, which is what the scripts compare with.
	meta["creationTimestamp"] = n.begin.UTC().Format(time.RFC3339)
	if refs, ok := meta["ownerReferences"].([]any); ok {
		for _, r := range refs {
			r.(map[string]any)["uid"] = "00000000-0000-0000-0000-000000000000"
		}
	}
	ids := make([]string, 0, len(n.ids))
	for id := range n.ids {
		ids = append(ids, id)
	}
	// Longest first, so that an attached resource's ID is replaced whole.
	slices.SortFunc(ids, func(x, y string) int { return len(y) - len(x) })
	pairs := []string{n.ns, "team", n.domain, "domain-0001", h.url, "https://bss-simulator.test"}
	for _, id := range ids {
		pairs = append(pairs, id, n.ids[id])
	}
	replacer := strings.NewReplacer(pairs...)
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case string:
			v = timestamp.ReplaceAllStringFunc(v, func(s string) string {
				t, err := time.Parse(time.RFC3339Nano, s)
				if err != nil {
					return s
				}
				return t.Add(shift).UTC().Format(time.RFC3339)
			})
			for _, id := range runIDs {
				v = id.re.ReplaceAllString(v, id.with)
			}
			return replacer.Replace(v)
		case map[string]any:
			for k, item := range v {
				v[k] = walk(item)
			}
		case []any:
			for i, item := range v {
				v[i] = walk(item)
			}
		}
		return v
	}
	obj = walk(obj).(map[string]any)
	// Keep the name the scenario gave (the replacer may have touched it).
	obj["metadata"].(map[string]any)["name"] = name
	return obj
}

// fixtureName is the name of a fixture object.
func fixtureName(obj map[string]any) string {
	return fmt.Sprint(obj["metadata"].(map[string]any)["name"])
}

// fixtureHeader heads every generated fixture file.
const fixtureHeader = `# Generated by TestArgoCDFixtures (internal/controller/argocd_fixtures_test.go)
# from objects the controllers wrote in envtest; do not edit. Times are
# shifted so that capture happened at argocdhealth.FixtureTime. Rewrite with
#   go test ./internal/controller -run TestArgoCDFixtures -args -update
`

// writeFixtures writes objs as a multi-document YAML file.
func writeFixtures(t *testing.T, path string, objs []map[string]any) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(fixtureHeader)
	for _, obj := range objs {
		y, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// compareFixtures fails when the captured objects of a kind differ from
// the fixture file in what the health checks and kstatus read.
func compareFixtures(t *testing.T, kind, path string, objs []map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; generate the fixtures with -update", err)
	}
	golden := map[string]map[string]any{}
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if obj != nil {
			golden[fixtureName(obj)] = obj
		}
	}
	script, err := argocdhealth.ReadScript(argoHealthDir, kind)
	if err != nil {
		t.Fatal(err)
	}
	vm := argocdhealth.VM{Now: func() time.Time { return argocdhealth.FixtureTime }}
	const hint = "; the controllers now write something else: rewrite the fixtures with -update and review the diff"
	for _, obj := range objs {
		name := fixtureName(obj)
		want, ok := golden[name]
		if !ok {
			t.Errorf("%s: no %s fixture %s%s", path, kind, name, hint)
			continue
		}
		delete(golden, name)
		if got, w := fixtureSignature(obj), fixtureSignature(want); got != w {
			t.Errorf("%s %s: live %s, fixture %s%s", kind, name, got, w, hint)
		}
		got, gerr := vm.Evaluate(script, obj)
		w, werr := vm.Evaluate(script, want)
		if gerr != nil || werr != nil || got.Status != w.Status {
			t.Errorf("%s %s: live health %s (%v), fixture health %s (%v)%s", kind, name, got.Status, gerr, w.Status, werr, hint)
		}
	}
	for name := range golden {
		t.Errorf("%s: fixture %s %s is not generated any more%s", path, kind, name, hint)
	}
}

// fixtureSignature is what the health checks and kstatus read of an
// object: its conditions' types, statuses and reasons, phase, approval
// state, management policy and pause.
func fixtureSignature(obj map[string]any) string {
	var parts []string
	for _, f := range [][]string{{"status", "phase"}, {"status", "approvalState"}, {"spec", "managementPolicy"}} {
		if v, ok, _ := unstructured.NestedString(obj, f...); ok {
			parts = append(parts, f[1]+"="+v)
		}
	}
	if v, ok, _ := unstructured.NestedBool(obj, "spec", "paused"); ok {
		parts = append(parts, fmt.Sprintf("paused=%t", v))
	}
	conds, _, _ := unstructured.NestedSlice(obj, "status", "conditions")
	var cs []string
	for _, c := range conds {
		m, _ := c.(map[string]any)
		cs = append(cs, fmt.Sprintf("%v=%v/%v", m["type"], m["status"], m["reason"]))
	}
	slices.Sort(cs)
	return strings.Join(append(parts, cs...), " ")
}
