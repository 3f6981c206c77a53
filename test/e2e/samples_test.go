package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/bss-operator/bss-operator/internal/testenv"
)

// TestSamplesValidate applies every file of config/samples, and the
// kustomization as a whole, with server-side dry run against a real
// kube-apiserver with the CRDs, so that the samples pass the schema and the
// CEL rules. It also checks that the kustomization holds no Secret and that
// the Subscriptions name primary resources of the simulator's demo
// inventory.
func TestSamplesValidate(t *testing.T) {
	env, kubectl := controlPlane(t)
	ns := env.Namespace(t)
	samples := filepath.Join(testenv.RepoRoot(), "config", "samples")

	files, err := filepath.Glob(filepath.Join(samples, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var applied int
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		applied++
		t.Run(filepath.Base(f), func(t *testing.T) {
			out, err := kubectl("apply", "--dry-run=server", "-n", ns, "-f", f)
			if err != nil {
				t.Fatalf("kubectl apply --dry-run=server -f %s: %v\n%s", f, err, out)
			}
			t.Logf("%s", out)
		})
	}
	if applied < 4 {
		t.Errorf("found %d sample files in %s, want the account, policies, subscriptions and budget", applied, samples)
	}

	t.Run("kustomization", func(t *testing.T) {
		out, err := kubectl("apply", "--dry-run=server", "-n", ns, "-k", samples)
		if err != nil {
			t.Fatalf("kubectl apply --dry-run=server -k %s: %v\n%s", samples, err, out)
		}
		rendered, err := kubectl("kustomize", samples)
		if err != nil {
			t.Fatalf("kubectl kustomize %s: %v\n%s", samples, err, rendered)
		}
		kinds := map[string]int{}
		for _, obj := range splitYAML(t, rendered) {
			kinds[obj.Kind]++
			if obj.Kind == "Secret" {
				t.Errorf("the samples kustomization holds Secret %s; credentials must be created by hand", obj.Metadata.Name)
			}
		}
		for _, kind := range []string{"BillingAccount", "RenewalPolicy", "Subscription", "BudgetAlert"} {
			if kinds[kind] == 0 {
				t.Errorf("the samples kustomization has no %s (kinds: %v)", kind, kinds)
			}
		}
		if kinds["RenewalPolicy"] < 5 {
			t.Errorf("want a RenewalPolicy per mode (Renew twice, AutoRenew, PayPerUse, Lapse), got %d", kinds["RenewalPolicy"])
		}
	})

	t.Run("resource IDs are in the demo inventory", func(t *testing.T) {
		primaries := inventoryPrimaries(t)
		rendered, err := kubectl("kustomize", samples)
		if err != nil {
			t.Fatalf("kubectl kustomize %s: %v\n%s", samples, err, rendered)
		}
		var subs int
		for _, obj := range splitYAML(t, rendered) {
			if obj.Kind != "Subscription" {
				continue
			}
			subs++
			if !primaries[obj.Spec.ResourceID] {
				t.Errorf("Subscription %s: resourceID %q is not a primary resource of config/simulator/inventory.yaml", obj.Metadata.Name, obj.Spec.ResourceID)
			}
		}
		if subs != len(primaries) {
			t.Errorf("%d sample Subscriptions for %d primary resources in the demo inventory", subs, len(primaries))
		}
	})
}

// sampleObject is what the checks read of a rendered object.
type sampleObject struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		ResourceID string `json:"resourceID"`
	} `json:"spec"`
}

// splitYAML decodes a multi-document YAML stream.
func splitYAML(t *testing.T, stream string) []sampleObject {
	t.Helper()
	var objs []sampleObject
	for _, doc := range strings.Split(stream, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var obj sampleObject
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("decode rendered sample: %v\n%s", err, doc)
		}
		objs = append(objs, obj)
	}
	return objs
}

// inventoryPrimaries returns the IDs of the primary resources of the demo inventory.
func inventoryPrimaries(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "simulator", "inventory.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var inv struct {
		Resources []struct {
			ID string `json:"id"`
		} `json:"resources"`
	}
	if err := yaml.Unmarshal(data, &inv); err != nil {
		t.Fatalf("decode the demo inventory: %v", err)
	}
	ids := map[string]bool{}
	for _, r := range inv.Resources {
		ids[r.ID] = true
	}
	if len(ids) == 0 {
		t.Fatal("the demo inventory has no resources")
	}
	return ids
}
