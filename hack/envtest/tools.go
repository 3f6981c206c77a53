//go:build tools

// Package tools pins the commands this module builds, so that go mod tidy
// keeps their modules in go.mod.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
