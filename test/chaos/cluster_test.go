package chaos

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// The cluster side of a scenario: the objects it seeds and the manager
// processes it starts, stops and kills.

// seedCluster creates the namespace, credentials, account, policies and a
// managed Subscription per resource; odd resources pay by the operator's
// own payment call, even ones with auto-pay.
func seedCluster(t *testing.T, m *sim, ns string, n int) {
	t.Helper()
	seed(t, m, cluster{ns: ns, n: n})
}

// cluster is what seed creates in one namespace.
type cluster struct {
	ns string
	// n Subscriptions, for vm-000 to vm-<n-1>.
	n int
	// approval is the policies' approval rule (default Never).
	approval billingv1alpha1.ApprovalPolicy
	// accessKey and secretKey are the account's credentials (default the
	// simulator's first pair, of operatorUser).
	accessKey, secretKey string
	// refresh is the account's refresh interval (default 30s).
	refresh time.Duration
}

// seed creates c's namespace, credentials, account, policies "autopay"
// and "pay", and a managed Subscription per resource; odd resources pay
// by the operator's own payment call, even ones with auto-pay.
func seed(t *testing.T, m *sim, c cluster) {
	t.Helper()
	ctx := context.Background()
	if c.accessKey == "" {
		c.accessKey, c.secretKey = m.AK, m.SK
	}
	if c.refresh == 0 {
		c.refresh = 30 * time.Second
	}
	ns := c.ns
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds",
			Labels: map[string]string{billingv1alpha1.LabelWatchSecret: "true"}},
			StringData: map[string]string{"accessKey": c.accessKey, "secretKey": c.secretKey}},
		&billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acct"},
			Spec: billingv1alpha1.BillingAccountSpec{Endpoint: m.URL, DomainID: m.DomainID,
				CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: "creds"},
				RefreshInterval:      &metav1.Duration{Duration: c.refresh}}},
	}
	for _, method := range []billingv1alpha1.PaymentMethod{billingv1alpha1.PaymentMethodAutoPay, billingv1alpha1.PaymentMethodPay} {
		objs = append(objs, &billingv1alpha1.RenewalPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: strings.ToLower(string(method))},
			Spec: billingv1alpha1.RenewalPolicySpec{Mode: billingv1alpha1.RenewalModeRenew, Renew: &billingv1alpha1.RenewSpec{
				RenewBefore: &metav1.Duration{Duration: 14 * 24 * time.Hour}, Period: billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1},
				Payment: billingv1alpha1.PaymentSpec{Method: method}, Approval: billingv1alpha1.ApprovalSpec{Policy: c.approval}}}})
	}
	for i := 0; i < c.n; i++ {
		policy := "autopay"
		if i%2 == 1 {
			policy = "pay"
		}
		id := vm(i)
		objs = append(objs, &billingv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: id},
			Spec: billingv1alpha1.SubscriptionSpec{AccountRef: billingv1alpha1.LocalObjectReference{Name: "acct"}, ResourceID: id,
				RenewalPolicyRef: &billingv1alpha1.LocalObjectReference{Name: policy}, ManagementPolicy: billingv1alpha1.ManagementManage}})
	}
	for _, o := range objs {
		if err := s.env.Client.Create(ctx, o); err != nil {
			t.Fatalf("create %T %s: %v", o, o.GetName(), err)
		}
	}
	// Objects outlive their namespace in envtest: quiet them at the end.
	t.Cleanup(func() {
		_ = s.env.Client.Delete(ctx, &billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acct"}})
	})
}

// vm is the ID (and Subscription name) of the simulator's i-th resource.
func vm(i int) string { return fmt.Sprintf("vm-%03d", i) }

// manager is a running manager binary.
type manager struct {
	name string
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
	m := &manager{name: name, cmd: cmd, done: make(chan struct{}), log: logf}
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

// terminate sends SIGTERM, as the kubelet does to a pod being replaced,
// and waits up to timeout for the process to exit; it returns the exit
// code, or -1 if the process was still running and was killed.
func (m *manager) terminate(t *testing.T, timeout time.Duration) int {
	t.Helper()
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
		return m.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Errorf("the manager did not exit within %s of SIGTERM", timeout)
		m.kill()
		return -1
	}
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
