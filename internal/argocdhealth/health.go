// Package argocdhealth runs the operator's Argo CD health checks
// (config/argocd/health/*.lua) the way Argo CD runs a custom health check,
// so that tests can evaluate them on fixtures and on live objects.
//
// Argo CD (util/lua/lua.go, runLua) runs resource.customizations.health
// scripts in gopher-lua without its standard libraries (unless the kind's
// useOpenLibs is set, which these scripts do not need). It opens exactly:
//
//   - package, base and table;
//   - a reduced os library of two functions, time and date
//     (util/lua/oslib_safe.go), preloaded as the module "os", so that
//     local os = require("os") works. There is no global os: Argo CD also
//     "opens" the library by registering its functions under the table
//     library's name, which gopher-lua ignores once table is open, so the
//     global table keeps only its own functions. VM makes the same calls.
//
// It runs the script with a one-second timeout and the object as the global
// obj. VM does the same, with a clock that tests can set: a script that
// calls into the string or math library, or uses a global os, fails here as
// it does in Argo CD.
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

// FixtureTime is the time the generated fixtures (config/testdata/argocd/live)
// were captured at: their times are shifted so that the controllers wrote
// them just before it. Evaluate them with a VM whose Now returns it (or a
// later time, to see what the checks make of the same status later).
var FixtureTime = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

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

// includePrefix starts a script line that ReadScript replaces with a
// file under the script's directory. Argo CD runs each kind's script on
// its own, with no way to load a shared module, so code two scripts need
// (lib/utc.lua) is written once and copied in here, for the tests and for
// the generated argocd-cm patch alike.
const includePrefix = "-- #include "

// ReadScript reads the health script of a kind from dir, with its
// "-- #include lib/<file>.lua" lines replaced by those files.
func ReadScript(dir, kind string) (string, error) {
	b, err := os.ReadFile(ScriptPath(dir, kind))
	if err != nil {
		return "", fmt.Errorf("read health script of %s: %w", kind, err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	var out strings.Builder
	for _, line := range lines {
		name, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), includePrefix)
		if !ok {
			out.WriteString(line)
			continue
		}
		if !filepath.IsLocal(name) {
			return "", fmt.Errorf("health script of %s includes %q, which is not a file under %s", kind, name, dir)
		}
		inc, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("health script of %s: include: %w", kind, err)
		}
		if strings.Contains(string(inc), includePrefix) {
			return "", fmt.Errorf("health script of %s: %s includes another file; includes do not nest", kind, name)
		}
		out.Write(inc)
		if len(inc) > 0 && inc[len(inc)-1] != '\n' && strings.HasSuffix(line, "\n") {
			out.WriteString("\n")
		}
	}
	return out.String(), nil
}

// VM runs health scripts as Argo CD does. Its zero value reads the real
// clock in the process's time zone, as Argo CD's application controller
// does.
type VM struct {
	// Now is the clock behind os.time() and os.date(); nil means time.Now.
	Now func() time.Time
	// Local is the time zone Argo CD's os.time(table) and os.date(format,
	// t) work in (the controller's time.Local); nil means time.Local.
	Local *time.Location
}

// Evaluate runs script on obj with the real clock; see VM.Evaluate.
func Evaluate(script string, obj map[string]any) (Health, error) {
	return VM{}.Evaluate(script, obj)
}

// Evaluate runs script on obj (an object as decoded from JSON or YAML, or
// the Object of an unstructured.Unstructured) and returns its health. An
// invalid status is an error, where Argo CD would show Unknown.
func (vm VM) Evaluate(script string, obj map[string]any) (Health, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	osLib := vm.osLibrary()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.OsLibName, osLib.openAsTable},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return Health{}, fmt.Errorf("open Lua library %s: %w", lib.name, err)
		}
	}
	l.PreloadModule(lua.OsLibName, osLib.load)
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
