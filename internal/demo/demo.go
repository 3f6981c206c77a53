// Package demo runs the whole operator locally for the demo (hack/demo) and
// the end-to-end tests (test/e2e): an envtest control plane (kube-apiserver
// and etcd) with the CRDs, the BSS simulator binary on an accelerated clock,
// and the manager binary on the same clock, and applies config/samples to it
// with the real kubectl through a generated kustomize overlay that points
// the sample BillingAccount at the simulator. Everything listens on
// 127.0.0.1; no container runtime is needed.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/bss-operator/bss-operator/internal/testenv"
)

// Names used by config/samples that the stack fills in.
const (
	// AccountName is the sample BillingAccount that the overlay points at
	// the simulator.
	AccountName = "huawei"
	// CredentialsSecret is the Secret the sample BillingAccount reads.
	CredentialsSecret = "bss-credentials"
	// DefaultNamespace is where the samples go unless Config says otherwise.
	DefaultNamespace = "demo"
	// DefaultSpeed is one simulated hour per real second.
	DefaultSpeed = 3600
)

// stopGrace is how long a process gets to exit after SIGTERM.
const stopGrace = 15 * time.Second

// Config says what to run and where. Zero values take the defaults.
type Config struct {
	// RepoRoot is the repository's top directory (default: found from this
	// package's source path).
	RepoRoot string
	// Dir receives the binaries, the kubeconfig, the overlay and the logs
	// (default: a new temporary directory, which is kept for debugging).
	Dir string
	// AssetsDir holds kube-apiserver, etcd and kubectl (default:
	// KUBEBUILDER_ASSETS, else built by hack/envtest/build.sh).
	AssetsDir string
	// Binaries are already built manager and simulator binaries (default:
	// built into Dir/bin).
	Binaries *Binaries
	// Inventory is the simulator's seed (default config/simulator/inventory.yaml).
	Inventory string
	// Samples is the kustomization applied by ApplySamples (default config/samples).
	Samples string
	// Namespace receives the credentials Secret and the samples (default "demo").
	Namespace string
	// Speed is simulated seconds per real second for the simulator and the
	// manager (default 3600).
	Speed float64
	// StartTime is the simulated time at start (default: now).
	StartTime time.Time
	// ManagerArgs are extra flags for the manager.
	ManagerArgs []string
	// Notifications starts a local webhook receiver (Stack.Receiver) and
	// sends the sample BillingAccount's notifications to it; the manager
	// then runs with --webhook-allow-http and --webhook-allow-private.
	Notifications bool
	// Progress, if set, is told about each step.
	Progress func(format string, args ...any)
}

// withDefaults fills in the zero values of c.
func (c Config) withDefaults(ctx context.Context) (Config, error) {
	if c.RepoRoot == "" {
		c.RepoRoot = testenv.RepoRoot()
	}
	if c.Dir == "" {
		dir, err := os.MkdirTemp("", "bss-demo-")
		if err != nil {
			return c, fmt.Errorf("create work directory: %w", err)
		}
		c.Dir = dir
	}
	if c.AssetsDir == "" {
		dir, err := testenv.Assets(ctx)
		if err != nil {
			return c, fmt.Errorf("find the envtest binaries (set KUBEBUILDER_ASSETS or run make envtest): %w", err)
		}
		c.AssetsDir = dir
	}
	if c.Inventory == "" {
		c.Inventory = filepath.Join(c.RepoRoot, "config", "simulator", "inventory.yaml")
	}
	if c.Samples == "" {
		c.Samples = filepath.Join(c.RepoRoot, "config", "samples")
	}
	if c.Namespace == "" {
		c.Namespace = DefaultNamespace
	}
	if c.Speed == 0 {
		c.Speed = DefaultSpeed
	}
	if c.Speed < 0 {
		return c, fmt.Errorf("speed must be positive, got %v", c.Speed)
	}
	if c.StartTime.IsZero() {
		c.StartTime = time.Now().UTC().Truncate(time.Second)
	}
	if c.Progress == nil {
		c.Progress = func(string, ...any) {}
	}
	return c, nil
}

// Stack is a running control plane, simulator and manager.
type Stack struct {
	// Config is the configuration with its defaults filled in.
	Config Config
	// Kubeconfig is the path of a cluster-admin kubeconfig for the control plane.
	Kubeconfig string
	// KubectlPath is the kubectl binary built with the control plane.
	KubectlPath string
	// Simulator is what the simulator printed at start.
	Simulator SimulatorInfo
	// Client is a direct client with the core and billing types.
	Client client.Client
	// Manager is the running manager binary.
	Manager *Process
	// SimulatorProcess is the running simulator binary.
	SimulatorProcess *Process
	// Receiver is the local notification receiver (Config.Notifications).
	Receiver *Receiver

	env     *envtest.Environment
	logsDir string
	logs    []io.Closer
}

// LogsDir is the directory holding every process's log.
func (s *Stack) LogsDir() string { return s.logsDir }

// Start builds the binaries (unless given), starts the control plane, the
// simulator and the manager, and creates the namespace with the
// credentials Secret. On error everything started is stopped again. Call
// Stop when done.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	cfg, err := cfg.withDefaults(ctx)
	if err != nil {
		return nil, err
	}
	s := &Stack{
		Config:      cfg,
		Kubeconfig:  filepath.Join(cfg.Dir, "kubeconfig"),
		KubectlPath: filepath.Join(cfg.AssetsDir, "kubectl"),
		logsDir:     filepath.Join(cfg.Dir, "logs"),
	}
	if err := os.MkdirAll(s.logsDir, 0o750); err != nil {
		return nil, fmt.Errorf("create logs directory: %w", err)
	}
	if err := s.start(ctx); err != nil {
		if stopErr := s.Stop(); stopErr != nil {
			err = errors.Join(err, fmt.Errorf("clean up: %w", stopErr))
		}
		return nil, err
	}
	return s, nil
}

// start runs the steps of Start; Start cleans up after a failure.
func (s *Stack) start(ctx context.Context) error {
	cfg := s.Config
	// Building is the slow part; the control plane starts meanwhile.
	type buildResult struct {
		bins Binaries
		err  error
	}
	built := make(chan buildResult, 1)
	if cfg.Binaries == nil {
		cfg.Progress("building the manager and the simulator into %s", filepath.Join(cfg.Dir, "bin"))
		go func() {
			bins, err := Build(ctx, cfg.RepoRoot, filepath.Join(cfg.Dir, "bin"))
			built <- buildResult{bins, err}
		}()
	} else {
		built <- buildResult{bins: *cfg.Binaries}
	}

	cfg.Progress("starting the control plane (kube-apiserver, etcd) from %s", cfg.AssetsDir)
	cpErr := s.startControlPlane()
	b := <-built
	if b.err != nil || cpErr != nil {
		return errors.Join(b.err, cpErr)
	}
	s.Config.Binaries = &b.bins

	cfg.Progress("starting the BSS simulator (speed %gx, simulated start %s)", cfg.Speed, cfg.StartTime.Format(time.RFC3339))
	if err := s.startSimulator(ctx); err != nil {
		return err
	}
	if cfg.Notifications {
		r, err := startReceiver(ctx)
		if err != nil {
			return err
		}
		s.Receiver = r
		cfg.Progress("notification receiver listening on %s", r.URL)
	}
	cfg.Progress("starting the manager")
	if err := s.startManager(ctx); err != nil {
		return err
	}
	cfg.Progress("creating namespace %s and Secret %s from the simulator's account", cfg.Namespace, CredentialsSecret)
	if err := s.createCredentials(ctx); err != nil {
		return err
	}
	if s.Receiver == nil {
		return nil
	}
	return s.createNotificationSecret(ctx)
}

// startControlPlane starts envtest with the CRDs and writes the kubeconfig.
func (s *Stack) startControlPlane() error {
	scheme, err := testenv.NewScheme()
	if err != nil {
		return err
	}
	apiLog, err := os.Create(filepath.Join(s.logsDir, "kube-apiserver.log"))
	if err != nil {
		return fmt.Errorf("create kube-apiserver log: %w", err)
	}
	s.logs = append(s.logs, apiLog)
	etcdLog, err := os.Create(filepath.Join(s.logsDir, "etcd.log"))
	if err != nil {
		return fmt.Errorf("create etcd log: %w", err)
	}
	s.logs = append(s.logs, etcdLog)
	env := &envtest.Environment{
		CRDDirectoryPaths:        []string{filepath.Join(s.Config.RepoRoot, "config", "crd", "bases")},
		ErrorIfCRDPathMissing:    true,
		BinaryAssetsDirectory:    s.Config.AssetsDir,
		Scheme:                   scheme,
		ControlPlaneStartTimeout: 90 * time.Second,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	env.ControlPlane.APIServer = &envtest.APIServer{Out: apiLog, Err: apiLog}
	env.ControlPlane.Etcd = &envtest.Etcd{Out: etcdLog, Err: etcdLog}
	cfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("start the control plane from %s: %w", s.Config.AssetsDir, err)
	}
	s.env = env

	user, err := env.AddUser(envtest.User{Name: "bss-demo-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("add the admin user: %w", err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("render the kubeconfig: %w", err)
	}
	if err := os.WriteFile(s.Kubeconfig, kubeconfig, 0o600); err != nil {
		return fmt.Errorf("write the kubeconfig: %w", err)
	}
	if s.Client, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return fmt.Errorf("create a client: %w", err)
	}
	return nil
}

// Stop stops the manager, the simulator and the control plane, in that
// order, each with SIGTERM first and a kill after a grace period. Logs stay
// in LogsDir. Stopping twice is harmless.
func (s *Stack) Stop() error {
	var errs []error
	for _, p := range []*Process{s.Manager, s.SimulatorProcess} {
		if p == nil {
			continue
		}
		if err := p.Stop(stopGrace); err != nil {
			errs = append(errs, err)
		}
	}
	s.Manager, s.SimulatorProcess = nil, nil
	if s.Receiver != nil {
		if err := s.Receiver.close(); err != nil {
			errs = append(errs, err)
		}
		s.Receiver = nil
	}
	if s.env != nil {
		if err := s.env.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop the control plane: %w", err))
		}
		s.env = nil
	}
	for _, l := range s.logs {
		_ = l.Close()
	}
	s.logs = nil
	return errors.Join(errs...)
}
