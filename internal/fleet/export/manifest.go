package export

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"sigs.k8s.io/yaml"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/fleet"
)

// FileName is the file a resource's Subscription is written to.
func FileName(res bss.Resource) string { return fleet.SubscriptionName(res) + ".yaml" }

// Render returns the file of a resource's Subscription: a comment header
// that describes the resource as it was at export, then the object. The
// object holds only what Git should own: the name and labels discovery
// also uses (internal/fleet), the account, the resource ID, the policy if
// one was given, and managementPolicy Observe, written out so that a
// reviewer sees that nothing will be spent until it is changed. Keys are
// sorted, so the same resource always renders the same bytes.
func Render(opts Options, res bss.Resource) ([]byte, error) {
	spec := map[string]any{
		"accountRef":       map[string]any{"name": opts.Account},
		"resourceID":       res.ID,
		"managementPolicy": string(billingv1alpha1.ManagementObserve),
	}
	if opts.Policy != "" {
		spec["renewalPolicyRef"] = map[string]any{"name": opts.Policy}
	}
	labels := map[string]any{}
	for k, v := range fleet.ExportedLabels(opts.Account, res) {
		labels[k] = v
	}
	obj := map[string]any{
		"apiVersion": billingv1alpha1.GroupVersion.String(),
		"kind":       "Subscription",
		"metadata": map[string]any{
			"name":      fleet.SubscriptionName(res),
			"namespace": opts.Namespace,
			"labels":    labels,
		},
		"spec": spec,
	}
	body, err := yaml.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("render Subscription of %s: %w", res.ID, err)
	}
	return append([]byte(header(opts, res)), body...), nil
}

// header is the informational comment at the top of an exported file. The
// file is never rewritten, so the expiry it shows is the expiry at export;
// the Subscription's status shows the current one.
func header(opts Options, res bss.Resource) string {
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "# %-19s %s\n", k+":", comment(v)) }
	fmt.Fprintf(&b, "# Exported by `kubectl bss export %s -n %s`. Edit freely: a re-run never rewrites this file.\n",
		comment(opts.Account), comment(opts.Namespace))
	line("Resource", fmt.Sprintf("%s (%s)", dash(res.Name), res.ID))
	line("Service", withName(res.ServiceTypeCode, res.ServiceTypeName))
	line("Region", dash(res.Region))
	line("Enterprise project", withName(res.EnterpriseProject.ID, res.EnterpriseProject.Name))
	expiry := "-"
	if !res.ExpireTime.IsZero() {
		expiry = res.ExpireTime.UTC().Format(time.RFC3339) + " (at export; status.expireTime is current)"
	}
	line("Expires", expiry)
	return b.String()
}

// comment makes a value from BSS safe inside a one-line YAML comment: a
// resource name is chosen by whoever created the resource, and a line
// break in it would otherwise start YAML of its own.
func comment(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return ' '
		}
		return r
	}, s)
}

// withName renders "code (name)", or whichever of them is known.
func withName(code, name string) string {
	switch {
	case code == "" && name == "":
		return "-"
	case name == "":
		return code
	case code == "":
		return name
	}
	return code + " (" + name + ")"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
