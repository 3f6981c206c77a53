package demo

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bss-operator/bss-operator/internal/testenv"
)

// startupLine is a startup line in the format cmd/bss-simulator prints.
const startupLine = `{"url":"http://127.0.0.1:41234","adminUrl":"http://127.0.0.1:41234/_sim/","now":"2025-03-10T02:00:00Z","speed":3600,` +
	`"accounts":[{"domainId":"0c7fd9bdfb80d4170fb1c0056128d420","name":"demo-customer","accessKey":"SIMAK0DEMO0000000001","secretKey":"sk","token":"tok"}]}` + "\n"

func TestParseSimulatorInfo(t *testing.T) {
	info, err := parseSimulatorInfo(startupLine)
	if err != nil {
		t.Fatal(err)
	}
	if info.URL != "http://127.0.0.1:41234" || info.Speed != 3600 || info.Accounts[0].DomainID != "0c7fd9bdfb80d4170fb1c0056128d420" {
		t.Errorf("parsed %+v", info)
	}
	for _, bad := range []string{"bss-simulator: serving", `{"url":""}`, `{"url":"http://x","accounts":[{"name":"a"}]}`} {
		if _, err := parseSimulatorInfo(bad); err == nil {
			t.Errorf("parseSimulatorInfo(%q) succeeded", bad)
		}
	}
}

// TestProcessFirstLineAndStop: the first stdout line is returned and still
// logged with the rest, and Stop ends a process with SIGTERM.
func TestProcessFirstLineAndStop(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "p.log")
	cmd := exec.CommandContext(context.Background(), "sh", "-c", `echo first; echo second; echo err >&2; exec sleep 30`)
	p, line, err := startProcess("sh", logPath, cmd, true, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if line != "first\n" {
		t.Errorf("first line = %q", line)
	}
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if err := p.Stop(5 * time.Second); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("Stop took %s; SIGTERM was not enough", d)
	}
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first\n", "second\n", "err\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("log lacks %q: %q", want, data)
		}
	}
}

// TestProcessExitBeforeStartupLine reports a process that dies at once.
func TestProcessExitBeforeStartupLine(t *testing.T) {
	cmd := exec.CommandContext(context.Background(), "sh", "-c", "echo oops >&2; exit 3")
	if _, _, err := startProcess("sh", filepath.Join(t.TempDir(), "p.log"), cmd, true, 10*time.Second); err == nil {
		t.Fatal("startProcess succeeded for a process that exited")
	}
}

// TestOverlay renders the generated overlay with kubectl kustomize: the
// samples land in the namespace and the account points at the simulator.
func TestOverlay(t *testing.T) {
	assets, err := testenv.Assets(t.Context())
	if err != nil {
		t.Fatalf("the envtest binaries (with kubectl) are missing and could not be built: %v", err)
	}
	info, err := parseSimulatorInfo(startupLine)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Config{Dir: t.TempDir(), AssetsDir: assets, Namespace: "team-a"}.withDefaults(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	s := &Stack{Config: cfg, Simulator: info, KubectlPath: filepath.Join(assets, "kubectl")}
	dir, err := s.WriteOverlay()
	if err != nil {
		t.Fatal(err)
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), s.KubectlPath, "kustomize", dir)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl kustomize %s: %v: %s", dir, err, stderr.String())
	}
	rendered := out.String()
	for _, want := range []string{
		"endpoint: http://127.0.0.1:41234",
		"domainID: 0c7fd9bdfb80d4170fb1c0056128d420",
		"name: " + AccountName,
		"name: " + CredentialsSecret,
	} {
		if !strings.Contains(rendered, want) {
			t.Errorf("rendered overlay lacks %q:\n%s", want, rendered)
		}
	}
	if n, docs := strings.Count(rendered, "namespace: team-a"), strings.Count(rendered, "\n---\n")+1; n < docs {
		t.Errorf("%d of %d objects in namespace team-a:\n%s", n, docs, rendered)
	}
	if strings.Count(rendered, "endpoint:") != 1 {
		t.Errorf("want exactly one endpoint (the account's):\n%s", rendered)
	}
}

// TestOverlayNotifications: with a receiver, the overlay sends the
// account's notifications to it; without one, it adds nothing.
func TestOverlayNotifications(t *testing.T) {
	info, err := parseSimulatorInfo(startupLine)
	if err != nil {
		t.Fatal(err)
	}
	for _, withReceiver := range []bool{false, true} {
		s := &Stack{Config: Config{Dir: t.TempDir(), Samples: filepath.Join(testenv.RepoRoot(), "config", "samples"), Namespace: "team-a"}, Simulator: info}
		if withReceiver {
			s.Receiver = &Receiver{URL: "http://127.0.0.1:1/notify"}
		}
		dir, err := s.WriteOverlay()
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Contains(string(data), "/spec/notifications") && strings.Contains(string(data), NotificationSecret)
		if got != withReceiver {
			t.Errorf("with receiver %v: overlay sends notifications %v:\n%s", withReceiver, got, data)
		}
	}
}

// TestReceiver: the demo's receiver passes v1 notifications on and
// refuses anything else.
func TestReceiver(t *testing.T) {
	r, err := startReceiver(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.close() }()
	post := func(body string) int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, r.URL, strings.NewReader(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		return res.StatusCode
	}
	if code := post(`{"version":"v1","kind":"ApprovalRequired","object":{"kind":"RenewalRequest","name":"web-r1"}}`); code != http.StatusNoContent {
		t.Errorf("v1 notification answered %d", code)
	}
	if code := post(`{"version":"v9"}`); code != http.StatusBadRequest {
		t.Errorf("unknown version answered %d", code)
	}
	select {
	case n := <-r.Notifications:
		if n.Kind != "ApprovalRequired" || n.Object.Name != "web-r1" {
			t.Errorf("received %+v", n)
		}
	default:
		t.Fatal("nothing received")
	}
	if len(r.Notifications) != 0 {
		t.Errorf("%d more notifications received", len(r.Notifications))
	}
}
