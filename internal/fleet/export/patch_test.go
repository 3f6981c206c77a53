package export_test

import (
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/fleet"
	"github.com/bss-operator/bss-operator/internal/fleet/export"
)

// selectPatch is an Observe→Manage patch of the recipe in docs/fleet.md.
func selectPatch(selector, policy string) string {
	return fmt.Sprintf(`- target:
    group: billing.bss-operator.io
    version: v1alpha1
    kind: Subscription
    labelSelector: %s
  patch: |-
    - op: add
      path: /spec/managementPolicy
      value: Manage
    - op: add
      path: /spec/renewalPolicyRef
      value:
        name: %s
`, selector, policy)
}

// rendered is one Subscription of a kustomize build.
type rendered struct {
	mode, policy string
	policyRefs   int
	labels       map[string]string
}

// build runs kustomize on dir and returns the Subscriptions by resource ID.
func build(t *testing.T, fsys filesys.FileSystem, dir string) map[string]rendered {
	t.Helper()
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out := map[string]rendered{}
	for _, r := range rm.Resources() {
		if r.GetKind() != "Subscription" {
			t.Fatalf("unexpected %s", r.CurId())
		}
		text, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		spec, _ := m["spec"].(map[string]any)
		ref, _ := spec["renewalPolicyRef"].(map[string]any)
		name, _ := ref["name"].(string)
		if len(ref) > 1 {
			t.Fatalf("%s: renewalPolicyRef %v has more than a name", r.GetName(), ref)
		}
		id, _ := spec["resourceID"].(string)
		mode, _ := spec["managementPolicy"].(string)
		out[id] = rendered{mode: mode, policy: name, labels: r.GetLabels(),
			policyRefs: strings.Count(string(text), "renewalPolicyRef:")}
	}
	return out
}

// TestLabelSelectorPatches: Observe→Manage at scale is one kustomize patch
// per slice of the fleet, selected by the labels export writes. Where two
// patches select one Subscription, it still has exactly one
// renewalPolicyRef: the later patch's.
func TestLabelSelectorPatches(t *testing.T) {
	services := []string{"hws.service.type.ec2", "hws.service.type.rds", "hws.service.type.ebs"}
	regions := []string{"ap-southeast-1", "cn-north-4"}
	var resources []bss.Resource
	for i := range 24 {
		resources = append(resources, resource(fmt.Sprintf("res-%02d", i), fmt.Sprintf("r%d", i),
			services[i%3], regions[(i/3)%2], "0"))
	}
	fsys := filesys.MakeFsInMemory()
	opts := export.Options{Account: "huawei", Namespace: "billing", Policy: "report-only"}
	if _, err := export.Run(fsys, "/fleet", opts, resources); err != nil {
		t.Fatal(err)
	}
	before := build(t, fsys, "/fleet")
	k, err := fsys.ReadFile("/fleet/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	k = append(k, []byte("patches:\n"+
		selectPatch(billingv1alpha1.LabelServiceType+"=hws.service.type.rds", "rds-yearly")+
		selectPatch(billingv1alpha1.LabelRegion+"=cn-north-4", "china-monthly"))...)
	if err := fsys.WriteFile("/fleet/kustomization.yaml", k); err != nil {
		t.Fatal(err)
	}
	after := build(t, fsys, "/fleet")
	if len(before) != len(resources) || len(after) != len(resources) {
		t.Fatalf("rendered %d then %d Subscriptions of %d resources", len(before), len(after), len(resources))
	}
	overlap := 0
	for _, res := range resources {
		got, was := after[res.ID], before[res.ID]
		if !equalMaps(got.labels, fleet.ExportedLabels("huawei", res)) {
			t.Errorf("%s: labels %v", res.ID, got.labels)
		}
		if got.policyRefs != 1 {
			t.Errorf("%s: %d renewalPolicyRef fields", res.ID, got.policyRefs)
		}
		rds, china := res.ServiceTypeCode == "hws.service.type.rds", res.Region == "cn-north-4"
		if rds && china {
			overlap++
		}
		want := rendered{mode: string(billingv1alpha1.ManagementObserve), policy: "report-only"}
		switch {
		case china: // the later patch wins where both select
			want = rendered{mode: string(billingv1alpha1.ManagementManage), policy: "china-monthly"}
		case rds:
			want = rendered{mode: string(billingv1alpha1.ManagementManage), policy: "rds-yearly"}
		}
		if got.mode != want.mode || got.policy != want.policy {
			t.Errorf("%s (%s, %s): %s under %q, want %s under %q", res.ID, res.ServiceTypeCode, res.Region,
				got.mode, got.policy, want.mode, want.policy)
		}
		if !rds && !china && (got.mode != was.mode || got.policy != was.policy) {
			t.Errorf("%s is selected by no patch but changed: %+v -> %+v", res.ID, was, got)
		}
	}
	if overlap == 0 {
		t.Fatal("the fixture has no Subscription that both patches select")
	}
}
