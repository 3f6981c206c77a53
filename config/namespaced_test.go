package config_test

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// watchedNamespaces returns the manager's --namespaces list in a bundle.
func watchedNamespaces(t *testing.T, b *bundle) []string {
	t.Helper()
	dep := one[appsv1.Deployment](t, b, "Deployment", "bss-operator-controller-manager")
	var out []string
	for _, a := range dep.Spec.Template.Spec.Containers[0].Args {
		if v, ok := strings.CutPrefix(a, "--namespaces="); ok {
			for _, ns := range strings.Split(v, ",") {
				if ns = strings.TrimSpace(ns); ns != "" {
					out = append(out, ns)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// generatedManagerRules are the rules controller-gen writes into the
// manager's ClusterRole (config/rbac/role.yaml) from the +kubebuilder:rbac
// markers: what the controllers need in a namespace they watch.
func generatedManagerRules(t *testing.T) []rbacv1.PolicyRule {
	t.Helper()
	data, err := os.ReadFile("rbac/role.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cr rbacv1.ClusterRole
	if err := yaml.Unmarshal(data, &cr); err != nil {
		t.Fatal(err)
	}
	if len(cr.Rules) == 0 {
		t.Fatal("config/rbac/role.yaml has no rules")
	}
	return cr.Rules
}

// TestNamespacedBundleRBAC checks the namespace-scoped install: the manager
// watches a list of namespaces, holds the controllers' permissions through a
// Role and RoleBinding in each of them (the same rules as the generated
// ClusterRole), and nothing cluster-wide but the metrics reviews: no
// Secret, no billing kind, outside the watched namespaces.
func TestNamespacedBundleRBAC(t *testing.T) {
	b := render(t, "namespaced")
	watched := watchedNamespaces(t, b)
	if len(watched) == 0 {
		t.Fatal("the namespaced bundle's manager has no --namespaces flag: it would watch the whole cluster")
	}
	if slices.Contains(watched, operatorNamespace) {
		t.Errorf("the manager watches its own namespace %s; its Roles there are for leader election only", operatorNamespace)
	}

	rules := managerRules(t, b, watched...)
	want := generatedManagerRules(t)
	perNamespace := map[string][]rbacv1.PolicyRule{}
	for _, br := range rules {
		if br.kind == "ClusterRole" {
			for _, res := range br.rule.Resources {
				for _, g := range br.rule.APIGroups {
					if g == "" && res == "secrets" || g == "billing.bss-operator.io" || g == "events.k8s.io" {
						t.Errorf("%s grants %v on %s (group %q) in every namespace", br.role, br.rule.Verbs, res, g)
					}
				}
			}
		}
		// Everything must be within what the cluster-wide install may do,
		// and a Role in a watched namespace counts as a ClusterRole rule
		// (it holds the controllers' permissions, not leader election).
		kind := br.kind
		if br.kind == "Role" && br.namespace != operatorNamespace {
			kind = "ClusterRole"
			perNamespace[br.namespace] = append(perNamespace[br.namespace], br.rule)
		}
		for _, g := range br.rule.APIGroups {
			for _, res := range br.rule.Resources {
				for _, verb := range br.rule.Verbs {
					if !allowed(g, res, verb, kind) {
						t.Errorf("%s grants %s on %s (group %q), which the manager must not have", br.role, verb, res, g)
					}
					if g == "" && res == "secrets" && br.namespace == operatorNamespace {
						t.Errorf("%s grants %s on Secrets in the operator's own namespace", br.role, verb)
					}
				}
			}
		}
	}
	for _, ns := range watched {
		if got := perNamespace[ns]; !reflect.DeepEqual(got, want) {
			t.Errorf("the manager's rules in watched namespace %s differ from config/rbac/role.yaml (copy them into config/namespaced/watched-namespace/role.yaml):\n got %+v\nwant %+v", ns, got, want)
		}
		delete(perNamespace, ns)
	}
	for ns := range perNamespace {
		t.Errorf("the manager holds a Role in %s, which it does not watch", ns)
	}
}

// TestNamespacedBundleDeployment checks the namespace-scoped install's
// Deployment like the cluster-wide one's: restricted Pod Security, probes,
// resources, two replicas with a PodDisruptionBudget and anti-affinity.
func TestNamespacedBundleDeployment(t *testing.T) {
	checkDeployment(t, render(t, "namespaced"))
}

// TestNamespacedBundleNamespaces checks where the namespace-scoped install
// puts things: the operator in its namespace, and only the manager's Role
// and RoleBinding in each watched namespace.
func TestNamespacedBundleNamespaces(t *testing.T) {
	b := render(t, "namespaced")
	watched := watchedNamespaces(t, b)
	clusterScoped := map[string]bool{"Namespace": true, "CustomResourceDefinition": true, "ClusterRole": true, "ClusterRoleBinding": true,
		"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true}
	seen := map[string]int{}
	for _, o := range b.objs {
		kind, _ := o["kind"].(string)
		md, _ := o["metadata"].(map[string]any)
		ns, _ := md["namespace"].(string)
		switch {
		case clusterScoped[kind]:
			if ns != "" {
				t.Errorf("cluster-scoped %s %v has namespace %q", kind, md["name"], ns)
			}
		case ns == operatorNamespace:
		case slices.Contains(watched, ns) && (kind == "Role" || kind == "RoleBinding"):
			seen[ns]++
		default:
			t.Errorf("%s %v is in namespace %q, want %s (or a Role or RoleBinding in a watched namespace %v)", kind, md["name"], ns, operatorNamespace, watched)
		}
	}
	for _, ns := range watched {
		if seen[ns] != 2 {
			t.Errorf("watched namespace %s has %d of the manager's Role and RoleBinding, want both", ns, seen[ns])
		}
	}
}
