package export_test

import (
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/fleet"
	"github.com/bss-operator/bss-operator/internal/fleet/export"
)

func resource(id, name, service, region, ep string) bss.Resource {
	return bss.Resource{ID: id, Name: name, ServiceTypeCode: service, Region: region, IsMain: true,
		Status: bss.ResourceProvisioned, EnterpriseProject: bss.EnterpriseProject{ID: ep, Name: "ep " + ep},
		ExpireTime: time.Date(2027, 3, 1, 15, 59, 59, 0, time.UTC)}
}

// TestEligible: the selector flags mean what the shared ResourceSelector
// means; attached and closed resources never get a file.
func TestEligible(t *testing.T) {
	rds := resource("rds-1", "db", "hws.service.type.rds", "ap-southeast-1", "0")
	attached := rds
	attached.IsMain = false
	closed := rds
	closed.Status = bss.ResourceClosed
	frozen := rds
	frozen.Status = bss.ResourceFrozen
	tests := []struct {
		name string
		res  bss.Resource
		sel  billingv1alpha1.ResourceSelector
		want bool
	}{
		{"empty selector matches", rds, billingv1alpha1.ResourceSelector{}, true},
		{"attached", attached, billingv1alpha1.ResourceSelector{}, false},
		{"closed", closed, billingv1alpha1.ResourceSelector{}, false},
		{"frozen is still a subscription", frozen, billingv1alpha1.ResourceSelector{}, true},
		{"service in list", rds, billingv1alpha1.ResourceSelector{ServiceTypeCodes: []string{"hws.service.type.ec2", "hws.service.type.rds"}}, true},
		{"service not in list", rds, billingv1alpha1.ResourceSelector{ServiceTypeCodes: []string{"hws.service.type.ec2"}}, false},
		{"region and project", rds, billingv1alpha1.ResourceSelector{RegionCodes: []string{"ap-southeast-1"}, EnterpriseProjectIDs: []string{"0"}}, true},
		{"every list must match", rds, billingv1alpha1.ResourceSelector{RegionCodes: []string{"ap-southeast-1"}, EnterpriseProjectIDs: []string{"ep-2"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := export.Eligible(tt.res, &tt.sel); got != tt.want {
				t.Fatalf("Eligible = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRender: the file is the fleet name and labels, the account, the
// resource, the policy when given and an explicit Observe, after a header
// that a hostile resource name cannot break out of.
func TestRender(t *testing.T) {
	res := resource("ecs-1", "web\napiVersion: evil/v1\r# x", "hws.service.type.ec2", "ap-southeast-1", "0")
	for _, policy := range []string{"", "monthly"} {
		opts := export.Options{Account: "huawei", Namespace: "billing", Policy: policy}
		data, err := export.Render(opts, res)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := export.Render(opts, res)
		if string(again) != string(data) {
			t.Fatal("two renders of one resource differ")
		}
		var header []string
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "#") {
				header = append(header, l)
			} else {
				break
			}
		}
		if len(header) != 6 || !strings.Contains(header[1], "web apiVersion: evil/v1 # x (ecs-1)") ||
			!strings.Contains(header[5], "2027-03-01T15:59:59Z") || !strings.Contains(header[4], "0 (ep 0)") {
			t.Fatalf("header:\n%s", strings.Join(header, "\n"))
		}
		var sub billingv1alpha1.Subscription
		if err := yaml.UnmarshalStrict(data, &sub); err != nil {
			t.Fatalf("not a Subscription: %v\n%s", err, data)
		}
		if sub.APIVersion != billingv1alpha1.GroupVersion.String() || sub.Kind != "Subscription" ||
			sub.Name != fleet.SubscriptionName(res) || sub.Namespace != "billing" ||
			sub.Spec.AccountRef.Name != "huawei" || sub.Spec.ResourceID != "ecs-1" ||
			sub.Spec.ManagementPolicy != billingv1alpha1.ManagementObserve {
			t.Fatalf("object %+v", sub)
		}
		if want := fleet.ExportedLabels("huawei", res); !equalMaps(sub.Labels, want) {
			t.Fatalf("labels %v, want %v", sub.Labels, want)
		}
		switch {
		case policy == "" && sub.Spec.RenewalPolicyRef != nil:
			t.Fatalf("policy %v without --policy", sub.Spec.RenewalPolicyRef)
		case policy != "" && (sub.Spec.RenewalPolicyRef == nil || sub.Spec.RenewalPolicyRef.Name != policy):
			t.Fatalf("policy %v, want %s", sub.Spec.RenewalPolicyRef, policy)
		}
		if !strings.Contains(string(data), "managementPolicy: Observe") {
			t.Fatal("managementPolicy is not written out")
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestScan: Subscriptions are found by content, wherever they are and
// whatever the file is called; other documents are ignored and a file that
// is not YAML stops the export.
func TestScan(t *testing.T) {
	fsys := filesys.MakeFsInMemory()
	write := func(path, s string) {
		t.Helper()
		if err := fsys.WriteFile(path, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	sub := func(name, account, id string) string {
		return "apiVersion: billing.bss-operator.io/v1alpha1\nkind: Subscription\nmetadata:\n  name: " + name +
			"\nspec:\n  accountRef:\n    name: " + account + "\n  resourceID: " + id + "\n"
	}
	write("/d/renamed-by-hand.yaml", "# a team comment\n"+sub("web", "huawei", "ecs-1"))
	write("/d/team/more.yml", sub("db", "huawei", "rds-1")+"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\n"+sub("other", "aliyun", "ecs-9"))
	write("/d/patch.yaml", "apiVersion: billing.bss-operator.io/v1alpha1\nkind: Subscription\nmetadata:\n  name: any\nspec:\n  managementPolicy: Manage\n")
	write("/d/notes.txt", "not yaml: [")
	write("/d/.git/objects.yaml", sub("hidden", "huawei", "ecs-hidden"))
	got, err := export.Scan(fsys, "/d", "huawei")
	if err != nil {
		t.Fatal(err)
	}
	want := []export.Entry{{File: "renamed-by-hand.yaml", Name: "web", ResourceID: "ecs-1"}, {File: "team/more.yml", Name: "db", ResourceID: "rds-1"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("Scan = %+v, want %+v", got, want)
	}
	write("/d/broken.yaml", "kind: [unclosed")
	if _, err := export.Scan(fsys, "/d", "huawei"); err == nil || !strings.Contains(err.Error(), "broken.yaml") {
		t.Fatalf("Scan of a broken file: %v", err)
	}
}

// TestAddResources: only the resources list changes; the team's comments,
// patches and keys stay, a sorted list stays sorted, nothing is listed
// twice.
func TestAddResources(t *testing.T) {
	team := `# team header

apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- b.yaml
- d.yaml # kept for audit
# below the list
patches:
- target:
    kind: Subscription
    labelSelector: billing.bss-operator.io/region=cn-north-4
  patch: |-
    - op: add
      path: /spec/managementPolicy
      value: Manage
labels:
- pairs:
    team: platform
`
	tests := []struct {
		name, in string
		add      []string
		want     []string
		added    []string
	}{
		{"sorted insert", team, []string{"e.yaml", "a.yaml", "c.yaml", "b.yaml"},
			[]string{"a.yaml", "b.yaml", "c.yaml", "d.yaml", "e.yaml"}, []string{"a.yaml", "c.yaml", "e.yaml"}},
		{"unsorted list appends", strings.Replace(team, "- b.yaml\n- d.yaml", "- d.yaml\n- b.yaml", 1), []string{"a.yaml"},
			[]string{"d.yaml", "b.yaml", "a.yaml"}, []string{"a.yaml"}},
		{"nothing new", team, []string{"b.yaml"}, []string{"b.yaml", "d.yaml"}, nil},
		{"no resources key", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: x\n", []string{"a.yaml"},
			[]string{"a.yaml"}, []string{"a.yaml"}},
		{"empty flow list", "kind: Kustomization\nresources: []\n", []string{"b.yaml", "a.yaml"}, []string{"a.yaml", "b.yaml"}, []string{"a.yaml", "b.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, added, err := export.AddResources([]byte(tt.in), tt.add)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(added, ",") != strings.Join(tt.added, ",") {
				t.Fatalf("added %v, want %v", added, tt.added)
			}
			var k struct {
				Resources []string         `json:"resources"`
				Patches   []map[string]any `json:"patches"`
				Labels    []map[string]any `json:"labels"`
			}
			if err := yaml.Unmarshal(out, &k); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if strings.Join(k.Resources, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("resources %v, want %v\n%s", k.Resources, tt.want, out)
			}
			if tt.in == team {
				for _, keep := range []string{"# team header", "# kept for audit", "# below the list", "labelSelector: billing.bss-operator.io/region=cn-north-4", "team: platform"} {
					if !strings.Contains(string(out), keep) {
						t.Fatalf("lost %q:\n%s", keep, out)
					}
				}
				if len(k.Patches) != 1 || len(k.Labels) != 1 {
					t.Fatalf("patches or labels changed:\n%s", out)
				}
				if i, j := strings.Index(string(out), "# below the list"), strings.Index(string(out), "- e.yaml"); len(added) > 0 && i < j {
					t.Fatalf("the comment below the list moved into it:\n%s", out)
				}
			}
			if added == nil && string(out) != tt.in {
				t.Fatalf("nothing added but the file changed:\n%s", out)
			}
		})
	}
	if _, _, err := export.AddResources([]byte("- a\n- b\n"), []string{"c"}); err == nil {
		t.Fatal("a list was taken for a kustomization")
	}
}

// TestConflict: a file in the way that holds no Subscription of the
// resource is neither overwritten nor silently skipped.
func TestConflict(t *testing.T) {
	fsys := filesys.MakeFsInMemory()
	res := resource("ecs-1", "web", "hws.service.type.ec2", "ap-southeast-1", "0")
	path := "/d/" + export.FileName(res)
	if err := fsys.WriteFile(path, []byte("# our notes\n")); err != nil {
		t.Fatal(err)
	}
	sum, err := export.Run(fsys, "/d", export.Options{Account: "huawei", Namespace: "billing"}, []bss.Resource{res})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := fsys.ReadFile(path); string(got) != "# our notes\n" {
		t.Fatalf("file in the way rewritten: %q", got)
	}
	if len(sum.Added) != 0 || len(sum.Conflicts) != 1 || sum.Conflicts[0].ResourceID != "ecs-1" {
		t.Fatalf("summary %+v", sum)
	}
}
