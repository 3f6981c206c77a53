package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/testenv"
)

// quotas are the documented per-API limits (§3.3) by simulator operation.
var quotas = map[string]float64{simulator.OpListOrders: 20, simulator.OpMonthlySum: 25}

func quotaOf(op string) float64 {
	if q, ok := quotas[op]; ok {
		return q
	}
	return 10
}

// bench holds the control plane, the simulator and the manager binary.
type bench struct {
	cfg        config
	env        *testenv.Env
	sim        *simulator.Server
	ts         *httptest.Server
	dir        string
	kubeconfig string
	manager    string
	seq        int
}

// newBench builds the manager and starts the control plane and the
// simulator. On an error it still returns what it started, to be closed.
func newBench(ctx context.Context, cfg config) (*bench, error) {
	dir, err := os.MkdirTemp("", "bss-bench-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	b := &bench{cfg: cfg, dir: dir}
	fmt.Fprintln(os.Stderr, "building the manager")
	b.manager = filepath.Join(dir, "manager")
	build := exec.CommandContext(ctx, "go", "build", "-o", b.manager, "./cmd/manager")
	build.Dir, build.Stderr, build.Env = testenv.RepoRoot(), os.Stderr, append(os.Environ(), "CGO_ENABLED=0")
	if err := build.Run(); err != nil {
		return b, fmt.Errorf("build manager: %w", err)
	}
	fmt.Fprintln(os.Stderr, "starting the control plane")
	if b.env, err = testenv.Start(); err != nil {
		return b, err
	}
	b.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := b.env.WriteKubeconfig(b.kubeconfig); err != nil {
		return b, err
	}
	b.sim = simulator.New()
	b.ts = httptest.NewServer(b.sim)
	return b, nil
}

func (b *bench) close() {
	if b.ts != nil {
		b.ts.Close()
	}
	if b.env != nil {
		_ = b.env.Stop()
	}
	_ = os.RemoveAll(b.dir)
}

// managerWorkers is the manager's reconcile concurrency per kind in the
// bench, and the bench's own when it measures the apiserver's write rate.
const managerWorkers = 16

// managerProc is a running manager binary.
type managerProc struct {
	cmd  *exec.Cmd
	done chan struct{}
	// pprof is the profiler's address, empty when not profiling.
	pprof string
}

func (b *bench) startManager(ctx context.Context, name string) (*managerProc, error) {
	logf, err := os.Create(filepath.Join(b.dir, "manager-"+name+".log"))
	if err != nil {
		return nil, fmt.Errorf("manager log: %w", err)
	}
	args := []string{"--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--kube-api-qps=500", "--kube-api-burst=1000", "--bss-endpoints=" + b.ts.URL,
		fmt.Sprintf("--max-concurrent-subscriptions=%d", managerWorkers), fmt.Sprintf("--max-concurrent-renewals=%d", managerWorkers)}
	// Later flags win: -manager-flags overrides the settings above.
	args = append(args, strings.Fields(b.cfg.managerFlags)...)
	var pprofAddr string
	if b.cfg.profileDir != "" {
		if pprofAddr, err = freeAddress(ctx); err != nil {
			return nil, err
		}
		args = append(args, "--pprof-bind-address="+pprofAddr)
	}
	cmd := exec.CommandContext(ctx, b.manager, args...)
	// The same GOMEMLIMIT as config/manager/manager.yaml ships.
	cmd.Env = append(os.Environ(), "KUBECONFIG="+b.kubeconfig, "GOMEMLIMIT=160MiB")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start manager: %w", err)
	}
	p := &managerProc{cmd: cmd, done: make(chan struct{}), pprof: pprofAddr}
	go func() { _ = cmd.Wait(); _ = logf.Close(); close(p.done) }()
	return p, nil
}

func (p *managerProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// procStats reads a process's resident and peak memory (MiB) and CPU seconds.
func procStats(pid int) (rss, peak, cpu float64) {
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && (f[0] == "VmRSS:" || f[0] == "VmHWM:") {
				kb, _ := strconv.ParseFloat(f[1], 64)
				if f[0] == "VmRSS:" {
					rss = kb / 1024
				} else {
					peak = kb / 1024
				}
			}
		}
	}
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		s := string(stat)
		if i := strings.LastIndexByte(s, ')'); i > 0 {
			f := strings.Fields(s[i+2:])
			if len(f) > 13 {
				ut, _ := strconv.ParseFloat(f[11], 64)
				st, _ := strconv.ParseFloat(f[12], 64)
				cpu = (ut + st) / 100 // USER_HZ
			}
		}
	}
	return rss, peak, cpu
}

// seedAccount creates a simulator account with its Secret and BillingAccount.
func (b *bench) seedAccount(ctx context.Context, ns string) (string, error) {
	b.seq++
	domain := fmt.Sprintf("bench%027d", b.seq)
	ak, sk := fmt.Sprintf("AKB%017d", b.seq), fmt.Sprintf("bench-secret-%d", b.seq)
	if err := b.sim.AddAccount(simulator.AccountSeed{DomainID: domain, Name: "bench", Currency: "USD",
		Cash: decimal.RequireFromString("100000000"), Credentials: []simulator.Credential{{AccessKey: ak, SecretKey: sk}}}); err != nil {
		return "", fmt.Errorf("seed account: %w", err)
	}
	name := fmt.Sprintf("acct-%d", b.seq)
	objs := []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name,
			Labels: map[string]string{billingv1alpha1.LabelWatchSecret: "true"}},
			StringData: map[string]string{"accessKey": ak, "secretKey": sk}},
		&billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: billingv1alpha1.BillingAccountSpec{Endpoint: b.ts.URL, DomainID: domain,
				CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: name},
				RefreshInterval:      &metav1.Duration{Duration: b.cfg.refresh}}},
	}
	for _, o := range objs {
		if err := b.env.Client.Create(ctx, o); err != nil {
			return "", fmt.Errorf("create %T: %w", o, err)
		}
	}
	return name, nil
}

// seedSubscriptions creates n resources expiring at expiresIn (spread by a
// day) and their Subscriptions under policy, managerWorkers at a time.
func (b *bench) seedSubscriptions(ctx context.Context, ns, acct, domain, policy string, n int, expiresIn time.Duration) ([]string, error) {
	ids := make([]string, n)
	now := time.Now()
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-vm-%05d", acct, i)
		exp := now.Add(expiresIn + time.Duration(i%24)*time.Hour)
		if err := b.sim.AddResource(simulator.ResourceSeed{ID: ids[i], Account: domain, Name: ids[i],
			ServiceTypeCode: "hws.service.type.ec2", ResourceTypeCode: "hws.resource.type.vm",
			MonthlyPrice: decimal.RequireFromString("10"), PeriodType: "month", PeriodNum: 1, ExpireTime: &exp}); err != nil {
			return nil, fmt.Errorf("seed resource: %w", err)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(managerWorkers)
	for _, id := range ids {
		g.Go(func() error {
			sub := &billingv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: id},
				Spec: billingv1alpha1.SubscriptionSpec{AccountRef: billingv1alpha1.LocalObjectReference{Name: acct},
					ResourceID: id, RenewalPolicyRef: &billingv1alpha1.LocalObjectReference{Name: policy},
					ManagementPolicy: billingv1alpha1.ManagementManage}}
			if err := b.env.Client.Create(gctx, sub); err != nil {
				return fmt.Errorf("create Subscription: %w", err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return ids, nil
}

// subsWatch is the bench's view of one namespace's Subscriptions: a watch
// started before the change it waits for, so that no wait pays for a LIST
// of 10,000 objects inside the interval it measures. It watches rather
// than lists: listing 10,000 objects every half second would load the
// apiserver the bench is measuring.
type subsWatch struct {
	cache  cache.Cache
	cancel context.CancelFunc
}

// watchSubs starts watching the Subscriptions in ns and returns once the
// watch has listed them.
func (b *bench) watchSubs(ctx context.Context, ns string) (*subsWatch, error) {
	c, err := cache.New(b.env.Config, cache.Options{Scheme: b.env.Scheme, DefaultNamespaces: map[string]cache.Config{ns: {}}})
	if err != nil {
		return nil, fmt.Errorf("watch cache: %w", err)
	}
	if _, err := c.GetInformer(ctx, &billingv1alpha1.Subscription{}); err != nil {
		return nil, fmt.Errorf("watch Subscriptions: %w", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() { _ = c.Start(cctx) }()
	if !c.WaitForCacheSync(cctx) {
		cancel()
		return nil, fmt.Errorf("watch cache did not sync")
	}
	return &subsWatch{cache: c, cancel: cancel}, nil
}

func (w *subsWatch) stop() { w.cancel() }

// waitResult says when a wait began to see progress and when it ended.
type waitResult struct {
	// first is the time until the first object satisfied the condition:
	// in the convergence wait, until the account's next listing landed.
	first time.Duration
	// all is the time until every object did.
	all time.Duration
}

// wait waits until want Subscriptions satisfy ok, measuring from since.
func (w *subsWatch) wait(ctx context.Context, since time.Time, want int, timeout time.Duration, ok func(*billingv1alpha1.Subscription) bool) (waitResult, error) {
	var res waitResult
	deadline := time.Now().Add(timeout)
	lastReport := since
	for {
		var list billingv1alpha1.SubscriptionList
		// Read-only: copying 10,000 objects every poll would load the
		// machine the bench measures.
		if err := w.cache.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
			return res, fmt.Errorf("list cached Subscriptions: %w", err)
		}
		done := 0
		for i := range list.Items {
			if ok(&list.Items[i]) {
				done++
			}
		}
		if done > 0 && res.first == 0 {
			res.first = time.Since(since)
		}
		if done >= want {
			res.all = time.Since(since)
			return res, nil
		}
		if time.Since(lastReport) >= 5*time.Second {
			// The curve tells waiting for a refresh from writing statuses.
			lastReport = time.Now()
			fmt.Fprintf(os.Stderr, "   %5.0fs: %d of %d\n", time.Since(since).Seconds(), done, want)
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("only %d of %d Subscriptions ready after %s", done, want, timeout)
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// throttled counts 429 answers in simulator counters.
func throttled(c simulator.Counters) int {
	n := 0
	for _, byStatus := range c.Calls {
		n += byStatus[429]
	}
	return n
}

// totalCalls counts all answered calls.
func totalCalls(c simulator.Counters) int {
	n := 0
	for op := range c.Calls {
		n += c.Total(op)
	}
	return n
}

// refreshCounts returns the BSS calls answered between two snapshots of
// the simulator's counters and the account refreshes among them. Every
// refresh of an account starts with one balance query (5.1) and, when it
// is answered, goes on to the listing (BillingAccountReconciler.sync), and
// nothing else in the bench's steady state queries a balance (BudgetAlerts
// do; the load scenarios create none). So the balance queries answered 200
// are the refreshes that happened. Dividing by the intervals waited
// instead under-reported: refreshes come a little less often than once an
// interval (the jitter adds up to 10 %), so fewer fell into the window.
func refreshCounts(before, after simulator.Counters) (calls, refreshes int) {
	calls = totalCalls(after) - totalCalls(before)
	refreshes = after.Calls[simulator.OpBalances][http.StatusOK] - before.Calls[simulator.OpBalances][http.StatusOK]
	return calls, refreshes
}

// quietCounters returns the simulator's counters at a moment when no BSS
// call has been answered for a second, so that a window between two such
// snapshots holds whole refreshes (a refresh's calls follow each other far
// less than a second apart). It gives up after two refresh intervals and
// returns the latest snapshot.
func (b *bench) quietCounters(ctx context.Context) (simulator.Counters, error) {
	deadline := time.Now().Add(2 * b.cfg.refresh)
	last := b.sim.Counters()
	lastChange := time.Now()
	for {
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		c := b.sim.Counters()
		if totalCalls(c) != totalCalls(last) {
			last, lastChange = c, time.Now()
			continue
		}
		if time.Since(lastChange) >= time.Second {
			return last, nil
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "   BSS calls did not pause for a second in %s; a refresh may be split by the window\n", 2*b.cfg.refresh)
			return last, nil
		}
	}
}
