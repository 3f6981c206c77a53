package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/bss-operator/bss-operator/internal/testenv"
)

// TestExamplesStayInSyncUnderArgoCD applies every example and sample with
// server-side apply (dry run) and compares what would be stored with the
// manifest the way Argo CD's structured-merge diff does without
// ServerSideDiff: fields the manifest leaves out are not compared (the
// apiserver's defaults there are fine), but a list is compared as a whole
// unless the schema makes it a map or a set, so a default filled in inside
// an item of an atomic list would show the application OutOfSync for ever
// (issue 17).
func TestExamplesStayInSyncUnderArgoCD(t *testing.T) {
	env, run := controlPlane(t)
	ns := env.Namespace(t)
	root := testenv.RepoRoot()
	var files []string
	files = append(files, allExampleFiles(t, filepath.Join(root, "examples"))...)
	samples, err := filepath.Glob(filepath.Join(root, "config", "samples", "billing_*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, samples...)
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		for _, doc := range exampleDocs(t, f) {
			if doc.Spec == nil {
				continue // Secrets, RBAC: no CRD defaults
			}
			t.Run(rel+"/"+doc.Kind+"/"+doc.Metadata.Name, func(t *testing.T) {
				out, err := run("apply", "--server-side", "--dry-run=server", "--field-manager=argocd-controller",
					"-n", ns, "-o", "json", "-f", f)
				if err != nil {
					t.Fatalf("kubectl apply --server-side --dry-run=server -f %s: %v\n%s", rel, err, out)
				}
				live := findLive(t, out, doc.Kind, doc.Metadata.Name)
				var want any
				if err := json.Unmarshal(doc.Spec, &want); err != nil {
					t.Fatal(err)
				}
				if diffs := argoDiff("spec", want, live["spec"]); len(diffs) > 0 {
					sort.Strings(diffs)
					t.Errorf("Argo CD would show %s %s OutOfSync after a sync:\n  %s", doc.Kind, doc.Metadata.Name, strings.Join(diffs, "\n  "))
				}
			})
		}
	}
}

// findLive picks the object of kind and name out of kubectl's JSON output
// (one object, or a List of them).
func findLive(t *testing.T, out, kind, name string) map[string]any {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal([]byte(out), &obj); err != nil {
		t.Fatalf("decode kubectl output: %v\n%s", err, out)
	}
	items := []any{obj}
	if list, ok := obj["items"].([]any); ok {
		items = list
	}
	for _, it := range items {
		o, _ := it.(map[string]any)
		md, _ := o["metadata"].(map[string]any)
		if o["kind"] == kind && md["name"] == name {
			return o
		}
	}
	t.Fatalf("kubectl output has no %s %s", kind, name)
	return nil
}

// argoDiff lists where live differs from want at path: maps are compared
// key by key over the keys want sets (what a manifest leaves out belongs
// to nobody in the diff); lists are atomic here (every list of the
// examples under spec is, or is a set of strings, compared as a whole
// either way), so their items must be equal in full.
func argoDiff(path string, want, live any) []string {
	switch w := want.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, live has %v", path, live)}
		}
		var out []string
		for k, v := range w {
			out = append(out, argoDiff(path+"."+k, v, l[k])...)
		}
		return out
	case []any:
		if !reflect.DeepEqual(normalize(w), normalize(live)) {
			return []string{fmt.Sprintf("%s: manifest %s, live %s", path, compact(w), compact(live))}
		}
		return nil
	default:
		if !reflect.DeepEqual(normalize(want), normalize(live)) {
			return []string{fmt.Sprintf("%s: manifest %v, live %v", path, want, live)}
		}
		return nil
	}
}

// normalize makes JSON numbers comparable whatever decoded them.
func normalize(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
