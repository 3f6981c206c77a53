// Command demo runs the operator end to end on this machine (make demo): a
// local control plane (kube-apiserver and etcd from envtest), the BSS
// simulator on an accelerated clock with the demo inventory, and the
// manager on the same clock, then applies config/samples and shows
// kubectl get bss every few seconds while renewals happen, until Ctrl-C.
// A local webhook receiver prints the notifications the operator sends;
// the first renewal waiting for approval is approved as `kubectl bss
// approve` does, and its completion is printed.
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

	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/demo"
	"github.com/bss-operator/bss-operator/internal/notify"
)

// options are the command-line settings.
type options struct {
	speed     float64
	namespace string
	duration  time.Duration
	interval  time.Duration
	dir       string
	notify    bool
	approve   bool
}

func main() {
	var opts options
	flag.Float64Var(&opts.speed, "speed", demo.DefaultSpeed,
		"Simulated seconds per real second (3600: one simulated hour per second; 86400: a day per second).")
	flag.StringVar(&opts.namespace, "namespace", demo.DefaultNamespace, "Namespace for the credentials Secret and the samples.")
	flag.DurationVar(&opts.duration, "duration", 0, "How long to run; 0 runs until interrupted (Ctrl-C).")
	flag.DurationVar(&opts.interval, "interval", 5*time.Second, "How often to show kubectl get bss.")
	flag.StringVar(&opts.dir, "dir", "", "Work directory for binaries, kubeconfig, overlay and logs (default: a new temporary directory).")
	flag.BoolVar(&opts.notify, "notifications", true, "Receive the operator's notifications on a local webhook and print them.")
	flag.BoolVar(&opts.approve, "approve", true, "Approve renewals that wait for approval when their notification arrives (as kubectl bss approve).")
	flag.Parse()
	// The demo's own clients log nothing; without a logger controller-
	// runtime prints a warning with a stack trace into the demo's output.
	ctrllog.SetLogger(zap.New(zap.WriteTo(io.Discard)))

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
		// The receiver listens on loopback http: the demo's manager
		// gets --webhook-allow-http and --webhook-allow-private.
		Notifications: opts.notify,
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

// watch shows kubectl get bss every interval until ctx ends, and prints
// each notification as it arrives. A manager or simulator that exits on
// its own is an error.
func watch(ctx context.Context, s *demo.Stack, opts options, out io.Writer) error {
	tick := time.NewTicker(opts.interval)
	defer tick.Stop()
	var received <-chan notify.SubscriptionNotice
	if s.Receiver != nil {
		received = s.Receiver.Notifications
	}
	approvals := &approvals{pending: map[string]bool{}}
	for {
		show(ctx, s, out)
		approvals.report(ctx, s, out)
		if err := waitTick(ctx, s, opts, out, tick.C, received, approvals); err != nil || ctx.Err() != nil {
			return err
		}
	}
}

// waitTick waits for the next tick, printing notifications (and approving
// what waits for approval) meanwhile. It returns when the tick comes or
// ctx ends, and an error when a process exited on its own.
func waitTick(ctx context.Context, s *demo.Stack, opts options, out io.Writer, tick <-chan time.Time,
	received <-chan notify.SubscriptionNotice, approvals *approvals) error {
	for {
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
		case n := <-received:
			printNotification(out, n)
			if opts.approve && n.Kind == notify.Kind(billingv1alpha1.NotificationApprovalRequired) && n.Object.Kind == "RenewalRequest" {
				approvals.approve(ctx, s, out, n.Object.Name)
			}
		case <-tick:
			return nil
		}
	}
}

// printNotification shows one notification the receiver got.
func printNotification(out io.Writer, n notify.SubscriptionNotice) {
	fmt.Fprintf(out, "==== notification received: %s %s/%s (subscription %s, resource %s)\n",
		n.Kind, n.Object.Kind, n.Object.Name, n.Subscription, n.ResourceID)
	fmt.Fprintf(out, "     %s: %s\n", n.Condition.Reason, n.Condition.Message)
	if n.Amount != nil {
		fmt.Fprintf(out, "     amount %s %s, expires %s\n", n.Amount.Amount, n.Amount.Currency, n.ExpireTime)
	}
	fmt.Fprintf(out, "     hint: %s\n", n.Hint)
}

// approvals follows the renewals the demo approved until they end.
type approvals struct {
	pending map[string]bool
}

// approve approves a RenewalRequest through the kubectl bss code path.
func (a *approvals) approve(ctx context.Context, s *demo.Stack, out io.Writer, name string) {
	if _, seen := a.pending[name]; seen {
		return
	}
	fmt.Fprintf(out, "==== approving as on-call would: kubectl bss approve %s -n %s\n", name, s.Config.Namespace)
	said, err := s.Approve(ctx, name)
	if err != nil {
		fmt.Fprintf(out, "demo: %v\n", err)
		return
	}
	fmt.Fprintf(out, "     %s", said)
	a.pending[name] = true
}

// report prints the end of each approved renewal once.
func (a *approvals) report(ctx context.Context, s *demo.Stack, out io.Writer) {
	for name, open := range a.pending {
		if !open {
			continue
		}
		var rr billingv1alpha1.RenewalRequest
		if err := s.Client.Get(ctx, client.ObjectKey{Namespace: s.Config.Namespace, Name: name}, &rr); err != nil || !rr.Status.Phase.Finished() {
			continue
		}
		a.pending[name] = false
		paid, expiry := "nothing", "unchanged"
		if rr.Status.AmountPaid != nil {
			paid = rr.Status.AmountPaid.Amount + " " + rr.Status.AmountPaid.Currency
		}
		if rr.Status.NewExpireTime != nil {
			expiry = rr.Status.NewExpireTime.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(out, "==== renewal %s %s: paid %s, orders %v, new expiry %s\n", name, rr.Status.Phase, paid, rr.Status.OrderIDs, expiry)
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
