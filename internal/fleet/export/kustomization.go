package export

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// kustomizationNames are the file names kustomize reads, in its order.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// findKustomization returns the kustomization file of dir, if there is one.
func findKustomization(fsys filesys.FileSystem, dir string) (string, bool) {
	for _, n := range kustomizationNames {
		if p := filepath.Join(dir, n); fsys.Exists(p) {
			return p, true
		}
	}
	return filepath.Join(dir, kustomizationNames[0]), false
}

// examplePatch is the commented recipe at the top of a new kustomization:
// the reviewed change that moves a slice of the fleet from Observe to
// Manage (docs/fleet.md). It sits above the keys, where a re-run that adds
// resources cannot move it.
const examplePatch = `#
# To let the operator act on a slice of the fleet, add a patch that selects
# it by label (docs/fleet.md). This one makes every RDS instance renew under
# the RenewalPolicy rds-yearly. A Subscription has one renewalPolicyRef:
# where two patches select it, the later one wins, and kustomize build shows
# the result.
#
# patches:
# - target:
#     group: billing.bss-operator.io
#     version: v1alpha1
#     kind: Subscription
#     labelSelector: billing.bss-operator.io/service-type=hws.service.type.rds
#   patch: |-
#     - op: add
#       path: /spec/managementPolicy
#       value: Manage
#     - op: add
#       path: /spec/renewalPolicyRef
#       value:
#         name: rds-yearly
`

// NewKustomization is the kustomization of a new export directory: the
// files, sorted, and the commented example patch.
func NewKustomization(opts Options, files []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Subscriptions of BillingAccount %s/%s, written by `kubectl bss export`.\n",
		comment(opts.Namespace), comment(opts.Account))
	b.WriteString("# A re-run only adds new files to resources; everything else here is yours.\n")
	b.WriteString(examplePatch)
	b.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n")
	sorted := slices.Sorted(slices.Values(files))
	if len(sorted) == 0 {
		b.WriteString("resources: []\n")
		return []byte(b.String())
	}
	b.WriteString("resources:\n")
	for _, f := range sorted {
		// Quoted as YAML, so that no file name can be read as anything else.
		fmt.Fprintf(&b, "- %s\n", quote(f))
	}
	return []byte(b.String())
}

// quote renders a string as a YAML scalar, quoted only where needed.
func quote(s string) string {
	n := kyaml.NewStringRNode(s)
	out, err := n.String()
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(out, "\n")
}

// AddResources adds files to the resources list of a kustomization and
// changes nothing else: the list is edited as a YAML node (kyaml), so the
// team's comments, patches and other keys stay. Files already listed are
// not added twice. A sorted list stays sorted; an unsorted one gets the new
// files at its end. It returns the new content and the files it added.
func AddResources(content []byte, files []string) ([]byte, []string, error) {
	var doc kyaml.Node
	if err := kyaml.Unmarshal(content, &doc); err != nil {
		return nil, nil, fmt.Errorf("parse the kustomization: %w", err)
	}
	if doc.Kind != kyaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != kyaml.MappingNode {
		return nil, nil, fmt.Errorf("the kustomization is not a YAML mapping")
	}
	root := kyaml.NewRNode(doc.Content[0])
	seq, err := root.Pipe(kyaml.LookupCreate(kyaml.SequenceNode, "resources"))
	if err != nil {
		return nil, nil, fmt.Errorf("the kustomization's resources: %w", err)
	}
	if seq.YNode().Kind != kyaml.SequenceNode {
		return nil, nil, fmt.Errorf("the kustomization's resources is not a list")
	}
	items := seq.YNode().Content
	listed := make([]string, 0, len(items))
	for _, it := range items {
		listed = append(listed, it.Value)
	}
	sorted := slices.IsSorted(listed)
	var added []string
	for _, f := range slices.Sorted(slices.Values(files)) {
		if slices.Contains(listed, f) {
			continue
		}
		node := kyaml.NewStringRNode(f).YNode()
		at := len(items)
		if sorted {
			at, _ = slices.BinarySearch(listed, f)
		}
		if at == len(items) && at > 0 {
			// A comment below the last entry (yaml.v3 keeps it as that
			// entry's foot comment) stays below the list.
			node.FootComment, items[at-1].FootComment = items[at-1].FootComment, ""
		}
		items = slices.Insert(items, at, node)
		listed = slices.Insert(listed, at, f)
		added = append(added, f)
	}
	if len(added) == 0 {
		return content, nil, nil
	}
	seq.YNode().Content = items
	// An empty flow list (resources: []) becomes a block list once it has
	// entries; a non-empty flow list keeps its style.
	if len(items) == len(added) {
		seq.YNode().Style = 0
	}
	out, err := kyaml.MarshalWithOptions(&doc, &kyaml.EncoderOptions{
		SeqIndent: kyaml.SequenceIndentStyle(kyaml.DeriveSeqIndentStyle(string(content)))})
	if err != nil {
		return nil, nil, fmt.Errorf("write the kustomization: %w", err)
	}
	return out, added, nil
}
