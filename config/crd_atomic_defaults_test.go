package config_test

import (
	"os"
	"path/filepath"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// TestCRDNoDefaultsInAtomicLists: no field under an atomic list (or an
// atomic map) of a spec has a default. Argo CD's server-side apply without
// server-side diff predicts the live object by merging the manifest into
// it, and does not apply CRD defaults: an atomic list is replaced whole, so
// an item that leaves a defaulted field out differs from the live item the
// API server defaulted, and the object stays OutOfSync for ever
// (docs/argocd.md). Lists of objects are atomic unless they say
// +listType=map; the fields of a map list's items merge one by one, so a
// default there is harmless.
func TestCRDNoDefaultsInAtomicLists(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("crd", "bases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in crd/bases: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.UnmarshalStrict(b, &crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, v := range crd.Spec.Versions {
			if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
				continue
			}
			for name, prop := range v.Schema.OpenAPIV3Schema.Properties {
				if name == "status" {
					// Written by the controllers, never applied from Git.
					continue
				}
				for _, p := range defaultsUnderAtomic(name, prop, "") {
					t.Errorf("%s %s: %s has a default inside the atomic %s; remove the default (and treat the unset value as it in code) or make the list +listType=map", crd.Spec.Names.Kind, v.Name, p.field, p.atomic)
				}
			}
		}
	}
}

// atomicDefault is a defaulted field and the atomic list or map it is in.
type atomicDefault struct{ field, atomic string }

// defaultsUnderAtomic lists the defaulted fields of s (at path) that lie
// inside an atomic list or map; atomic is the innermost one enclosing
// path, or "".
func defaultsUnderAtomic(path string, s apiextensionsv1.JSONSchemaProps, atomic string) []atomicDefault {
	var out []atomicDefault
	if s.Default != nil && atomic != "" {
		out = append(out, atomicDefault{path, atomic})
	}
	if s.XMapType != nil && *s.XMapType == "atomic" {
		atomic = "map " + path
	}
	for name, p := range s.Properties {
		out = append(out, defaultsUnderAtomic(path+"."+name, p, atomic)...)
	}
	if s.Items != nil && s.Items.Schema != nil {
		inner := atomic
		if s.XListType == nil || *s.XListType == "atomic" {
			inner = "list " + path
		}
		out = append(out, defaultsUnderAtomic(path+"[]", *s.Items.Schema, inner)...)
	}
	return out
}
