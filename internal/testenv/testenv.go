// Package testenv starts a real kube-apiserver and etcd (envtest) with the
// billing CRDs installed, for tests. The control-plane binaries come from
// KUBEBUILDER_ASSETS or, when that is unset, from hack/envtest/build.sh,
// which builds them once from the Go module proxy and caches them.
package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/bss-operator/bss-operator/internal/scheme"
)

// Env is a running control plane with the billing CRDs installed.
type Env struct {
	// Config reaches the apiserver with admin rights.
	Config *rest.Config
	// Client is a direct (uncached) client with the billing scheme.
	Client client.Client
	// Scheme has the core and billing types.
	Scheme *k8sruntime.Scheme
	// AssetsDir holds kube-apiserver, etcd and kubectl.
	AssetsDir string

	env *envtest.Environment
	ns  atomic.Int64
}

// RepoRoot is the repository's top directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Assets returns the directory of the control-plane binaries, building
// them if needed. A build takes 15-25 minutes; its progress lines (a line
// per binary as it starts and ends) reach the person waiting as they come.
func Assets(ctx context.Context) (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	progress, closeProgress := progressWriter()
	defer closeProgress()
	return runBuildScript(ctx, filepath.Join(RepoRoot(), "hack", "envtest", "build.sh"), progress)
}

// progressWriter is where a build's progress goes: the terminal when there
// is one, because `go test ./pkg/...` holds back a test binary's stderr
// until the package ends and drops it when the package passes, so a build
// started from TestMain would otherwise print nothing for 20 minutes.
// Without a terminal (CI), stderr.
func progressWriter() (io.Writer, func()) {
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return os.Stderr, func() {}
	}
	return tty, func() { _ = tty.Close() }
}

// runBuildScript runs a build script that prints one path on stdout and
// its progress on stderr. Stderr is copied to progress as it comes, and
// its end is kept for the error when the script fails.
func runBuildScript(ctx context.Context, script string, progress io.Writer) (string, error) {
	var stdout bytes.Buffer
	stderr := &tailBuffer{limit: 8 << 10}
	cmd := exec.CommandContext(ctx, script)
	cmd.Stdout = &stdout
	cmd.Stderr = io.MultiWriter(bestEffort{progress}, stderr)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build envtest binaries with %s: %w: %s", script, err, stderr.String())
	}
	out := strings.TrimSpace(stdout.String())
	if out == "" || strings.Contains(out, "\n") {
		return "", fmt.Errorf("build envtest binaries with %s: want one path on stdout, got %q", script, out)
	}
	return out, nil
}

// bestEffort writes to w and ignores its errors: a closed terminal must not
// fail (or SIGPIPE) the build.
type bestEffort struct{ w io.Writer }

// Write implements io.Writer.
func (b bestEffort) Write(p []byte) (int, error) {
	_, _ = b.w.Write(p)
	return len(p), nil
}

// tailBuffer keeps the last limit bytes written to it.
type tailBuffer struct {
	limit int
	buf   []byte
}

// Write implements io.Writer.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.limit; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// String returns what was kept.
func (t *tailBuffer) String() string { return string(t.buf) }

// NewScheme returns the project's scheme (internal/scheme).
func NewScheme() (*k8sruntime.Scheme, error) { return scheme.New() }

// Start starts a control plane and installs the CRDs from config/crd/bases.
// Call Stop when done (typically from TestMain).
func Start() (*Env, error) {
	assets, err := Assets(context.Background())
	if err != nil {
		return nil, err
	}
	scheme, err := NewScheme()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
		Scheme:                scheme,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start envtest: %w", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("create client: %w", err)
	}
	return &Env{Config: cfg, Client: c, Scheme: scheme, AssetsDir: assets, env: env}, nil
}

// InstallAdmissionPolicies creates the admission policies shipped in
// config/admission (as the install bundle does), so that tests see the API
// server refuse what they refuse. The API server enforces a new policy
// after a short delay; callers wait for its effect.
func (e *Env) InstallAdmissionPolicies(ctx context.Context) error {
	files, err := filepath.Glob(filepath.Join(RepoRoot(), "config", "admission", "*.yaml"))
	if err != nil {
		return fmt.Errorf("list admission policies: %w", err)
	}
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("read %s: %w", f, err)
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			var obj unstructured.Unstructured
			if err := dec.Decode(&obj.Object); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return fmt.Errorf("decode %s: %w", f, err)
			}
			if len(obj.Object) == 0 {
				continue
			}
			if err := e.Client.Create(ctx, &obj); err != nil {
				return fmt.Errorf("create %s %s from %s: %w", obj.GetKind(), obj.GetName(), f, err)
			}
		}
	}
	return nil
}

// Stop stops the control plane.
func (e *Env) Stop() error {
	if err := e.env.Stop(); err != nil {
		return fmt.Errorf("stop envtest: %w", err)
	}
	return nil
}

// Namespace creates a fresh namespace for one test and deletes it when the
// test ends.
func (e *Env) Namespace(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d-%s", e.ns.Add(1), sanitize(t.Name()))
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := e.Client.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	t.Cleanup(func() { _ = e.Client.Delete(context.Background(), ns) })
	return name
}

// sanitize turns a test name into a DNS label fragment.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// WriteKubeconfig writes a kubeconfig for a cluster-admin user of this
// control plane to path, for processes (the manager binary, kubectl).
func (e *Env) WriteKubeconfig(path string) error {
	user, err := e.env.AddUser(envtest.User{Name: "bss-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("add envtest user: %w", err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("render kubeconfig: %w", err)
	}
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}
