// Package plugin is `kubectl bss`: it shows the operator's objects and
// writes the few things people do by hand (approve or deny a renewal, ask
// for a renewal now or a refresh). It only ever patches annotations and
// spec.approval, never a whole object. Only `export` talks to BSS, through
// a read-only client, and it writes files, not objects.
package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	bssscheme "github.com/bss-operator/bss-operator/internal/scheme"
)

// Target is the cluster and namespace a command works on.
type Target struct {
	// Client reads and patches objects.
	Client client.Client
	// Namespace is the namespace of named objects (and of listings
	// unless AllNamespaces).
	Namespace string
}

// Connector turns the kubeconfig flags into a Target.
type Connector func(flags KubeFlags) (Target, error)

// KubeFlags are kubectl's connection flags.
type KubeFlags struct {
	// Kubeconfig is the kubeconfig file; empty uses KUBECONFIG or ~/.kube/config.
	Kubeconfig string
	// Context is the kubeconfig context; empty uses the current one.
	Context string
	// Namespace overrides the context's namespace.
	Namespace string
}

// App holds what the commands share.
type App struct {
	// Connect builds the Target from the flags.
	Connect Connector
	// Out receives results; Err receives progress of --wait.
	Out, Err io.Writer
	// Now tells the time (for "days left" and annotation values).
	Now func() time.Time
	// Poll is how often --wait looks again.
	Poll time.Duration

	flags KubeFlags
}

// KubeconfigConnector connects as kubectl does: --kubeconfig, KUBECONFIG
// or ~/.kube/config, --context, and the context's namespace unless -n.
func KubeconfigConnector(flags KubeFlags) (Target, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = flags.Kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: flags.Context}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := cc.ClientConfig()
	if err != nil {
		return Target{}, fmt.Errorf("load kubeconfig: %w", err)
	}
	ns := flags.Namespace
	if ns == "" {
		if ns, _, err = cc.Namespace(); err != nil {
			return Target{}, fmt.Errorf("namespace from kubeconfig: %w", err)
		}
	}
	// kubectl's own client limits: client-go's default (5/s, burst 10)
	// is spent by the REST mapper's discovery on a busy server, and a
	// short --timeout then ends in a rate-limiter error instead of the
	// wait's own message.
	cfg.QPS, cfg.Burst = kubectlQPS, kubectlBurst
	scheme, err := bssscheme.New()
	if err != nil {
		return Target{}, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return Target{}, fmt.Errorf("connect to the cluster: %w", err)
	}
	return Target{Client: c, Namespace: ns}, nil
}

// kubectlQPS and kubectlBurst are the client limits kubectl itself uses.
const (
	kubectlQPS   = 50
	kubectlBurst = 300
)

// Command returns the `kubectl bss` command tree.
func (a *App) Command() *cobra.Command {
	if a.Now == nil {
		a.Now = time.Now
	}
	if a.Poll <= 0 {
		a.Poll = time.Second
	}
	root := &cobra.Command{
		Use:   "kubectl-bss",
		Short: "Show and steer bss-operator's Huawei Cloud subscriptions",
		Long: "kubectl bss shows BillingAccounts, Subscriptions and RenewalRequests, and does what a person does by hand:\n" +
			"approve or deny a renewal, ask for a renewal now, refresh a subscription. Every renewal still passes the\n" +
			"operator's gates (price cap, approval, budget, window).\n\n" +
			"export writes a BillingAccount's resources as Observe-mode Subscription files for Git (docs/fleet.md).",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(a.Out)
	root.SetErr(a.Err)
	pf := root.PersistentFlags()
	pf.StringVar(&a.flags.Kubeconfig, "kubeconfig", "", "path to the kubeconfig file")
	pf.StringVar(&a.flags.Context, "context", "", "the kubeconfig context to use")
	pf.StringVarP(&a.flags.Namespace, "namespace", "n", "", "the namespace (default: the context's)")
	root.AddCommand(a.statusCommand(), a.quoteCommand(), a.refreshCommand(), a.renewCommand(),
		a.decisionCommand(billingv1alpha1.DecisionApprove), a.decisionCommand(billingv1alpha1.DecisionDeny),
		a.acknowledgeCommand(), a.reportCommand(), a.exportCommand())
	return root
}

// target connects with the parsed flags.
func (a *App) target() (Target, error) {
	return a.Connect(a.flags)
}

// waitFor polls until done reports true, or the timeout passes.
func (a *App) waitFor(ctx context.Context, timeout time.Duration, what string, done func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	gaveUp := func() error {
		return fmt.Errorf("gave up after %s waiting for %s; the request stands, check again with `kubectl bss status`", timeout, what)
	}
	for {
		ok, err := done(ctx)
		if err != nil {
			// The timeout may pass during a read: that is the same timeout.
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
				return gaveUp()
			}
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return gaveUp()
		case <-time.After(a.Poll):
		}
	}
}
