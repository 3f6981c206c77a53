// Command demo runs the operator end to end on this machine (make demo): a
// local control plane (kube-apiserver and etcd from envtest), the BSS
// simulator on an accelerated clock with the demo inventory, and the
// manager on the same clock, then applies config/samples and shows
// kubectl get bss every few seconds while renewals happen, until Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/bss-operator/bss-operator/internal/demo"
)

// options are the command-line settings.
type options struct {
	speed     float64
	namespace string
	duration  time.Duration
	interval  time.Duration
	dir       string
}

func main() {
	var opts options
	flag.Float64Var(&opts.speed, "speed", demo.DefaultSpeed,
		"Simulated seconds per real second (3600: one simulated hour per second; 86400: a day per second).")
	flag.StringVar(&opts.namespace, "namespace", demo.DefaultNamespace, "Namespace for the credentials Secret and the samples.")
	flag.DurationVar(&opts.duration, "duration", 0, "How long to run; 0 runs until interrupted (Ctrl-C).")
	flag.DurationVar(&opts.interval, "interval", 5*time.Second, "How often to show kubectl get bss.")
	flag.StringVar(&opts.dir, "dir", "", "Work directory for binaries, kubeconfig, overlay and logs (default: a new temporary directory).")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// run starts the stack, applies the samples, watches until ctx ends or the
// duration passes, and stops everything.
func run(ctx context.Context, opts options, out io.Writer) (err error) {
	if opts.interval <= 0 {
		return fmt.Errorf("--interval must be positive, got %s", opts.interval)
	}
	progress := func(format string, args ...any) {
		fmt.Fprintf(out, "demo: "+format+"\n", args...)
	}
	stack, err := demo.Start(ctx, demo.Config{
		Dir:       opts.dir,
		Namespace: opts.namespace,
		Speed:     opts.speed,
		Progress:  progress,
	})
	if err != nil {
		return err
	}
	defer func() {
		progress("stopping the manager, the simulator and the control plane")
		if stopErr := stack.Stop(); stopErr != nil {
			err = errors.Join(err, fmt.Errorf("stop: %w", stopErr))
		}
		progress("logs are in %s", stack.LogsDir())
	}()

	applied, err := stack.ApplySamples(ctx)
	if err != nil {
		return err
	}
	fmt.Fprint(out, applied)
	printAccess(out, stack)

	if opts.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.duration)
		defer cancel()
	}
	return watch(ctx, stack, opts, out)
}

// printAccess tells the user how to reach the control plane from another terminal.
func printAccess(out io.Writer, s *demo.Stack) {
	fmt.Fprintf(out, `
The control plane runs until you press Ctrl-C. From another terminal:

  export KUBECONFIG=%s
  export PATH=%s:$PATH   # the kubectl built with the control plane, if you have none
  kubectl get bss -n %s
  kubectl get bsub -n %s -o wide
  kubectl describe subscription web-01 -n %s
  kubectl get renewalrequests -n %s

BSS simulator: %s (admin API %s)
Logs: %s

`, s.Kubeconfig, filepath.Dir(s.KubectlPath), s.Config.Namespace, s.Config.Namespace, s.Config.Namespace,
		s.Config.Namespace, s.Simulator.URL, s.Simulator.AdminURL, s.LogsDir())
}

// watch shows kubectl get bss every interval until ctx ends. A manager or
// simulator that exits on its own is an error.
func watch(ctx context.Context, s *demo.Stack, opts options, out io.Writer) error {
	tick := time.NewTicker(opts.interval)
	defer tick.Stop()
	for {
		show(ctx, s, out)
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				fmt.Fprintf(out, "demo: ran for %s\n", opts.duration)
			}
			return nil
		case <-s.Manager.Done():
			return fmt.Errorf("the manager exited (see %s)", s.Manager.LogPath)
		case <-s.SimulatorProcess.Done():
			return fmt.Errorf("the simulator exited (see %s)", s.SimulatorProcess.LogPath)
		case <-tick.C:
		}
	}
}

// show prints the simulated time and kubectl get bss.
func show(ctx context.Context, s *demo.Stack, out io.Writer) {
	simNow := "unknown"
	if now, err := s.SimulatorNow(ctx); err == nil {
		simNow = now.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(out, "---- %s real, simulated %s (speed %gx) ----\n",
		time.Now().Format(time.TimeOnly), simNow, s.Config.Speed)
	table, err := s.Kubectl(ctx, "get", "bss", "-n", s.Config.Namespace)
	if err != nil {
		if ctx.Err() == nil {
			fmt.Fprintf(out, "demo: %v\n", err)
		}
		return
	}
	fmt.Fprintln(out, strings.TrimRight(table, "\n"))
}
