package plugin_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	testingclock "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/fleet"
	"github.com/bss-operator/bss-operator/internal/fleet/export"
)

// TestExportApplies is the cluster half of issue #18's Done-when: `kubectl
// bss export` of a 2,000-resource account, connected as the binary is,
// builds with kustomize, and every object is accepted by an API server
// whose CRDs validate it (CEL included). A Subscription that discovery
// created first is adopted by name, not duplicated. The re-run rules are
// tested without a cluster in internal/fleet/export.
func TestExportApplies(t *testing.T) {
	ns := env.Namespace(t)
	ctx := context.Background()
	sim := simulator.New(simulator.WithClock(testingclock.NewFakeClock(now)), simulator.WithThrottling(false))
	if err := sim.AddAccount(simulator.AccountSeed{DomainID: "domain-export", Name: "export", Cash: decimal.NewFromInt(1000),
		Credentials: []simulator.Credential{{AccessKey: "AK-export", SecretKey: "SK-export"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.SeedFleet(simulator.FleetSpec{Account: "domain-export", Prefix: "res", Count: 2040, Released: 40}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)

	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "huawei-creds"},
		StringData: map[string]string{billingv1alpha1.SecretKeyAccessKey: "AK-export", billingv1alpha1.SecretKeySecretKey: "SK-export"}}
	create(t, secret)
	create(t, &billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "huawei"},
		Spec: billingv1alpha1.BillingAccountSpec{Endpoint: ts.URL, DomainID: "domain-export",
			CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: secret.Name}}})
	dir := filepath.Join(t.TempDir(), "fleet")
	args := []string{"export", "huawei", "-n", ns, "--dir", dir, "--policy", "monthly"}

	// As the manager: an unlabelled Secret is not read, and credentials go
	// to no endpoint outside the allowlist.
	if _, err := kubectlBSS(t, append(args, "--bss-endpoints", ts.URL)...); err == nil || !strings.Contains(err.Error(), billingv1alpha1.LabelWatchSecret) {
		t.Fatalf("export with an unlabelled Secret: %v", err)
	}
	secret.Labels = map[string]string{billingv1alpha1.LabelWatchSecret: "true"}
	if err := env.Client.Update(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := kubectlBSS(t, args...); err == nil || !strings.Contains(err.Error(), "allowlist") {
		t.Fatalf("export to an endpoint outside the allowlist: %v", err)
	}
	if n := sim.AccountCounters("domain-export").Total(simulator.OpQueryResources); n != 0 {
		t.Fatalf("BSS was called %d times before the account could be used", n)
	}

	// Discovery got to one resource first.
	first := openPrimaries(sim)[0]
	discovered := &billingv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fleet.SubscriptionName(first),
		Labels: fleet.Labels("huawei", first)},
		Spec: billingv1alpha1.SubscriptionSpec{AccountRef: billingv1alpha1.LocalObjectReference{Name: "huawei"},
			ResourceID: first.ID, ManagementPolicy: billingv1alpha1.ManagementObserve}}
	discovered.Labels[billingv1alpha1.LabelDiscovered] = "true"
	create(t, discovered)

	create(t, &billingv1alpha1.RenewalPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "monthly"},
		Spec: billingv1alpha1.RenewalPolicySpec{Mode: billingv1alpha1.RenewalModeLapse}})
	writes := len(sim.Writes()) // the releases of the seeding
	out, err := kubectlBSS(t, append(args, "--bss-endpoints", ts.URL, "-o", "json")...)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	var sum export.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("summary is not JSON: %v\n%s", err, out)
	}
	if len(sum.Added) != 2000 || len(sum.Released) != 0 || !sum.Kustomization.Created || len(sum.Kustomization.Added) != 2000 {
		t.Fatalf("summary: added %d, released %d, kustomization %+v", len(sum.Added), len(sum.Released), sum.Kustomization.File)
	}
	if w := sim.Writes(); len(w) != writes {
		t.Fatalf("export wrote to BSS: %+v", w[writes:])
	}

	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	if rm.Size() != 2000 {
		t.Fatalf("kustomize build rendered %d objects", rm.Size())
	}
	start := time.Now()
	applyAll(t, rm.Resources())
	t.Logf("server-side apply of %d Subscriptions took %s", rm.Size(), time.Since(start).Round(time.Millisecond))

	var subs billingv1alpha1.SubscriptionList
	if err := env.Client.List(ctx, &subs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if len(subs.Items) != 2000 {
		t.Fatalf("%d Subscriptions in the namespace, want 2000", len(subs.Items))
	}
	for _, s := range subs.Items {
		if s.Spec.ResourceID == first.ID && (s.Name != discovered.Name || s.Spec.RenewalPolicyRef == nil || s.Spec.RenewalPolicyRef.Name != "monthly") {
			t.Fatalf("the discovered Subscription was not adopted: %s %+v", s.Name, s.Spec)
		}
		if s.Spec.ResourceID == first.ID && s.Labels[billingv1alpha1.LabelDiscovered] != "false" {
			t.Fatalf("the adopted Subscription still says it is discovered: %v", s.Labels)
		}
	}

	// A re-run against the same account adds nothing.
	out, err = kubectlBSS(t, append(args, "--bss-endpoints", ts.URL)...)
	if err != nil || !strings.Contains(out, "added 0, kept 2000, released 0") {
		t.Fatalf("re-run: %v\n%s", err, out)
	}
}

// openPrimaries returns the open primary resources of the simulator as
// 6.3.1 describes them (the fields the fleet name and labels use).
func openPrimaries(sim *simulator.Server) []bss.Resource {
	var out []bss.Resource
	for _, r := range sim.Resources() {
		if r.IsMain && !r.Closed {
			out = append(out, bss.Resource{ID: r.ID, Name: r.Name, Region: r.Region, ServiceTypeCode: r.ServiceTypeCode,
				IsMain: true, EnterpriseProject: bss.EnterpriseProject{ID: r.EnterpriseProject.ID, Name: r.EnterpriseProject.Name}})
		}
	}
	return out
}

// applyAll server-side applies rendered objects as `kubectl apply
// --server-side --force-conflicts` does (docs/fleet.md: Git takes the
// fields discovery set, the discovered mark among them), a few at a time
// and without a client-side rate limit.
func applyAll(t *testing.T, objs []*resource.Resource) {
	t.Helper()
	cfg := rest.CopyConfig(env.Config)
	cfg.QPS, cfg.Burst = -1, 0
	c, err := client.New(cfg, client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	work := make(chan *resource.Resource)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for range 8 {
		wg.Go(func() {
			for r := range work {
				m, err := r.Map()
				if err == nil {
					err = c.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(&unstructured.Unstructured{Object: m}),
						client.FieldOwner("kubectl"), client.ForceOwnership)
				}
				if err != nil {
					mu.Lock()
					failures = append(failures, r.GetName()+": "+err.Error())
					mu.Unlock()
				}
			}
		})
	}
	for _, r := range objs {
		work <- r
	}
	close(work)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d objects refused, first: %s", len(failures), failures[0])
	}
}
