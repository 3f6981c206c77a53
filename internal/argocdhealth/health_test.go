package argocdhealth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVMLibraries: the VM opens what Argo CD's runLua opens and nothing
// else: package, base, table, and the reduced os library through
// require("os") only; no global os, string, math or io.
func TestVMLibraries(t *testing.T) {
	now := time.Date(2030, 3, 4, 5, 6, 7, 0, time.UTC)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	vm := VM{Now: func() time.Time { return now }, Local: shanghai}
	cases := []struct {
		name, expr string
		want       string
		// fails: the script must fail (a library Argo CD does not open).
		fails bool
	}{
		{"no global os", `type(os)`, "nil", false},
		{"no string library", `type(string)`, "nil", false},
		{"no math library", `type(math)`, "nil", false},
		{"no io library", `type(io)`, "nil", false},
		{"no debug library", `type(debug)`, "nil", false},
		{"base", `tostring(tonumber("42") + select("#", 1, 2))`, "44", false},
		{"table", `table.concat({"a", "b"}, ",")`, "a,b", false},
		{"require os", `tostring(require("os").time())`, "1898831167", false},
		// Argo CD registers time and date under the table library's name
		// after the table library is open, which gopher-lua (v1.1) ignores:
		// they are not in table either.
		{"not table.time", `tostring(table.time)`, "nil", false},
		{"not table.date", `tostring(table.date)`, "nil", false},
		{"require os has time and date only", `(function() local n = 0; for _ in pairs(require("os")) do n = n + 1 end; return tostring(n) end)()`, "2", false},
		{"os.exit is not there", `tostring(require("os").exit)`, "nil", false},
		{"global os.time fails", `tostring(os.time())`, "", true},
		{"string method fails", `("abc"):sub(1, 1)`, "", true},
		{"date now in UTC", `require("os").date("!%Y-%m-%dT%H:%M:%SZ")`, "2030-03-04T05:06:07Z", false},
		{"date now, local", `require("os").date("%Y-%m-%d %H:%M %z")`, "2030-03-04 13:06 +0800", false},
		// Argo CD honours "!" only for the current time: with a time
		// argument the date is local.
		{"date of a time ignores !", `require("os").date("!%H:%M", 0)`, "08:00", false},
		{"date table in UTC", `(function() local d = require("os").date("!*t"); return d.year .. "-" .. d.month .. "-" .. d.day .. " " .. d.hour .. " wday " .. d.wday end)()`, "2030-3-4 5 wday 2", false},
		{"time of a table is local", `tostring(require("os").time({year = 1970, month = 1, day = 1, hour = 8}))`, "0", false},
		{"time of a table defaults to noon", `tostring(require("os").time({year = 1970, month = 1, day = 1}))`, "14400", false},
		{"strftime extras", `require("os").date("!%F %X %% %w %q %")`, "2030-03-04 05:06:07 % 1 %q %", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := vm.Evaluate(`return {status = "Healthy", message = `+tc.expr+`}`, map[string]any{})
			if tc.fails {
				if err == nil {
					t.Fatalf("ran (%q); Argo CD would fail it", got.Message)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Message != tc.want {
				t.Errorf("got %q, want %q", got.Message, tc.want)
			}
		})
	}
}

// TestEvaluateResult: a status Argo CD does not know is an error (Argo CD
// shows Unknown), as is a script that returns no table or runs too long.
func TestEvaluateResult(t *testing.T) {
	cases := []struct {
		script  string
		wantErr string
	}{
		{`return {status = "Healthy"}`, ""},
		{`return {status = "Fine"}`, "Unknown"},
		{`return "Healthy"`, "want a table"},
		{`while true do end`, "context deadline exceeded"},
	}
	for _, tc := range cases {
		_, err := Evaluate(tc.script, map[string]any{"metadata": map[string]any{"generation": int64(1)}})
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.script, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: error %v, want one with %q", tc.script, err, tc.wantErr)
		}
	}
}

// TestReadScriptIncludes: an include line becomes the file it names, so
// a helper two scripts need is written once; an include that leaves the
// directory, is missing, or nests is refused rather than run half.
func TestReadScriptIncludes(t *testing.T) {
	tests := []struct {
		name, script, lib, want, wantErr string
	}{
		{name: "no include", script: "local a = 1\nreturn a\n", want: "local a = 1\nreturn a\n"},
		{name: "include", script: "local a = 1\n-- #include lib/x.lua\nreturn f(a)\n", lib: "local function f(v)\n  return v\nend\n",
			want: "local a = 1\nlocal function f(v)\n  return v\nend\nreturn f(a)\n"},
		{name: "include without a final newline", script: "-- #include lib/x.lua\nreturn f()\n", lib: "local function f() end",
			want: "local function f() end\nreturn f()\n"},
		{name: "outside the directory", script: "-- #include ../x.lua\n", wantErr: "not a file under"},
		{name: "missing", script: "-- #include lib/none.lua\n", wantErr: "include"},
		{name: "nested", script: "-- #include lib/x.lua\n", lib: "-- #include lib/x.lua\n", wantErr: "do not nest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(ScriptPath(dir, "Thing"), []byte(tc.script), 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.lib != "" {
				if err := os.MkdirAll(filepath.Join(dir, "lib"), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "lib", "x.lua"), []byte(tc.lib), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := ReadScript(dir, "Thing")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ReadScript: %v, want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ReadScript = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
