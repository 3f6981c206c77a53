// Package argocdhealth runs the operator's Argo CD health checks
// (config/argocd/health/*.lua) the way Argo CD runs a custom health check,
// so that tests can evaluate them on fixtures and on live objects.
//
// Argo CD (util/lua/lua.go) runs resource.customizations.health scripts in
// gopher-lua with only the package, base and table libraries and a reduced
// os library, a one-second timeout, and the object as the global obj. This
// package does the same, minus os (the scripts do not use it): a script that
// calls into the string or math library fails here as it would in Argo CD.
package argocdhealth

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Health statuses Argo CD accepts from a health script.
const (
	Healthy     = "Healthy"
	Progressing = "Progressing"
	Degraded    = "Degraded"
	Suspended   = "Suspended"
	Missing     = "Missing"
	Unknown     = "Unknown"
)

// Health is what a health script returned.
type Health struct {
	// Status is one of the health statuses above.
	Status string
	// Message explains the status to a person.
	Message string
}

// ScriptPath is the health script of a kind under dir (config/argocd/health).
func ScriptPath(dir, kind string) string {
	return filepath.Join(dir, strings.ToLower(kind)+".lua")
}

// ConfigMapKey is the argocd-cm key that installs the health check of a kind.
func ConfigMapKey(group, kind string) string {
	return "resource.customizations.health." + group + "_" + kind
}

// ReadScript reads the health script of a kind from dir.
func ReadScript(dir, kind string) (string, error) {
	b, err := os.ReadFile(ScriptPath(dir, kind))
	if err != nil {
		return "", fmt.Errorf("read health script of %s: %w", kind, err)
	}
	return string(b), nil
}

// Evaluate runs script on obj (an object as decoded from JSON or YAML, or
// the Object of an unstructured.Unstructured) and returns its health. An
// invalid status is an error, where Argo CD would show Unknown.
func Evaluate(script string, obj map[string]any) (Health, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return Health{}, fmt.Errorf("open Lua library %s: %w", lib.name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", decode(l, obj))
	if err := l.DoString(script); err != nil {
		return Health{}, fmt.Errorf("run health script: %w", err)
	}
	ret, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return Health{}, fmt.Errorf("health script returned %s, want a table", l.Get(-1).Type())
	}
	h := Health{Status: lua.LVAsString(ret.RawGetString("status")), Message: lua.LVAsString(ret.RawGetString("message"))}
	switch h.Status {
	case Healthy, Progressing, Degraded, Suspended, Missing, Unknown:
		return h, nil
	}
	return h, fmt.Errorf("health script returned status %q, which Argo CD shows as Unknown", h.Status)
}

// decode converts a decoded JSON value into a Lua value as Argo CD does
// (util/lua decodeValue): numbers of any Go type become Lua numbers.
func decode(l *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case bool:
		return lua.LBool(v)
	case string:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case int:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case json.Number:
		return lua.LString(v)
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, item := range v {
			t.Append(decode(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for k, item := range v {
			t.RawSetH(lua.LString(k), decode(l, item))
		}
		return t
	}
	return lua.LNil
}
