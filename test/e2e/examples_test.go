package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/bss-operator/bss-operator/internal/testenv"
)

// exampleKinds are the directories of examples/, one per kind.
var exampleKinds = []string{"billingaccount", "subscription", "renewalpolicy", "renewalrequest", "budgetalert"}

// placeholderMark is what every value of an example Secret contains, so
// that no real-looking credential is ever shipped.
const placeholderMark = "REPLACE-WITH-"

// exampleDoc is what the checks read of one example document.
type exampleDoc struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Data       map[string]string `json:"data"`
	StringData map[string]string `json:"stringData"`
	Spec       json.RawMessage   `json:"spec"`
}

// TestExamplesMatchREADMEs checks, without a control plane, that the
// examples/ READMEs and the manifest files next to them agree: every
// ```yaml block (and any block that starts like a manifest) is
// byte-identical to a file in the same directory, every file is shown,
// every kind has a README linked from the index, and Secret examples hold
// placeholders only.
func TestExamplesMatchREADMEs(t *testing.T) {
	root := filepath.Join(testenv.RepoRoot(), "examples")
	index, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatalf("examples/README.md: %v", err)
	}
	for _, kind := range exampleKinds {
		if !bytes.Contains(index, []byte("("+kind+"/README.md)")) {
			t.Errorf("examples/README.md does not link %s/README.md", kind)
		}
		files := exampleFiles(t, filepath.Join(root, kind))
		if len(files) < 2 {
			t.Errorf("examples/%s has %d manifests, want at least 2", kind, len(files))
		}
	}

	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "README.md" {
			return err
		}
		checkREADME(t, root, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, f := range allExampleFiles(t, root) {
		rel, _ := filepath.Rel(root, f)
		for _, doc := range exampleDocs(t, f) {
			if doc.Metadata.Namespace != "" {
				t.Errorf("examples/%s: %s %s sets metadata.namespace; examples are applied with -n", rel, doc.Kind, doc.Metadata.Name)
			}
			if doc.Kind != "Secret" {
				continue
			}
			if len(doc.Data) > 0 {
				t.Errorf("examples/%s: Secret %s uses data; use stringData with %s placeholders", rel, doc.Metadata.Name, placeholderMark)
			}
			if len(doc.StringData) == 0 {
				t.Errorf("examples/%s: Secret %s shows no keys", rel, doc.Metadata.Name)
			}
			for k, v := range doc.StringData {
				if !strings.Contains(v, placeholderMark) {
					t.Errorf("examples/%s: Secret %s key %q is not a %s placeholder", rel, doc.Metadata.Name, k, placeholderMark)
				}
			}
		}
	}
}

// checkREADME compares the fenced blocks of one README with the YAML files
// in its directory.
func checkREADME(t *testing.T, root, readme string) {
	t.Helper()
	rel, _ := filepath.Rel(root, readme)
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	files := exampleFiles(t, filepath.Dir(readme))
	contents := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		contents[filepath.Base(f)] = string(b)
	}
	shown := map[string]bool{}
	for _, b := range fencedBlocks(string(data)) {
		if b.info != "yaml" && !looksLikeManifest(b.body) {
			continue
		}
		var match string
		for name, c := range contents {
			if c == b.body {
				match = name
			}
		}
		if match == "" {
			t.Errorf("examples/%s:%d: a manifest block is not byte-identical to any file in its directory %v; "+
				"show the files as they are (or change the file, then the README)", rel, b.line, slices.Sorted(maps.Keys(contents)))
			continue
		}
		shown[match] = true
	}
	for name := range contents {
		if !shown[name] {
			t.Errorf("examples/%s does not show %s in a ```yaml block", rel, name)
		}
	}
}

// fencedBlock is one ``` block of a Markdown file.
type fencedBlock struct {
	info string
	body string
	line int
}

// fencedBlocks returns the fenced code blocks of a Markdown text; body
// holds the lines between the fences, each ending in a newline.
func fencedBlocks(md string) []fencedBlock {
	var blocks []fencedBlock
	var cur *fencedBlock
	var body strings.Builder
	for i, line := range strings.Split(md, "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &fencedBlock{info: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: i + 1}
			body.Reset()
		case cur != nil && strings.TrimRight(line, " ") == "```":
			cur.body = body.String()
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	return blocks
}

// looksLikeManifest reports whether a block's first line that is not a
// comment starts a Kubernetes manifest.
func looksLikeManifest(body string) bool {
	for _, line := range strings.Split(body, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		return strings.HasPrefix(line, "apiVersion:")
	}
	return false
}

// exampleFiles returns the YAML files directly in dir.
func exampleFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// allExampleFiles returns every YAML file under root.
func allExampleFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no YAML files under %s", root)
	}
	return files
}

// exampleDocs decodes the documents of one example file.
func exampleDocs(t *testing.T, path string) []exampleDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []exampleDoc
	for _, part := range strings.Split(string(data), "\n---\n") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		var doc exampleDoc
		if err := yaml.Unmarshal([]byte(part), &doc); err != nil {
			t.Fatalf("decode %s: %v", path, err)
		}
		docs = append(docs, doc)
	}
	return docs
}

// TestExamplesValidate applies every examples/**/*.yaml with server-side
// dry run and strict field validation against a real kube-apiserver with
// the CRDs, so that the examples pass the schema, the defaults and the CEL
// rules and invent no field. It then creates the RenewalRequest example and
// approves it with the merge patch the README shows, which must turn it
// into approved.yaml, and checks that the decision cannot be changed.
func TestExamplesValidate(t *testing.T) {
	env, run := controlPlane(t)
	ns := env.Namespace(t)

	root := filepath.Join(testenv.RepoRoot(), "examples")
	for _, f := range allExampleFiles(t, root) {
		rel, _ := filepath.Rel(root, f)
		t.Run(rel, func(t *testing.T) {
			out, err := run("apply", "--dry-run=server", "--validate=strict", "-n", ns, "-f", f)
			if err != nil {
				t.Fatalf("kubectl apply --dry-run=server -f examples/%s: %v\n%s", rel, err, out)
			}
			if strings.Contains(strings.ToLower(out), "warning") {
				t.Errorf("kubectl apply --dry-run=server -f examples/%s warned:\n%s", rel, out)
			}
		})
	}

	t.Run("approving the RenewalRequest", func(t *testing.T) {
		dir := filepath.Join(root, "renewalrequest")
		awaiting, approved := filepath.Join(dir, "awaiting-approval.yaml"), filepath.Join(dir, "approved.yaml")
		if out, err := run("create", "-n", ns, "-f", awaiting); err != nil {
			t.Fatalf("kubectl create -f %s: %v\n%s", awaiting, err, out)
		}
		want := exampleDocs(t, approved)[0]
		var wantSpec map[string]any
		if err := json.Unmarshal(want.Spec, &wantSpec); err != nil {
			t.Fatal(err)
		}
		patch, err := json.Marshal(map[string]any{"spec": map[string]any{"approval": wantSpec["approval"]}})
		if err != nil {
			t.Fatal(err)
		}
		readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(readme, []byte("'"+string(patch)+"'")) {
			t.Errorf("renewalrequest/README.md does not show the approval patch that makes approved.yaml:\n'%s'", patch)
		}
		if out, err := run("patch", "-n", ns, "renewalrequest", want.Metadata.Name, "--type", "merge", "-p", string(patch)); err != nil {
			t.Fatalf("kubectl patch (approve): %v\n%s", err, out)
		}
		out, err := run("get", "-n", ns, "renewalrequest", want.Metadata.Name, "-o", "jsonpath={.spec}")
		if err != nil {
			t.Fatalf("kubectl get: %v\n%s", err, out)
		}
		var gotSpec map[string]any
		if err := json.Unmarshal([]byte(out), &gotSpec); err != nil {
			t.Fatalf("decode spec %q: %v", out, err)
		}
		if !reflect.DeepEqual(gotSpec, wantSpec) {
			t.Errorf("after the approval patch the spec is\n%s\nwant the spec of approved.yaml", out)
		}

		const refused = "an approval decision cannot be changed or withdrawn once made"
		for _, p := range []string{`{"spec":{"approval":{"decision":"Deny"}}}`, `{"spec":{"approval":null}}`} {
			out, err := run("patch", "-n", ns, "renewalrequest", want.Metadata.Name, "--type", "merge", "-p", p)
			var exitErr *exec.ExitError
			if !errors.As(err, &exitErr) || !strings.Contains(out, refused) {
				t.Errorf("kubectl patch -p %s after the approval: err=%v, want it refused with %q:\n%s", p, err, refused, out)
			}
		}
	})
}
