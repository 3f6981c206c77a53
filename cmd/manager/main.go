// Command manager runs the bss-operator controllers.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	// Time zones of renewal windows and budgets must load in a distroless
	// image that has no zoneinfo.
	_ "time/tzdata"

	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/audit"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/controller"
	"github.com/bss-operator/bss-operator/internal/metrics"
	"github.com/bss-operator/bss-operator/internal/notify"
	"github.com/bss-operator/bss-operator/internal/renewal"
	"github.com/bss-operator/bss-operator/internal/scaledclock"
	bssscheme "github.com/bss-operator/bss-operator/internal/scheme"
)

// Defaults of the timing flags. They nest so that a BSS write in flight
// outlives neither the leader's lease nor the pod (issue 16, path 1):
// step timeout (2 × --bss-timeout) < graceful shutdown < termination grace
// period (config/manager), and step timeout < lease < termination grace
// period. TestTimeoutsNest checks them against the manifest.
const (
	// defaultBSSTimeout is --bss-timeout: one HTTP call to BSS.
	defaultBSSTimeout = 30 * time.Second
	// defaultLeaseDuration is --leader-elect-lease-duration. A standby
	// takes over a lease not renewed for this long; a renew call of the old
	// leader may last the whole step timeout.
	defaultLeaseDuration = 90 * time.Second
	// shutdownAllowance is how long after the step timeout the manager
	// still waits at shutdown for a reconcile to finish: the status write
	// that records a BSS write's answer.
	shutdownAllowance = 15 * time.Second
)

// options are the manager's command-line settings.
type options struct {
	metricsAddr          string
	probeAddr            string
	secureMetrics        bool
	enableHTTP2          bool
	leaderElect          bool
	leaderElectionID     string
	leaderElectionNS     string
	leaseDuration        time.Duration
	namespaces           string
	bssTimeout           time.Duration
	maxConcurrentRenewal int
	clockStart           string
	clockSpeed           float64
	kubeAPIQPS           float64
	kubeAPIBurst         int
	maxConcurrentSubs    int
	pprofAddr            string
	bssEndpoints         string
	webhookPolicy        notify.Policy
	quoteHorizon         time.Duration
}

func main() {
	var opts options
	bindFlags(flag.CommandLine, &opts)
	zapOpts := zap.Options{Development: false}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()

	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	if err := run(opts); err != nil {
		ctrl.Log.WithName("setup").Error(err, "manager exited")
		os.Exit(1)
	}
}

// bindFlags defines the manager's flags on fs.
func bindFlags(fs *flag.FlagSet, opts *options) {
	fs.StringVar(&opts.metricsAddr, "metrics-bind-address", "0",
		"Address the metrics endpoint binds to: :8443 for https, :8080 for http, 0 to disable.")
	fs.StringVar(&opts.probeAddr, "health-probe-bind-address", ":8081", "Address the health probes bind to.")
	fs.BoolVar(&opts.secureMetrics, "metrics-secure", true,
		"Serve metrics over https with authentication and authorization.")
	fs.BoolVar(&opts.enableHTTP2, "enable-http2", false,
		"Enable HTTP/2 for the metrics server (off by default: CVE-2023-44487, CVE-2023-39325).")
	fs.BoolVar(&opts.leaderElect, "leader-elect", false,
		"Use leader election, so that only one manager acts at a time.")
	fs.StringVar(&opts.leaderElectionID, "leader-election-id", "bss-operator.billing.bss-operator.io",
		"Name of the leader election lease.")
	fs.StringVar(&opts.leaderElectionNS, "leader-election-namespace", "",
		"Namespace of the leader election lease (defaults to the pod's namespace).")
	fs.DurationVar(&opts.leaseDuration, "leader-elect-lease-duration", defaultLeaseDuration,
		"How long a standby waits before taking over a lease the leader stopped renewing. Must be longer than "+
			"the BSS step timeout (2 × --bss-timeout), so that a renew call of the old leader is over before a new one acts; "+
			"the pod's termination grace period must be longer still.")
	fs.StringVar(&opts.namespaces, "namespaces", "",
		"Comma-separated namespaces to watch; empty watches all namespaces.")
	fs.StringVar(&opts.bssEndpoints, "bss-endpoints", defaultEndpointsFlag(),
		"Comma-separated BSS endpoints (https://host[:port]) that BillingAccounts may use, their site's default included; "+
			"credentials are sent to no other host. The default is the documented international and Chinese mainland endpoints.")
	fs.DurationVar(&opts.bssTimeout, "bss-timeout", defaultBSSTimeout,
		"Timeout of one BSS API call; one reconcile step, and one BSS write with it, is bounded by twice this.")
	fs.IntVar(&opts.maxConcurrentRenewal, "max-concurrent-renewals", 4,
		"RenewalRequests reconciled in parallel.")
	fs.Float64Var(&opts.kubeAPIQPS, "kube-api-qps", 200,
		"Requests per second to the Kubernetes API (status writes of many Subscriptions).")
	fs.IntVar(&opts.kubeAPIBurst, "kube-api-burst", 300, "Burst of requests to the Kubernetes API.")
	fs.IntVar(&opts.maxConcurrentSubs, "max-concurrent-subscriptions", 8,
		"Subscriptions reconciled in parallel.")
	fs.StringVar(&opts.clockStart, "clock-start", "",
		"Demo and tests only: run business time from this RFC 3339 instant instead of the wall clock.")
	fs.Float64Var(&opts.clockSpeed, "clock-speed", 1,
		"Demo and tests only: business seconds per real second (the BSS simulator's --speed).")
	fs.StringVar(&opts.pprofAddr, "pprof-bind-address", "",
		"Address of the Go profiler (net/http/pprof), for example 127.0.0.1:6060; empty disables it. Never expose it outside the pod.")
	fs.BoolVar(&opts.webhookPolicy.AllowHTTP, "webhook-allow-http", false,
		"Tests and labs only: allow BudgetAlert webhooks to plain http:// URLs (the URL's token and the spend figures travel unencrypted).")
	fs.DurationVar(&opts.quoteHorizon, "quote-horizon", renewal.DefaultQuoteHorizon,
		"How long before its next renewal or cloud auto-renew deduction a Manage Subscription keeps a renewal quote (4.2.3) "+
			"at most a day old, and a one-year comparison for renewals by 1-6 months, for kubectl bss report. "+
			"Observe Subscriptions never quote further ahead than the default (840h, 35 days). At most 9600h.")
	fs.BoolVar(&opts.webhookPolicy.AllowPrivate, "webhook-allow-private", false,
		"Allow BudgetAlert webhooks to loopback, private, link-local and other non-public addresses (a namespace user could otherwise make the operator probe internal services).")
}

// stepTimeout bounds the BSS calls of one reconcile step, a BSS write
// included (controller.Options.BSSTimeout).
func (o options) stepTimeout() time.Duration { return 2 * o.bssTimeout }

// shutdownTimeout is how long the manager waits at shutdown for reconciles
// in flight: a BSS write on the wire is finished and recorded, not cut.
func (o options) shutdownTimeout() time.Duration { return o.stepTimeout() + shutdownAllowance }

// leaderElection returns the lease duration, renew deadline and retry
// period. The leader gives up after failing to renew for two thirds of the
// lease, well before a standby may take it.
func (o options) leaderElection() (lease, renewDeadline, retryPeriod time.Duration) {
	return o.leaseDuration, o.leaseDuration * 2 / 3, max(o.leaseDuration/15, time.Second)
}

// checkQuoteHorizon refuses a --quote-horizon that is not positive or
// beyond renewal.MaxQuoteHorizon.
func checkQuoteHorizon(h time.Duration) error {
	if h <= 0 || h > renewal.MaxQuoteHorizon {
		return fmt.Errorf("--quote-horizon must be more than 0 and at most %s, got %s", renewal.MaxQuoteHorizon, h)
	}
	return nil
}

// checkTimeouts refuses timings under which a new leader could act while a
// BSS write of the old one may still be under way.
func checkTimeouts(o options) error {
	if o.bssTimeout <= 0 {
		return fmt.Errorf("--bss-timeout must be positive, got %s", o.bssTimeout)
	}
	if o.leaseDuration <= o.stepTimeout() {
		return fmt.Errorf("--leader-elect-lease-duration %s must be longer than the BSS step timeout %s (2 × --bss-timeout): "+
			"otherwise a new leader may act while a renew call of the old one is still under way", o.leaseDuration, o.stepTimeout())
	}
	return nil
}

// defaultEndpointsFlag is the default of --bss-endpoints: the documented
// BSS endpoints of the international and Chinese mainland sites.
func defaultEndpointsFlag() string { return strings.Join(bss.DefaultEndpoints(), ",") }

// endpointAllowlist parses --bss-endpoints. Credentials go to no endpoint
// outside it, whatever a BillingAccount's spec.endpoint says.
func endpointAllowlist(flagValue string) (*bss.EndpointAllowlist, error) {
	a, err := bss.NewEndpointAllowlist(strings.Split(flagValue, ","))
	if err != nil {
		return nil, fmt.Errorf("--bss-endpoints: %w", err)
	}
	return a, nil
}

// businessTiming is the wall clock, or for the demo an accelerated clock
// that matches the simulator's.
func businessTiming(opts options) (controller.Timing, error) {
	t := controller.Timing{Clock: clock.RealClock{}, Speed: 1, MinRequeue: time.Second}
	if opts.clockStart == "" && opts.clockSpeed == 1 {
		return t, nil
	}
	start := time.Now()
	if opts.clockStart != "" {
		var err error
		if start, err = time.Parse(time.RFC3339, opts.clockStart); err != nil {
			return t, fmt.Errorf("--clock-start: %w", err)
		}
	}
	if opts.clockSpeed <= 0 {
		return t, fmt.Errorf("--clock-speed must be positive, got %v", opts.clockSpeed)
	}
	t.Clock = scaledclock.New(clock.RealClock{}, start, opts.clockSpeed)
	t.Speed = opts.clockSpeed
	t.MinRequeue = 100 * time.Millisecond
	return t, nil
}

func run(opts options) error {
	log := ctrl.Log.WithName("setup")
	if err := checkTimeouts(opts); err != nil {
		return err
	}
	if err := checkQuoteHorizon(opts.quoteHorizon); err != nil {
		return err
	}
	scheme, err := bssscheme.New()
	if err != nil {
		return err
	}
	endpoints, err := endpointAllowlist(opts.bssEndpoints)
	if err != nil {
		return err
	}
	log.Info("BSS endpoints allowed", "endpoints", endpoints.String())

	var tlsOpts []func(*tls.Config)
	if !opts.enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOpts := metricsserver.Options{
		BindAddress:   opts.metricsAddr,
		SecureServing: opts.secureMetrics,
		TLSOpts:       tlsOpts,
	}
	if opts.secureMetrics {
		metricsOpts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}

	// Only labelled Secrets are watched, without their annotations, and
	// managedFields are dropped from every cached object (see accounts.CacheOptions).
	var namespaces []string
	for _, ns := range strings.Split(opts.namespaces, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			namespaces = append(namespaces, ns)
		}
	}
	cacheOpts := accounts.CacheOptions(namespaces)

	restCfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	restCfg.QPS, restCfg.Burst = float32(opts.kubeAPIQPS), opts.kubeAPIBurst
	lease, renewDeadline, retryPeriod := opts.leaderElection()
	shutdown := opts.shutdownTimeout()
	mgr, err := ctrl.NewManager(restCfg, ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsOpts,
		HealthProbeBindAddress:        opts.probeAddr,
		LeaderElection:                opts.leaderElect,
		LeaderElectionID:              opts.leaderElectionID,
		LeaderElectionNamespace:       opts.leaderElectionNS,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 &lease,
		RenewDeadline:                 &renewDeadline,
		RetryPeriod:                   &retryPeriod,
		GracefulShutdownTimeout:       &shutdown,
		Cache:                         cacheOpts,
		Client:                        accounts.ClientOptions(),
		PprofBindAddress:              opts.pprofAddr,
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}

	timing, err := businessTiming(opts)
	if err != nil {
		return err
	}
	bssMetrics, err := metrics.NewBSS(ctrlmetrics.Registry)
	if err != nil {
		return fmt.Errorf("register BSS metrics: %w", err)
	}
	factory := bss.NewFactory(bss.FactoryConfig{
		Endpoints:  endpoints,
		HTTPClient: bss.NewHTTPClient(opts.bssTimeout),
		Clock:      clock.RealClock{},
		Metrics:    bssMetrics,
		UserAgent:  "bss-operator",
		// One JSON record per BSS write (docs/operating.md, "Audit log"),
		// never sampled and whatever --zap-log-level says.
		Audit: audit.NewLogger(os.Stderr),
	})
	operatorMetrics, err := metrics.NewOperator(ctrlmetrics.Registry)
	if err != nil {
		return fmt.Errorf("register operator metrics: %w", err)
	}
	if err := controller.SetupWithManager(mgr, controller.Options{
		Metrics:               operatorMetrics,
		MetricsRegistry:       ctrlmetrics.Registry,
		Timing:                timing,
		Factory:               factory,
		BSSTimeout:            opts.stepTimeout(),
		MaxConcurrentRenewals: opts.maxConcurrentRenewal,
		MaxConcurrentSubs:     opts.maxConcurrentSubs,
		WebhookPolicy:         opts.webhookPolicy,
		QuoteHorizon:          opts.quoteHorizon,
	}); err != nil {
		return fmt.Errorf("set up controllers: %w", err)
	}

	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("add ready check: %w", err)
	}

	log.Info("starting manager")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		return fmt.Errorf("run manager: %w", err)
	}
	return nil
}
