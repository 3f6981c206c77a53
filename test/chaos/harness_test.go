// Package chaos runs the manager and simulator binaries as processes and
// breaks things (SIGKILL at random points, dropped responses, leader loss)
// while renewals are due, then checks the simulator's order book: exactly
// one renewal order per Subscription revision, and every due Subscription
// renewed. The short mode runs in `make test`; BSS_CHAOS_TRIALS sets the
// number of kills for the long mode (`make chaos`: 200).
package chaos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/testenv"
)

// suite holds what every test shares: the control plane and the binaries.
type suite struct {
	env        *testenv.Env
	dir        string
	kubeconfig string
	manager    string
	simulator  string
}

var s *suite

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "bss-chaos-")
	if err != nil {
		return 0, err
	}
	if os.Getenv("BSS_CHAOS_KEEP") == "" {
		defer os.RemoveAll(dir)
	} else {
		fmt.Fprintln(os.Stderr, "chaos: keeping", dir)
	}
	s = &suite{dir: dir, manager: filepath.Join(dir, "manager"), simulator: filepath.Join(dir, "bss-simulator")}
	for bin, pkg := range map[string]string{s.manager: "./cmd/manager", s.simulator: "./cmd/bss-simulator"} {
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Dir, cmd.Env = testenv.RepoRoot(), append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("build %s: %w: %s", pkg, err, out)
		}
	}
	if s.env, err = testenv.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = s.env.Stop() }()
	s.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := s.env.WriteKubeconfig(s.kubeconfig); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// trials is the number of kills: BSS_CHAOS_TRIALS, else short.
func trials(short int) int {
	if v, err := strconv.Atoi(os.Getenv("BSS_CHAOS_TRIALS")); err == nil && v > 0 {
		return v
	}
	return short
}

// sim is a running simulator binary.
type sim struct {
	URL      string
	DomainID string
	AK, SK   string
	cmd      *exec.Cmd
}

// startup is the simulator's first output line.
type startup struct {
	URL      string `json:"url"`
	Accounts []struct {
		DomainID  string `json:"domainId"`
		AccessKey string `json:"accessKey"`
		SecretKey string `json:"secretKey"`
	} `json:"accounts"`
}

// startSim starts the simulator binary with an inventory of n primary
// resources of one account, all expiring within days.
func startSim(t *testing.T, n int) *sim {
	t.Helper()
	var inv strings.Builder
	inv.WriteString("accounts:\n  - domainId: chaos0000000000000000000000000001\n    name: chaos\n    currency: USD\n    cash: \"100000000\"\n    credentials:\n      - accessKey: AKCHAOS0000000000001\n        secretKey: chaos-secret-1\n      - accessKey: AKCHAOS0000000000002\n        secretKey: chaos-secret-2\nresources:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&inv, "  - id: vm-%03d\n    account: chaos0000000000000000000000000001\n    name: vm-%03d\n    serviceTypeCode: hws.service.type.ec2\n    resourceTypeCode: hws.resource.type.vm\n    monthlyPrice: \"10.00\"\n    periodType: month\n    periodNum: 1\n    expiresIn: %dd\n", i, i, 3+i%3)
	}
	path := filepath.Join(t.TempDir(), "inventory.yaml")
	if err := os.WriteFile(path, []byte(inv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(s.simulator, "--inventory", path, "--seed", "7")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read simulator startup line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	var info startup
	if err := json.Unmarshal([]byte(line), &info); err != nil || len(info.Accounts) == 0 {
		t.Fatalf("simulator startup line %q: %v", line, err)
	}
	a := info.Accounts[0]
	return &sim{URL: info.URL, DomainID: a.DomainID, AK: a.AccessKey, SK: a.SecretKey, cmd: cmd}
}

// admin calls the simulator's admin API.
// endpointFlag allows the simulator's loopback URL, which the manager's
// default allowlist (the documented BSS hosts) refuses.
func (m *sim) endpointFlag() string { return "--bss-endpoints=" + m.URL }

func (m *sim) admin(t *testing.T, method, path string, body, out any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, m.URL+"/_sim/"+path, r)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("admin %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("admin %s %s: %d %s", method, path, res.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("admin %s %s: decode %s: %v", method, path, data, err)
		}
	}
}

// order is what the checks need of the simulator's order book.
type order struct {
	ID                string    `json:"id"`
	Type              int       `json:"type"`
	Status            int       `json:"status"`
	PrimaryResourceID string    `json:"primaryResourceId"`
	CreateTime        time.Time `json:"createTime"`
}

// resource is what the checks need of a simulator resource.
type resource struct {
	ID         string    `json:"id"`
	IsMain     bool      `json:"isMain"`
	ExpireTime time.Time `json:"expireTime"`
}

// verdict counts renewal orders per resource and resources not renewed.
type verdict struct {
	orders, duplicates, misses int
}

// check counts renewal orders and misses in the order book; a duplicate
// is explained (see explain) for the Subscriptions of namespace ns.
func (m *sim) check(t *testing.T, ns string, baseline map[string]time.Time) verdict {
	t.Helper()
	var orders []order
	m.admin(t, http.MethodGet, "orders", nil, &orders)
	var resources []resource
	m.admin(t, http.MethodGet, "resources", nil, &resources)
	perResource := map[string]int{}
	var v verdict
	for _, o := range orders {
		if o.Type == 2 {
			v.orders++
			perResource[o.PrimaryResourceID]++
		}
	}
	for id, n := range perResource {
		if n > 1 {
			v.duplicates += n - 1
			t.Errorf("resource %s has %d renewal orders, want 1", id, n)
			explain(t, ns, id, orders)
		}
	}
	for _, r := range resources {
		if base, ok := baseline[r.ID]; ok && !r.ExpireTime.After(base) {
			v.misses++
		}
	}
	return v
}

// explain logs what led to a duplicate: the resource's renewal orders,
// the RenewalRequests for it, and the Events of the namespace that name it
// or its requests (OrderPlaced, OrderAdopted, RenewalFailed, ...).
func explain(t *testing.T, ns, resourceID string, orders []order) {
	t.Helper()
	for _, o := range orders {
		if o.Type == 2 && o.PrimaryResourceID == resourceID {
			t.Logf("order %s status %d created %s", o.ID, o.Status, o.CreateTime.Format(time.RFC3339))
		}
	}
	ctx := context.Background()
	var rrs billingv1alpha1.RenewalRequestList
	if err := s.env.Client.List(ctx, &rrs, client.InNamespace(ns)); err != nil {
		t.Logf("list RenewalRequests: %v", err)
	}
	names := map[string]bool{}
	for _, rr := range rrs.Items {
		if rr.Spec.ResourceID != resourceID {
			continue
		}
		names[rr.Name] = true
		st := rr.Status
		t.Logf("RenewalRequest %s (uid %s, revision %d): phase %s, intent %v, renew calls %d, orders %v: %s",
			rr.Name, rr.UID, rr.Spec.Revision, st.Phase, st.OrderIntentTime, st.RenewCalls, st.OrderIDs, st.Message)
	}
	var events corev1.EventList
	if err := s.env.Client.List(ctx, &events, client.InNamespace(ns)); err != nil {
		t.Logf("list Events: %v", err)
	}
	sort.Slice(events.Items, func(i, j int) bool { return eventTime(&events.Items[i]).Before(eventTime(&events.Items[j])) })
	for i := range events.Items {
		e := &events.Items[i]
		if e.InvolvedObject.Name == resourceID || names[e.InvolvedObject.Name] {
			t.Logf("event %s %s/%s %s (x%d): %s", eventTime(e).Format("15:04:05.000"), e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Count, e.Message)
		}
	}
}

// eventTime is when an Event last happened, whichever API wrote it.
func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

// baseline reads every primary resource's current expiry.
func (m *sim) baseline(t *testing.T) map[string]time.Time {
	t.Helper()
	var resources []resource
	m.admin(t, http.MethodGet, "resources", nil, &resources)
	out := map[string]time.Time{}
	for _, r := range resources {
		if r.IsMain {
			out[r.ID] = r.ExpireTime
		}
	}
	return out
}

// seedCluster creates the namespace, credentials, account, policies and a
// managed Subscription per resource; odd resources pay by the operator's
// own payment call, even ones with auto-pay.
func seedCluster(t *testing.T, m *sim, ns string, n int) {
	t.Helper()
	ctx := context.Background()
	c := s.env.Client
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds",
			Labels: map[string]string{billingv1alpha1.LabelWatchSecret: "true"}},
			StringData: map[string]string{"accessKey": m.AK, "secretKey": m.SK}},
		&billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acct"},
			Spec: billingv1alpha1.BillingAccountSpec{Endpoint: m.URL, DomainID: m.DomainID,
				CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: "creds"},
				RefreshInterval:      &metav1.Duration{Duration: 30 * time.Second}}},
	}
	for _, method := range []billingv1alpha1.PaymentMethod{billingv1alpha1.PaymentMethodAutoPay, billingv1alpha1.PaymentMethodPay} {
		objs = append(objs, &billingv1alpha1.RenewalPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: strings.ToLower(string(method))},
			Spec: billingv1alpha1.RenewalPolicySpec{Mode: billingv1alpha1.RenewalModeRenew, Renew: &billingv1alpha1.RenewSpec{
				RenewBefore: &metav1.Duration{Duration: 14 * 24 * time.Hour}, Period: billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1},
				Payment: billingv1alpha1.PaymentSpec{Method: method}}}})
	}
	for i := 0; i < n; i++ {
		policy := "autopay"
		if i%2 == 1 {
			policy = "pay"
		}
		id := fmt.Sprintf("vm-%03d", i)
		objs = append(objs, &billingv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: id},
			Spec: billingv1alpha1.SubscriptionSpec{AccountRef: billingv1alpha1.LocalObjectReference{Name: "acct"}, ResourceID: id,
				RenewalPolicyRef: &billingv1alpha1.LocalObjectReference{Name: policy}, ManagementPolicy: billingv1alpha1.ManagementManage}})
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			t.Fatalf("create %T %s: %v", o, o.GetName(), err)
		}
	}
	// Objects outlive their namespace in envtest: quiet them at the end.
	t.Cleanup(func() {
		_ = c.Delete(ctx, &billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acct"}})
	})
}

// manager is a running manager binary.
type manager struct {
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
}

// startManager starts the manager binary with extra flags.
func startManager(t *testing.T, name string, args ...string) *manager {
	t.Helper()
	logf, err := os.Create(filepath.Join(s.dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"--metrics-bind-address=0", "--health-probe-bind-address=0", "--max-concurrent-renewals=8"}
	cmd := exec.Command(s.manager, append(base, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+s.kubeconfig)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m := &manager{cmd: cmd, done: make(chan struct{}), log: logf}
	go func() { _ = cmd.Wait(); _ = logf.Close(); close(m.done) }()
	t.Cleanup(func() {
		m.kill()
		if t.Failed() {
			data, _ := os.ReadFile(logf.Name())
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			if len(lines) > 25 {
				lines = lines[len(lines)-25:]
			}
			t.Logf("last lines of %s:\n%s", filepath.Base(logf.Name()), strings.Join(lines, "\n"))
		}
	})
	return m
}

// kill sends SIGKILL and waits for the process to go.
func (m *manager) kill() {
	select {
	case <-m.done:
		return
	default:
	}
	_ = m.cmd.Process.Signal(syscall.SIGKILL)
	<-m.done
}

// waitRenewed waits until every baseline resource's expiry moved.
func (m *sim) waitRenewed(t *testing.T, baseline map[string]time.Time, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var resources []resource
		m.admin(t, http.MethodGet, "resources", nil, &resources)
		left := 0
		for _, r := range resources {
			if base, ok := baseline[r.ID]; ok && !r.ExpireTime.After(base) {
				left++
			}
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d resources not renewed after %s", left, len(baseline), timeout)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
