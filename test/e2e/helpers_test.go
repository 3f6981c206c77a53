package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bss-operator/bss-operator/internal/demo"
	"github.com/bss-operator/bss-operator/internal/testenv"
)

// kubectl runs kubectl and fails the test on error.
func kubectl(ctx context.Context, t *testing.T, s *demo.Stack, args ...string) string {
	t.Helper()
	out, err := s.Kubectl(ctx, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return out
}

// waitFor runs kubectl wait --for=<cond> on objs in the test namespace
// until the deadline; on failure it logs the objects' conditions.
func waitFor(ctx context.Context, t *testing.T, s *demo.Stack, deadline time.Time, cond string, objs ...string) {
	t.Helper()
	timeout := max(time.Until(deadline), 5*time.Second).Round(time.Second)
	args := append([]string{"wait", "-n", namespace, "--for=" + cond, "--timeout=" + timeout.String()}, objs...)
	out, err := s.Kubectl(ctx, args...)
	if err == nil {
		return
	}
	var names []string
	for _, o := range objs {
		if !strings.HasPrefix(o, "-") {
			names = append(names, o)
		}
	}
	if len(names) == 1 && !strings.Contains(names[0], "/") {
		names = append(names, "--all")
	}
	state, _ := s.Kubectl(ctx, append([]string{"get", "-n", namespace, "-o",
		`custom-columns=KIND:.kind,NAME:.metadata.name,CONDITIONS:.status.conditions[*].type,STATUS:.status.conditions[*].status,REASONS:.status.conditions[*].reason`}, names...)...)
	t.Errorf("%v\n%s\nstate:\n%s", err, out, state)
}

// eventually polls check every second until it returns nil or the
// deadline passes, then fails the test with the last error.
func eventually(t *testing.T, deadline time.Time, check func() error) {
	t.Helper()
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("still failing at the deadline: %v", err)
			return
		}
		time.Sleep(time.Second)
	}
}

// containsAll reports which of wants out lacks.
func containsAll(what, out string, wants ...string) error {
	var missing []string
	for _, w := range wants {
		if !strings.Contains(out, w) {
			missing = append(missing, strings.TrimSpace(w))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s lacks %q:\n%s", what, missing, out)
	}
	return nil
}

// parseTable reads kubectl's table output into rows keyed by NAME, each
// mapping a header to its cell. Cells are cut at the headers' columns, so
// empty cells stay empty.
func parseTable(t *testing.T, out string) map[string]map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("not a kubectl table:\n%s", out)
	}
	header := lines[0]
	type column struct {
		name  string
		start int
	}
	var cols []column
	for i := 0; i < len(header); {
		if header[i] == ' ' {
			i++
			continue
		}
		j := strings.IndexByte(header[i:], ' ')
		if j < 0 {
			j = len(header) - i
		}
		cols = append(cols, column{header[i : i+j], i})
		i += j
	}
	rows := map[string]map[string]string{}
	for _, line := range lines[1:] {
		row := map[string]string{}
		for k, c := range cols {
			end := len(line)
			if k+1 < len(cols) {
				end = min(cols[k+1].start, len(line))
			}
			if c.start < end {
				row[c.name] = strings.TrimSpace(line[c.start:end])
			}
		}
		rows[row["NAME"]] = row
	}
	return rows
}

// logTails logs the last lines of the manager's and the simulator's logs
// in dir (the control plane's logs are there too, but rarely the cause).
func logTails(t *testing.T, dir string) {
	t.Helper()
	for _, name := range []string{"manager.log", "bss-simulator.log"} {
		l := filepath.Join(dir, name)
		data, err := os.ReadFile(l)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if n := len(lines); n > 40 {
			lines = lines[n-40:]
		}
		t.Logf("last lines of %s:\n%s", l, strings.Join(lines, "\n"))
	}
}

// controlPlane starts a kube-apiserver with the CRDs for one test and
// returns it with a runner of the matching kubectl against it.
func controlPlane(t *testing.T) (*testenv.Env, func(args ...string) (string, error)) {
	t.Helper()
	env, err := testenv.Start()
	if err != nil {
		t.Fatalf("start the control plane (the envtest binaries come from KUBEBUILDER_ASSETS or hack/envtest/build.sh): %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop the control plane: %v", err)
		}
	})
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := env.WriteKubeconfig(kubeconfig); err != nil {
		t.Fatal(err)
	}
	return env, func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, filepath.Join(env.AssetsDir, "kubectl"), args...)
		cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
}
