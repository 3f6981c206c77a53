package controller_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shopspring/decimal"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	testingclock "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/controller"
	"github.com/bss-operator/bss-operator/internal/metrics"
	"github.com/bss-operator/bss-operator/internal/notify"
	"github.com/bss-operator/bss-operator/internal/testenv"
)

// harness is one control plane, one BSS simulator and one manager running
// every reconciler, shared by the tests of this package. Business time is a
// fake clock shared by the simulator and the controllers; tests move it
// with advance. Tests run one at a time and isolate themselves with a
// fresh namespace and a fresh simulator account each.
type harness struct {
	env   *testenv.Env
	sim   *simulator.Server
	url   string
	clock *testingclock.FakeClock
	seq   atomic.Int64
	// endpoints allows the simulator's loopback URL only.
	endpoints *bss.EndpointAllowlist
	// mgr is the shared manager (its cache is what tests inspect).
	mgr ctrl.Manager
}

// watchLabel is the label a Secret needs for the operator to read it.
func watchLabel() map[string]string {
	return map[string]string{billingv1alpha1.LabelWatchSecret: "true"}
}

var h *harness

// start is the business time the tests begin at.
var start = time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.Level(zapcore.Level(zapLevel()))))
	env, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()

	fake := testingclock.NewFakeClock(start)
	sim := simulator.New(simulator.WithClock(fake), simulator.WithRealClock(clock.RealClock{}))
	ts := httptest.NewServer(sim)
	defer ts.Close()
	h = &harness{env: env, sim: sim, url: ts.URL, clock: fake}

	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:  env.Scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		// As in the manager: no informer over Secret data, and a watch
		// over labelled Secrets' metadata only.
		Client: accounts.ClientOptions(),
		Cache:  accounts.CacheOptions(nil),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	h.mgr = mgr
	bssMetrics, err := metrics.NewBSS(prometheus.NewRegistry())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The simulator listens on loopback: allowed explicitly, as the
	// manager's --bss-endpoints flag does for the demo.
	endpoints, err := bss.NewEndpointAllowlist([]string{ts.URL})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	h.endpoints = endpoints
	factory := bss.NewFactory(bss.FactoryConfig{HTTPClient: ts.Client(), Clock: clock.RealClock{}, Metrics: bssMetrics, Endpoints: endpoints,
		Audit: auditLog.logger()})
	if err := controller.SetupWithManager(mgr, controller.Options{
		Timing:     controller.Timing{Clock: fake, Speed: 1, MinRequeue: 50 * time.Millisecond, MaxRequeue: 300 * time.Millisecond},
		Factory:    factory,
		BSSTimeout: 10 * time.Second,
		// Test webhook receivers are httptest servers on loopback.
		WebhookPolicy: notify.Policy{AllowHTTP: true, AllowPrivate: true},
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		fmt.Fprintln(os.Stderr, "cache did not sync")
		return 1
	}
	return m.Run()
}

// zapLevel is -10 (everything) when BSS_TEST_DEBUG is set, else errors only.
func zapLevel() int8 {
	if os.Getenv("BSS_TEST_DEBUG") != "" {
		return -10
	}
	return 2
}

// ctx is the context of test calls.
func ctx() context.Context { return context.Background() }

// advance moves business time forward (simulator and controllers alike).
func (h *harness) advance(d time.Duration) {
	h.clock.Step(d)
	h.sim.Tick()
}

// account is a simulator account with its BillingAccount and Secret.
type account struct {
	DomainID string
	Name     string
	NS       string
	AK, SK   string
}

// newAccount creates a simulator account with cash, its credentials Secret
// and a BillingAccount named "acct" in ns.
func (h *harness) newAccount(t *testing.T, ns, cash string) account {
	t.Helper()
	n := h.seq.Add(1)
	a := account{DomainID: fmt.Sprintf("domain%024d", n), Name: "acct", NS: ns}
	ak, sk := fmt.Sprintf("AK%018d", n), fmt.Sprintf("SK-secret-%d", n)
	a.AK, a.SK = ak, sk
	if err := h.sim.AddAccount(simulator.AccountSeed{
		DomainID:    a.DomainID,
		Name:        "customer-" + ns,
		Currency:    "USD",
		Cash:        decimal.RequireFromString(cash),
		Credentials: []simulator.Credential{{AccessKey: ak, SecretKey: sk}},
	}); err != nil {
		t.Fatalf("add simulator account: %v", err)
	}
	mustCreate(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bss-credentials", Labels: watchLabel()},
		StringData: map[string]string{billingv1alpha1.SecretKeyAccessKey: ak, billingv1alpha1.SecretKeySecretKey: sk},
	})
	// envtest runs no namespace controller, so objects outlive their
	// namespace: deleting the account at the end stops this test's
	// subscriptions from acting while later tests move the clock.
	t.Cleanup(func() {
		_ = h.env.Client.Delete(ctx(), &billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: a.Name}})
	})
	mustCreate(t, &billingv1alpha1.BillingAccount{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: a.Name},
		Spec: billingv1alpha1.BillingAccountSpec{
			Endpoint:             h.url,
			DomainID:             a.DomainID,
			CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: "bss-credentials"},
			RefreshInterval:      &metav1.Duration{Duration: time.Minute},
		},
	})
	return a
}

// resourceOpts shape a seeded resource.
type resourceOpts struct {
	expiresIn    time.Duration
	monthly      string
	autoRenew    bool
	toOnDemand   bool
	attached     int
	expirePolicy int
	// serviceType and region default to an ECS in ap-southeast-1.
	serviceType string
	region      string
	// effectiveAgo, if set, is how long ago the resource was bought
	// (effective_time); by default one period before its expiry.
	effectiveAgo time.Duration
}

// newResource seeds a primary ECS resource for the account and returns its ID.
func (h *harness) newResource(t *testing.T, a account, o resourceOpts) string {
	t.Helper()
	n := h.seq.Add(1)
	id := fmt.Sprintf("ecs-%06d", n)
	if o.monthly == "" {
		o.monthly = "100.00"
	}
	if o.serviceType == "" {
		o.serviceType = "hws.service.type.ec2"
	}
	if o.region == "" {
		o.region = "ap-southeast-1"
	}
	exp := h.clock.Now().Add(o.expiresIn)
	seed := simulator.ResourceSeed{
		ID: id, Account: a.DomainID, Name: "vm-" + id, Region: o.region, ProjectID: "proj-" + a.DomainID,
		ServiceTypeCode: o.serviceType, ResourceTypeCode: "hws.resource.type.vm",
		SpecCode: "s6.large.2.linux", MonthlyPrice: decimal.RequireFromString(o.monthly),
		PeriodType: "month", PeriodNum: 1, ExpireTime: &exp,
		AutoRenew: o.autoRenew, ToOnDemand: o.toOnDemand, ExpirePolicy: o.expirePolicy,
	}
	for i := 0; i < o.attached; i++ {
		seed.Attached = append(seed.Attached, simulator.ResourceSeed{
			ID: fmt.Sprintf("%s-evs-%d", id, i), Name: fmt.Sprintf("disk-%d", i),
			ServiceTypeCode: "hws.service.type.ebs", ResourceTypeCode: "hws.resource.type.volume",
			SpecCode: "GPSSD", MonthlyPrice: decimal.RequireFromString("4.00"),
		})
	}
	if o.effectiveAgo > 0 {
		eff := h.clock.Now().Add(-o.effectiveAgo)
		seed.EffectiveTime = &eff
	}
	if err := h.sim.AddResource(seed); err != nil {
		t.Fatalf("add simulator resource: %v", err)
	}
	return id
}

func mustCreate(t *testing.T, obj client.Object) {
	t.Helper()
	if err := h.env.Client.Create(ctx(), obj); err != nil {
		t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
	}
}

// eventually polls f until it returns nil or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = f(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("condition not met within %v: %v", timeout, err)
}

// consistently fails if f returns an error at any point during d.
func consistently(t *testing.T, d time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if err := f(); err != nil {
			t.Fatalf("condition broken: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// condition returns a condition of a conditions list, or nil.
func condition(conds []metav1.Condition, typ string) *metav1.Condition {
	return meta.FindStatusCondition(conds, typ)
}

// wantCondition checks a condition's status and, if reason is not empty, its reason.
func wantCondition(conds []metav1.Condition, typ string, status metav1.ConditionStatus, reason string) error {
	c := condition(conds, typ)
	if c == nil {
		return fmt.Errorf("no %s condition in %s", typ, describeConditions(conds))
	}
	if c.Status != status || (reason != "" && c.Reason != reason) {
		return fmt.Errorf("%s is %s/%s (%q), want %s/%s", typ, c.Status, c.Reason, c.Message, status, reason)
	}
	return nil
}

// wantConditionTypes checks that conds hold exactly the given types.
func wantConditionTypes(conds []metav1.Condition, types ...string) error {
	have := make([]string, 0, len(conds))
	for _, c := range conds {
		have = append(have, c.Type)
	}
	want := slices.Clone(types)
	slices.Sort(have)
	slices.Sort(want)
	if !slices.Equal(have, want) {
		return fmt.Errorf("conditions %s, want exactly %v", describeConditions(conds), want)
	}
	return nil
}

func describeConditions(conds []metav1.Condition) string {
	var b strings.Builder
	for _, c := range conds {
		fmt.Fprintf(&b, "[%s=%s %s: %s] ", c.Type, c.Status, c.Reason, c.Message)
	}
	return b.String()
}

// get reads an object fresh from the apiserver.
func get(t *testing.T, ns, name string, obj client.Object) {
	t.Helper()
	if err := h.env.Client.Get(ctx(), client.ObjectKey{Namespace: ns, Name: name}, obj); err != nil {
		t.Fatalf("get %T %s/%s: %v", obj, ns, name, err)
	}
}

// getErr reads an object fresh from the apiserver.
func getErr(ns, name string, obj client.Object) error {
	return h.env.Client.Get(ctx(), client.ObjectKey{Namespace: ns, Name: name}, obj)
}
