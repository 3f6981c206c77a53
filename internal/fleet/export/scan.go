package export

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// Entry is a Subscription file: one found in the directory, or one written.
type Entry struct {
	// File is the file's path relative to the directory.
	File string `json:"file"`
	// Name is the Subscription's metadata.name.
	Name string `json:"name"`
	// ResourceID is its spec.resourceID.
	ResourceID string `json:"resourceID"`
}

// Scan finds the Subscriptions of account in every YAML file under dir
// (subdirectories included, hidden ones skipped), by their content: a
// renamed or moved file still counts, and a file is never matched by its
// name. Documents of other kinds, Subscriptions of other accounts and
// partial Subscriptions without spec.resourceID (patches) are ignored. A
// file that is not YAML is an error rather than skipped: skipping it could
// export a second Subscription for a resource it holds.
func Scan(fsys filesys.FileSystem, dir, account string) ([]Entry, error) {
	var out []Entry
	err := fsys.Walk(dir, func(path string, info fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() {
			if path != dir && strings.HasPrefix(info.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		data, err := fsys.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return fmt.Errorf("path of %s: %w", path, err)
		}
		subs, err := subscriptionsIn(data)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, s := range subs {
			if s.account == account {
				out = append(out, Entry{File: filepath.ToSlash(rel), Name: s.name, ResourceID: s.resourceID})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", dir, err)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// found is one Subscription document.
type found struct{ name, account, resourceID string }

// subscriptionsIn decodes the Subscriptions of a (multi-document) YAML
// file.
func subscriptionsIn(data []byte) ([]found, error) {
	dec := kyaml.NewDecoder(bytes.NewReader(data))
	var out []found
	for {
		var doc kyaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("not YAML: %w", err)
		}
		rn := kyaml.NewRNode(&doc)
		if rn.YNode().Kind == kyaml.DocumentNode && len(rn.Content()) > 0 {
			rn = kyaml.NewRNode(rn.Content()[0])
		}
		if rn.YNode().Kind != kyaml.MappingNode {
			continue
		}
		group, _, _ := strings.Cut(rn.GetApiVersion(), "/")
		if group != billingv1alpha1.GroupVersion.Group || rn.GetKind() != "Subscription" {
			continue
		}
		id := scalar(rn, "spec", "resourceID")
		if id == "" {
			continue
		}
		out = append(out, found{name: rn.GetName(), account: scalar(rn, "spec", "accountRef", "name"), resourceID: id})
	}
}

// scalar is the value at a path of fields, or "".
func scalar(rn *kyaml.RNode, path ...string) string {
	v, err := rn.Pipe(kyaml.Lookup(path...))
	if err != nil || v == nil || v.YNode().Kind != kyaml.ScalarNode {
		return ""
	}
	return v.YNode().Value
}
