package export_test

import (
	"context"
	"crypto/sha256"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"k8s.io/utils/clock"
	testingclock "k8s.io/utils/clock/testing"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/fleet"
	"github.com/bss-operator/bss-operator/internal/fleet/export"
)

// fleetAccount starts a simulator with one account and returns it and a
// client of the account.
func fleetAccount(t *testing.T) (*simulator.Server, bss.Client) {
	t.Helper()
	sim := simulator.New(simulator.WithClock(testingclock.NewFakeClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))),
		simulator.WithThrottling(false))
	if err := sim.AddAccount(simulator.AccountSeed{DomainID: "domain-fleet", Name: "fleet", Cash: decimal.NewFromInt(1000),
		Credentials: []simulator.Credential{{AccessKey: "AK-fleet", SecretKey: "SK-fleet"}}}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	cl, err := bss.New(bss.Config{Endpoint: ts.URL, HTTPClient: ts.Client(), Clock: clock.RealClock{},
		Credentials: bss.Credentials{AccessKey: "AK-fleet", SecretKey: "SK-fleet"}})
	if err != nil {
		t.Fatal(err)
	}
	return sim, cl
}

// snapshot is every file of a directory tree by path, with its digest.
func snapshot(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		out[strings.TrimPrefix(p, dir+"/")] = sha256.Sum256(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRoundTrip is the Done-when of issue #18 without a cluster (the apply
// to an API server is in internal/plugin): 2,000 open primary resources get
// exactly one file each with the fleet name and labels, the directory
// builds, and a re-run after the account changed adds exactly the new
// resources, lists the released ones and touches nothing else.
func TestRoundTrip(t *testing.T) {
	sim, cl := fleetAccount(t)
	seeded, err := sim.SeedFleet(simulator.FleetSpec{Account: "domain-fleet", Prefix: "res", Count: 2040, Released: 40})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "fleet")
	fsys := filesys.MakeFsOnDisk()
	opts := export.Options{Account: "huawei", Namespace: "billing", Policy: "report-only"}

	resources, err := export.List(ctx, cl, "billing/huawei", clock.RealClock{})
	if err != nil {
		t.Fatal(err)
	}
	open := map[string]bss.Resource{}
	attached := 0
	for _, r := range resources {
		switch {
		case !r.IsMain:
			attached++
		case slices.Contains(seeded.Released, r.ID):
			t.Fatalf("released resource %s listed", r.ID)
		default:
			open[r.ID] = r
		}
	}
	if len(open) != 2000 || attached == 0 {
		t.Fatalf("the inventory has %d open primaries and %d attached resources, want 2000 and some", len(open), attached)
	}
	sum, err := export.Run(fsys, dir, opts, resources)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Added) != 2000 || sum.Kept != 0 || len(sum.Released) != 0 || len(sum.Conflicts) != 0 || !sum.Kustomization.Created {
		t.Fatalf("first export: added %d, kept %d, released %d, conflicts %v", len(sum.Added), sum.Kept, len(sum.Released), sum.Conflicts)
	}
	entries, err := export.Scan(fsys, dir, "huawei")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]int{}
	for _, e := range entries {
		files[e.ResourceID]++
		res, ok := open[e.ResourceID]
		if !ok {
			t.Fatalf("%s names %s, which is not an open primary resource", e.File, e.ResourceID)
		}
		if e.File != fleet.SubscriptionName(res)+".yaml" || e.Name != fleet.SubscriptionName(res) {
			t.Fatalf("%s holds %s for %s, want the fleet name %s", e.File, e.Name, res.ID, fleet.SubscriptionName(res))
		}
		data, err := os.ReadFile(filepath.Join(dir, e.File))
		if err != nil {
			t.Fatal(err)
		}
		var sub billingv1alpha1.Subscription
		if err := yaml.UnmarshalStrict(data, &sub); err != nil {
			t.Fatal(err)
		}
		if !equalMaps(sub.Labels, fleet.ExportedLabels("huawei", res)) || len(sub.Labels) != 5 {
			t.Fatalf("%s: labels %v, want %v", e.File, sub.Labels, fleet.ExportedLabels("huawei", res))
		}
	}
	for id := range open {
		if files[id] != 1 {
			t.Fatalf("resource %s has %d files", id, files[id])
		}
	}
	// kustomize build of 2,000 files takes seconds (its resource map is
	// quadratic); the directory is built once, after the re-run, here and
	// once, after the first export, in internal/plugin's apply test.

	// The account changes: 10 new resources, 5 released. A person edits
	// one file, adds a patch to the kustomization and renames a file.
	more, err := sim.SeedFleet(simulator.FleetSpec{Account: "domain-fleet", Prefix: "res", First: 5000, Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	var released []string
	for _, e := range entries[100:105] {
		if err := sim.ReleaseResource(e.ResourceID); err != nil {
			t.Fatal(err)
		}
		released = append(released, e.ResourceID)
	}
	edited := filepath.Join(dir, entries[0].File)
	if err := os.WriteFile(edited, []byte(strings.Replace(mustRead(t, edited), "managementPolicy: Observe",
		"managementPolicy: Manage # approved in CHG-1234", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	kpath := filepath.Join(dir, "kustomization.yaml")
	renamed := entries[1]
	k := strings.Replace(mustRead(t, kpath), "- "+renamed.File+"\n", "- web-renamed.yaml\n", 1)
	k += "patches:\n" + selectPatch(billingv1alpha1.LabelServiceType+"=hws.service.type.rds", "rds-yearly")
	if err := os.WriteFile(kpath, []byte(k), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, renamed.File), filepath.Join(dir, "web-renamed.yaml")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)

	resources, err = export.List(ctx, cl, "billing/huawei", clock.RealClock{})
	if err != nil {
		t.Fatal(err)
	}
	sum, err = export.Run(fsys, dir, opts, resources)
	if err != nil {
		t.Fatal(err)
	}
	var addedIDs, newIDs, releasedIDs []string
	for _, e := range sum.Added {
		addedIDs = append(addedIDs, e.ResourceID)
	}
	for _, s := range more.Seeds {
		newIDs = append(newIDs, s.ID)
	}
	for _, e := range sum.Released {
		releasedIDs = append(releasedIDs, e.ResourceID)
	}
	slices.Sort(addedIDs)
	slices.Sort(releasedIDs)
	slices.Sort(released)
	if !slices.Equal(addedIDs, newIDs) || !slices.Equal(releasedIDs, released) || sum.Kept != 1995 || len(sum.Conflicts) != 0 {
		t.Fatalf("re-run: added %v (want %v), released %v (want %v), kept %d", addedIDs, newIDs, releasedIDs, released, sum.Kept)
	}
	after := snapshot(t, dir)
	for p, digest := range before {
		if p != "kustomization.yaml" && after[p] != digest {
			t.Errorf("%s was rewritten", p)
		}
		if _, ok := after[p]; !ok {
			t.Errorf("%s was deleted", p)
		}
	}
	if len(after) != len(before)+10 {
		t.Errorf("%d files before the re-run, %d after", len(before), len(after))
	}
	var kust struct {
		Resources []string         `json:"resources"`
		Patches   []map[string]any `json:"patches"`
	}
	if err := yaml.Unmarshal([]byte(mustRead(t, kpath)), &kust); err != nil {
		t.Fatal(err)
	}
	if len(kust.Resources) != 2010 || len(kust.Patches) != 1 || !slices.Contains(kust.Resources, "web-renamed.yaml") {
		t.Fatalf("kustomization: %d resources, %d patches", len(kust.Resources), len(kust.Patches))
	}
	got := build(t, fsys, dir)
	if len(got) != 2010 {
		t.Fatalf("kustomize build rendered %d Subscriptions", len(got))
	}
	if r := got[entries[0].ResourceID]; r.mode != string(billingv1alpha1.ManagementManage) {
		t.Fatalf("the hand edit is lost: %+v", r)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
