//go:build tools

// Package tools pins the command this module builds, so that go mod tidy
// keeps its modules in go.mod.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
