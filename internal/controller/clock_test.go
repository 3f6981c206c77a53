package controller

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestReconcilersReadTheInjectedClock: the controllers tell business time
// from Deps.Timing (the manager's clock, the demo's scaled clock, the
// tests' fake clock), never from the wall clock. A time.Now in a
// reconciler makes it disagree with the simulator and the other
// controllers, and escapes every test that moves the fake clock.
func TestReconcilersReadTheInjectedClock(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	wall := map[string]bool{"Now": true, "Since": true, "Until": true}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || !wall[sel.Sel.Name] {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "time" {
				t.Errorf("%s: time.%s reads the wall clock; use the reconciler's Timing", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}
