// Package config_test checks the deployment configuration as a cluster sees
// it: the install bundle rendered from config/default, the Argo CD health
// checks and the Prometheus rules.
package config_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// operatorNamespace is where config/default installs the operator.
const operatorNamespace = "bss-operator-system"

// managerSA is the manager's ServiceAccount after the name prefix.
const managerSA = "bss-operator-controller-manager"

// bundle is the rendered install bundle, decoded by kind.
type bundle struct {
	objs []map[string]any
}

// render builds a kustomization directory (relative to this package) with
// the kustomize Go API, as `kustomize build` and `make build-installer` do.
func render(t *testing.T, dir string) *bundle {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	b := &bundle{}
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatalf("decode %s: %v", r.CurId(), err)
		}
		b.objs = append(b.objs, m)
	}
	return b
}

// all decodes every object of a kind into a typed value.
func all[T any](t *testing.T, b *bundle, kind string) []T {
	t.Helper()
	var out []T
	for _, o := range b.objs {
		if o["kind"] != kind {
			continue
		}
		var v T
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o, &v); err != nil {
			t.Fatalf("decode %s: %v", kind, err)
		}
		out = append(out, v)
	}
	return out
}

// one returns the object of a kind with a name.
func one[T any](t *testing.T, b *bundle, kind, name string) T {
	t.Helper()
	var found []T
	for _, o := range b.objs {
		md, _ := o["metadata"].(map[string]any)
		if o["kind"] != kind || md["name"] != name {
			continue
		}
		var v T
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o, &v); err != nil {
			t.Fatalf("decode %s %s: %v", kind, name, err)
		}
		found = append(found, v)
	}
	if len(found) != 1 {
		t.Fatalf("%d %s objects named %s in the bundle, want 1", len(found), kind, name)
	}
	return found[0]
}

// TestBundleCRDs checks that every kind of the API group is installed, served
// and stored at v1alpha1, with a status subresource (the controllers write
// status only through it, which is what keeps Argo CD from seeing drift).
func TestBundleCRDs(t *testing.T) {
	b := render(t, "default")
	scheme := runtime.NewScheme()
	if err := billingv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	apiPkg := reflect.TypeFor[billingv1alpha1.Subscription]().PkgPath()
	for gvk, typ := range scheme.AllKnownTypes() {
		if gvk.GroupVersion() == billingv1alpha1.GroupVersion && typ.PkgPath() == apiPkg && !strings.HasSuffix(gvk.Kind, "List") {
			kinds = append(kinds, gvk.Kind)
		}
	}
	slices.Sort(kinds)
	if len(kinds) != 5 {
		t.Fatalf("the API group has kinds %v; expected the five billing kinds", kinds)
	}
	crds := map[string]apiextensionsv1.CustomResourceDefinition{}
	for _, crd := range all[apiextensionsv1.CustomResourceDefinition](t, b, "CustomResourceDefinition") {
		crds[crd.Spec.Names.Kind] = crd
	}
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			crd, ok := crds[kind]
			if !ok {
				t.Fatalf("no CustomResourceDefinition for %s", kind)
			}
			if crd.Spec.Group != billingv1alpha1.GroupVersion.Group || crd.Spec.Scope != apiextensionsv1.NamespaceScoped {
				t.Errorf("group %s scope %s", crd.Spec.Group, crd.Spec.Scope)
			}
			if !slices.Contains(crd.Spec.Names.Categories, "bss") {
				t.Errorf("categories %v lack bss (kubectl get bss)", crd.Spec.Names.Categories)
			}
			if len(crd.Spec.Versions) != 1 {
				t.Fatalf("versions %d, want 1", len(crd.Spec.Versions))
			}
			v := crd.Spec.Versions[0]
			if v.Name != billingv1alpha1.GroupVersion.Version || !v.Served || !v.Storage {
				t.Errorf("version %s served=%v storage=%v", v.Name, v.Served, v.Storage)
			}
			if v.Subresources == nil || v.Subresources.Status == nil {
				t.Errorf("%s has no status subresource", kind)
			}
		})
		delete(crds, kind)
	}
	for kind := range crds {
		t.Errorf("CustomResourceDefinition for %s, which the API does not define", kind)
	}
}

// writeVerbs are the verbs that change something.
var writeVerbs = []string{"create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate", "approve", "sign"}

// grant is what the manager may be allowed: verbs on a group's resources.
// An empty scope means the rule may come from a ClusterRole or a Role; "Role"
// means only a namespaced Role in the operator's namespace.
type grant struct {
	group     string
	resources []string
	verbs     []string
	scope     string
}

// managerAllowed is everything the manager's ServiceAccount may do. Anything
// else bound to it fails the test: Secrets are read-only, writes are limited
// to the billing kinds (status and finalizers included), events, leader
// election leases in its own namespace, and the reviews that authorize
// metrics scrapes.
var managerAllowed = []grant{
	{group: "", resources: []string{"secrets"}, verbs: []string{"get", "list", "watch"}},
	{group: billingv1alpha1.GroupVersion.Group, resources: []string{
		"billingaccounts", "budgetalerts", "renewalpolicies", "renewalrequests", "subscriptions",
	}, verbs: []string{"get", "list", "watch", "create", "delete", "patch", "update"}},
	{group: billingv1alpha1.GroupVersion.Group, resources: []string{
		"billingaccounts/status", "budgetalerts/status", "renewalpolicies/status", "renewalrequests/status", "subscriptions/status",
	}, verbs: []string{"get", "patch", "update"}},
	{group: billingv1alpha1.GroupVersion.Group, resources: []string{
		"renewalrequests/finalizers", "subscriptions/finalizers",
	}, verbs: []string{"update"}},
	{group: "events.k8s.io", resources: []string{"events"}, verbs: []string{"create", "patch"}},
	{group: "", resources: []string{"events"}, verbs: []string{"create", "patch"}, scope: "Role"},
	{group: "coordination.k8s.io", resources: []string{"leases"}, verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}, scope: "Role"},
	{group: "authentication.k8s.io", resources: []string{"tokenreviews"}, verbs: []string{"create"}},
	{group: "authorization.k8s.io", resources: []string{"subjectaccessreviews"}, verbs: []string{"create"}},
}

// allowed reports whether the manager may hold verb on group/resource from a
// rule of a role of kind roleKind.
func allowed(group, resource, verb, roleKind string) bool {
	for _, g := range managerAllowed {
		if g.group == group && slices.Contains(g.resources, resource) && slices.Contains(g.verbs, verb) &&
			(g.scope == "" || g.scope == roleKind) {
			return true
		}
	}
	return false
}

// boundRule is a policy rule with the role that holds it, and for a Role
// the namespace it applies to.
type boundRule struct {
	role      string
	kind      string
	namespace string
	rule      rbacv1.PolicyRule
}

// managerRules collects the rules of every role bound to the manager's
// ServiceAccount, checking that Roles and their bindings stay in the
// operator's namespace or, for a namespace-scoped install, in the watched
// namespaces.
func managerRules(t *testing.T, b *bundle, watched ...string) []boundRule {
	t.Helper()
	roles := map[string][]rbacv1.PolicyRule{}
	for _, r := range all[rbacv1.ClusterRole](t, b, "ClusterRole") {
		roles["ClusterRole/"+r.Name] = r.Rules
	}
	for _, r := range all[rbacv1.Role](t, b, "Role") {
		if r.Namespace != operatorNamespace && !slices.Contains(watched, r.Namespace) {
			t.Errorf("Role %s is in namespace %q, want %s or a watched namespace %v", r.Name, r.Namespace, operatorNamespace, watched)
		}
		roles["Role/"+r.Namespace+"/"+r.Name] = r.Rules
	}
	isManager := func(subjects []rbacv1.Subject) bool {
		for _, s := range subjects {
			if s.Kind == rbacv1.ServiceAccountKind && s.Name == managerSA {
				if s.Namespace != operatorNamespace {
					t.Errorf("binding subject %s in namespace %q, want %s", s.Name, s.Namespace, operatorNamespace)
				}
				return true
			}
		}
		return false
	}
	var out []boundRule
	add := func(ref rbacv1.RoleRef, namespace string) {
		key := ref.Kind + "/" + ref.Name
		if ref.Kind == "Role" {
			key = ref.Kind + "/" + namespace + "/" + ref.Name
		}
		rules, ok := roles[key]
		if !ok {
			t.Errorf("binding refers to %s, which the bundle does not contain", key)
		}
		for _, r := range rules {
			out = append(out, boundRule{role: key, kind: ref.Kind, namespace: namespace, rule: r})
		}
	}
	for _, rb := range all[rbacv1.ClusterRoleBinding](t, b, "ClusterRoleBinding") {
		if isManager(rb.Subjects) {
			add(rb.RoleRef, "")
		}
	}
	for _, rb := range all[rbacv1.RoleBinding](t, b, "RoleBinding") {
		if isManager(rb.Subjects) {
			if (rb.Namespace != operatorNamespace && !slices.Contains(watched, rb.Namespace)) || rb.RoleRef.Kind != "Role" {
				t.Errorf("RoleBinding %s/%s binds %s to the manager; want a Role in %s or a watched namespace %v",
					rb.Namespace, rb.Name, rb.RoleRef.Kind, operatorNamespace, watched)
			}
			add(rb.RoleRef, rb.Namespace)
		}
	}
	return out
}

// TestBundleRBAC checks least privilege: no wildcard anywhere, and the
// manager holds nothing beyond managerAllowed.
func TestBundleRBAC(t *testing.T) {
	b := render(t, "default")
	var everyRule []boundRule
	for _, r := range all[rbacv1.ClusterRole](t, b, "ClusterRole") {
		if r.AggregationRule != nil {
			t.Errorf("ClusterRole %s aggregates other roles; its permissions cannot be reviewed here", r.Name)
		}
		for _, rule := range r.Rules {
			everyRule = append(everyRule, boundRule{role: "ClusterRole/" + r.Name, kind: "ClusterRole", rule: rule})
		}
	}
	for _, r := range all[rbacv1.Role](t, b, "Role") {
		for _, rule := range r.Rules {
			everyRule = append(everyRule, boundRule{role: "Role/" + r.Name, kind: "Role", rule: rule})
		}
	}
	for _, br := range everyRule {
		for _, field := range [][]string{br.rule.APIGroups, br.rule.Resources, br.rule.Verbs, br.rule.NonResourceURLs} {
			for _, v := range field {
				if strings.Contains(v, "*") {
					t.Errorf("%s has a wildcard %q in %+v", br.role, v, br.rule)
				}
			}
		}
	}

	rules := managerRules(t, b)
	if len(rules) == 0 {
		t.Fatal("no role is bound to the manager's ServiceAccount")
	}
	var reads []string
	for _, br := range rules {
		if len(br.rule.NonResourceURLs) > 0 {
			t.Errorf("%s: the manager needs no non-resource URL: %+v", br.role, br.rule)
		}
		for _, g := range br.rule.APIGroups {
			for _, res := range br.rule.Resources {
				for _, verb := range br.rule.Verbs {
					if !allowed(g, res, verb, br.kind) {
						t.Errorf("%s grants %s on %s (group %q), which the manager must not have", br.role, verb, res, g)
					}
					if g == "" && res == "secrets" {
						reads = append(reads, verb)
					}
				}
			}
		}
	}
	slices.Sort(reads)
	if got := strings.Join(slices.Compact(reads), ","); got != "get,list,watch" {
		t.Errorf("the manager's Secret verbs are %q, want get,list,watch", got)
	}

	// The table itself must not allow a write on Secrets or on any
	// non-billing kind other than events, leases and reviews.
	for _, g := range managerAllowed {
		for _, verb := range g.verbs {
			if slices.Contains(writeVerbs, verb) && g.group == "" && slices.Contains(g.resources, "secrets") {
				t.Errorf("managerAllowed lets the manager %s Secrets", verb)
			}
		}
	}
}

// TestBundleDeployment checks the manager Deployment against the restricted
// Pod Security Standard and the operational settings a cluster expects.
func TestBundleDeployment(t *testing.T) {
	checkDeployment(t, render(t, "default"))
}

// checkDeployment checks the manager Deployment of a bundle: restricted Pod
// Security, probes, resources, leader election with two replicas kept apart
// and kept up through drains, and the metrics Service.
func checkDeployment(t *testing.T, b *bundle) {
	t.Helper()
	ns := one[corev1.Namespace](t, b, "Namespace", operatorNamespace)
	if got := ns.Labels["pod-security.kubernetes.io/enforce"]; got != "restricted" {
		t.Errorf("namespace pod-security enforce label %q, want restricted", got)
	}
	dep := one[appsv1.Deployment](t, b, "Deployment", "bss-operator-controller-manager")
	if dep.Namespace != operatorNamespace {
		t.Errorf("Deployment namespace %q", dep.Namespace)
	}
	if dep.Spec.Template.Spec.ServiceAccountName != managerSA {
		t.Errorf("serviceAccountName %q, want %s", dep.Spec.Template.Spec.ServiceAccountName, managerSA)
	}
	pod := dep.Spec.Template.Spec
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Error("the pod shares a host namespace")
	}
	if len(pod.Containers) != 1 || pod.Containers[0].Name != "manager" {
		t.Fatalf("containers %d, want the manager only", len(pod.Containers))
	}
	c := pod.Containers[0]
	psc, csc := pod.SecurityContext, c.SecurityContext
	if psc == nil || csc == nil {
		t.Fatal("missing pod or container securityContext")
	}
	flag := func(p *bool) bool { return p != nil && *p }
	checks := []struct {
		name string
		ok   bool
	}{
		{"runAsNonRoot", flag(csc.RunAsNonRoot) || (csc.RunAsNonRoot == nil && flag(psc.RunAsNonRoot))},
		{"readOnlyRootFilesystem", flag(csc.ReadOnlyRootFilesystem)},
		{"allowPrivilegeEscalation=false", csc.AllowPrivilegeEscalation != nil && !*csc.AllowPrivilegeEscalation},
		{"not privileged", !flag(csc.Privileged)},
		{"seccompProfile RuntimeDefault", seccompRuntimeDefault(psc.SeccompProfile, csc.SeccompProfile)},
		{"capabilities drop ALL, add none", csc.Capabilities != nil && slices.Contains(csc.Capabilities.Drop, "ALL") && len(csc.Capabilities.Add) == 0},
		{"cpu and memory requests", !c.Resources.Requests.Cpu().IsZero() && !c.Resources.Requests.Memory().IsZero()},
		{"cpu and memory limits", !c.Resources.Limits.Cpu().IsZero() && !c.Resources.Limits.Memory().IsZero()},
		{"requests within limits", c.Resources.Requests.Cpu().Cmp(*c.Resources.Limits.Cpu()) <= 0 && c.Resources.Requests.Memory().Cmp(*c.Resources.Limits.Memory()) <= 0},
		{"liveness probe on /healthz", c.LivenessProbe != nil && c.LivenessProbe.HTTPGet != nil && c.LivenessProbe.HTTPGet.Path == "/healthz"},
		{"readiness probe on /readyz", c.ReadinessProbe != nil && c.ReadinessProbe.HTTPGet != nil && c.ReadinessProbe.HTTPGet.Path == "/readyz"},
		{"--leader-elect", slices.Contains(c.Args, "--leader-elect") || slices.Contains(c.Args, "--leader-elect=true")},
		{"--metrics-bind-address=:8443", slices.Contains(c.Args, "--metrics-bind-address=:8443")},
		{"metrics stay secure (metrics-secure defaults to true)", !slices.ContainsFunc(c.Args, func(a string) bool { return strings.HasPrefix(a, "--metrics-secure=f") })},
		{"more than one replica", dep.Spec.Replicas != nil && *dep.Spec.Replicas >= 2},
		{"image set", c.Image != "" && !strings.HasSuffix(c.Image, ":latest")},
	}
	for _, ck := range checks {
		if !ck.ok {
			t.Errorf("manager container: %s not satisfied", ck.name)
		}
	}
	for _, v := range pod.Volumes {
		if v.HostPath != nil {
			t.Errorf("volume %s is a hostPath", v.Name)
		}
	}
	checkAvailability(t, b, dep)

	// The metrics Service reaches the https port of these pods.
	svc := one[corev1.Service](t, b, "Service", "bss-operator-controller-manager-metrics-service")
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8443 || svc.Spec.Ports[0].Name != "https" {
		t.Errorf("metrics service ports %+v", svc.Spec.Ports)
	}
	for k, v := range svc.Spec.Selector {
		if dep.Spec.Template.Labels[k] != v {
			t.Errorf("metrics service selector %s=%s does not match the pod labels %v", k, v, dep.Spec.Template.Labels)
		}
	}
	var port *corev1.ContainerPort
	for i := range c.Ports {
		if c.Ports[i].Name == svc.Spec.Ports[0].TargetPort.String() {
			port = &c.Ports[i]
		}
	}
	if port == nil || port.ContainerPort != 8443 {
		t.Errorf("the Service's target port %s is not the container's 8443 port", svc.Spec.Ports[0].TargetPort.String())
	}
}

// checkAvailability checks what keeps the two-replica setup of
// docs/operating.md available: a PodDisruptionBudget that keeps one manager
// through voluntary disruptions (and still lets a drain proceed), and pod
// anti-affinity that puts the standby on another node.
func checkAvailability(t *testing.T, b *bundle, dep appsv1.Deployment) {
	t.Helper()
	podLabels := labels.Set(dep.Spec.Template.Labels)
	var pdbs []policyv1.PodDisruptionBudget
	for _, p := range all[policyv1.PodDisruptionBudget](t, b, "PodDisruptionBudget") {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil {
			t.Fatalf("PodDisruptionBudget %s: %v", p.Name, err)
		}
		if p.Namespace == dep.Namespace && !sel.Empty() && sel.Matches(podLabels) {
			pdbs = append(pdbs, p)
		}
	}
	if len(pdbs) != 1 {
		t.Fatalf("%d PodDisruptionBudgets select the manager's pods, want 1", len(pdbs))
	}
	pdb := pdbs[0]
	replicas := int32(1)
	if dep.Spec.Replicas != nil {
		replicas = *dep.Spec.Replicas
	}
	switch {
	case pdb.Spec.MinAvailable != nil && pdb.Spec.MaxUnavailable != nil:
		t.Error("PodDisruptionBudget sets both minAvailable and maxUnavailable")
	case pdb.Spec.MinAvailable != nil:
		if m := pdb.Spec.MinAvailable; m.Type != intstr.Int || m.IntVal < 1 || m.IntVal >= replicas {
			t.Errorf("PodDisruptionBudget minAvailable %s: want at least 1 and fewer than the %d replicas, so drains can proceed", m.String(), replicas)
		}
	case pdb.Spec.MaxUnavailable != nil:
		if m := pdb.Spec.MaxUnavailable; m.Type != intstr.Int || m.IntVal < 1 || m.IntVal >= replicas {
			t.Errorf("PodDisruptionBudget maxUnavailable %s: want at least 1 and fewer than the %d replicas", m.String(), replicas)
		}
	default:
		t.Error("PodDisruptionBudget sets neither minAvailable nor maxUnavailable")
	}

	aff := dep.Spec.Template.Spec.Affinity
	if aff == nil || aff.PodAntiAffinity == nil {
		t.Fatal("the manager's pods have no pod anti-affinity: both replicas may land on one node")
	}
	var terms []corev1.PodAffinityTerm
	terms = append(terms, aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
	for _, w := range aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		terms = append(terms, w.PodAffinityTerm)
	}
	spreadsNodes := false
	for _, term := range terms {
		sel, err := metav1.LabelSelectorAsSelector(term.LabelSelector)
		if err != nil {
			t.Fatalf("anti-affinity selector: %v", err)
		}
		if term.TopologyKey == corev1.LabelHostname && !sel.Empty() && sel.Matches(podLabels) {
			spreadsNodes = true
		}
	}
	if !spreadsNodes {
		t.Errorf("no anti-affinity term keeps the manager's own pods (%v) on different nodes (%s)", podLabels, corev1.LabelHostname)
	}
}

// seccompRuntimeDefault reports whether the effective seccomp profile
// (container over pod) is RuntimeDefault.
func seccompRuntimeDefault(pod, container *corev1.SeccompProfile) bool {
	p := pod
	if container != nil {
		p = container
	}
	return p != nil && p.Type == corev1.SeccompProfileTypeRuntimeDefault
}

// TestBundleNamespaces checks that every namespaced object lands in the
// operator's namespace: nothing is installed into default by accident.
func TestBundleNamespaces(t *testing.T) {
	b := render(t, "default")
	clusterScoped := map[string]bool{"Namespace": true, "CustomResourceDefinition": true, "ClusterRole": true, "ClusterRoleBinding": true,
		"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true}
	for _, o := range b.objs {
		kind, _ := o["kind"].(string)
		md, _ := o["metadata"].(map[string]any)
		ns, _ := md["namespace"].(string)
		name := fmt.Sprint(md["name"])
		switch {
		case clusterScoped[kind] && ns != "":
			t.Errorf("cluster-scoped %s %s has namespace %q", kind, name, ns)
		case !clusterScoped[kind] && ns != operatorNamespace:
			t.Errorf("%s %s is in namespace %q, want %s", kind, name, ns, operatorNamespace)
		}
	}
}

// TestBundleAdmissionPolicy checks that the bundle ships the approver
// identity policy with a binding that names it after the name prefix, so
// the policy is actually enforced once installed.
func TestBundleAdmissionPolicy(t *testing.T) {
	b := render(t, "default")
	policy := one[admissionregistrationv1.ValidatingAdmissionPolicy](t, b, "ValidatingAdmissionPolicy", "bss-operator-renewal-approver-identity")
	if policy.Spec.FailurePolicy == nil || *policy.Spec.FailurePolicy != admissionregistrationv1.Fail {
		t.Errorf("failurePolicy %v, want Fail: a policy that cannot be evaluated must refuse", policy.Spec.FailurePolicy)
	}
	binding := one[admissionregistrationv1.ValidatingAdmissionPolicyBinding](t, b, "ValidatingAdmissionPolicyBinding", "bss-operator-renewal-approver-identity")
	if binding.Spec.PolicyName != policy.Name {
		t.Errorf("binding names policy %q, the bundle has %q", binding.Spec.PolicyName, policy.Name)
	}
	if !slices.Contains(binding.Spec.ValidationActions, admissionregistrationv1.Deny) {
		t.Errorf("binding actions %v, want Deny", binding.Spec.ValidationActions)
	}
}
