package plugin_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/plugin"
	"github.com/bss-operator/bss-operator/internal/testenv"
)

var (
	env        *testenv.Env
	kubeconfig string
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	var err error
	if env, err = testenv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "start the control plane:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	// The shipped admission policies are in force, so every decision the
	// plugin writes here must pass them.
	if err := env.InstallAdmissionPolicies(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "install the admission policies:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "kubectl-bss-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := env.WriteKubeconfig(kubeconfig); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// now is the plugin's clock in these tests.
var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// kubectlBSS runs the plugin as `kubectl bss args...`, connected through
// the kubeconfig file as the binary is, and returns its output.
func kubectlBSS(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	app := &plugin.App{Connect: plugin.KubeconfigConnector, Out: &out, Err: &out,
		Now: func() time.Time { return now }, Poll: 50 * time.Millisecond}
	cmd := app.Command()
	cmd.SetArgs(append([]string{"--kubeconfig", kubeconfig}, args...))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := env.Client.Create(context.Background(), obj); err != nil {
		t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
	}
}

// setStatus writes an object's status as the operator would.
func setStatus(t *testing.T, obj client.Object, mutate func()) {
	t.Helper()
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
		t.Fatal(err)
	}
	orig := obj.DeepCopyObject().(client.Object)
	mutate()
	if err := env.Client.Status().Patch(context.Background(), obj, client.MergeFrom(orig)); err != nil {
		t.Fatalf("write status of %s: %v", obj.GetName(), err)
	}
}

func subscription(ns, name string, mgmt billingv1alpha1.ManagementPolicy) *billingv1alpha1.Subscription {
	return &billingv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: billingv1alpha1.SubscriptionSpec{AccountRef: billingv1alpha1.LocalObjectReference{Name: "huawei"},
			ResourceID: "ecs-" + name, ManagementPolicy: mgmt,
			RenewalPolicyRef: &billingv1alpha1.LocalObjectReference{Name: "monthly"}}}
}

func request(ns, name string) *billingv1alpha1.RenewalRequest {
	return &billingv1alpha1.RenewalRequest{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: billingv1alpha1.RenewalRequestSpec{SubscriptionName: "web", AccountRef: billingv1alpha1.LocalObjectReference{Name: "huawei"},
			ResourceID: "ecs-web", Revision: 1, BaselineExpireTime: metav1.NewTime(now.Add(10 * 24 * time.Hour)),
			Period:  billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1},
			Payment: billingv1alpha1.PaymentSpec{Method: billingv1alpha1.PaymentMethodPay}}}
}

// awaitingApproval creates a request that waits for approval at a quote.
func awaitingApproval(t *testing.T, ns, name string) *billingv1alpha1.RenewalRequest {
	rr := request(ns, name)
	create(t, rr)
	setStatus(t, rr, func() {
		rr.Status.Phase = billingv1alpha1.RenewalPhaseAwaitingApproval
		rr.Status.ApprovalState = billingv1alpha1.ApprovalStateRequired
		rr.Status.Quote = &billingv1alpha1.PriceQuote{Price: billingv1alpha1.Money{Amount: "612.00", Currency: "USD"}}
	})
	return rr
}

// operatorUser is who the API server says the kubeconfig's user is (it
// differs from the control plane's own admin identity).
func operatorUser(t *testing.T) string {
	t.Helper()
	target, err := plugin.KubeconfigConnector(plugin.KubeFlags{Kubeconfig: kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	review := &authenticationv1.SelfSubjectReview{}
	if err := target.Client.Create(context.Background(), review); err != nil {
		t.Fatal(err)
	}
	return review.Status.UserInfo.Username
}

// TestDecisions: approve and deny write spec.approval with the caller's
// authenticated identity, and refuse what cannot be decided.
func TestDecisions(t *testing.T) {
	ns := env.Namespace(t)
	user := operatorUser(t)
	if user == "" {
		t.Fatal("the control plane names no user")
	}
	awaitingApproval(t, ns, "web-r1")
	awaitingApproval(t, ns, "web-r2")
	awaitingApproval(t, ns, "web-r3")
	ended := request(ns, "web-r0")
	create(t, ended)
	setStatus(t, ended, func() { ended.Status.Phase = billingv1alpha1.RenewalPhaseSucceeded })

	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, out string)
	}{
		{name: "approve with a cap", args: []string{"approve", "web-r1", "-n", ns, "--reason", "capacity plan", "--max-amount", "650"},
			check: func(t *testing.T, out string) {
				var rr billingv1alpha1.RenewalRequest
				if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "web-r1"}, &rr); err != nil {
					t.Fatal(err)
				}
				a := rr.Spec.Approval
				if a == nil || a.Decision != billingv1alpha1.DecisionApprove || a.Approver != user || a.Reason != "capacity plan" ||
					a.MaxAmount == nil || a.MaxAmount.Amount != "650" || a.MaxAmount.Currency != "USD" {
					t.Fatalf("approval %+v (max %+v), want Approve by %s up to 650 USD", a, a.MaxAmount, user)
				}
				if !strings.Contains(out, "approved by "+user) {
					t.Fatalf("output %q", out)
				}
			}},
		{name: "second decision refused", args: []string{"deny", "web-r1", "-n", ns, "--reason", "changed my mind"},
			wantErr: "already decided (Approve by " + user},
		{name: "deny needs a reason", args: []string{"deny", "web-r2", "-n", ns}, wantErr: "deny needs --reason"},
		{name: "deny", args: []string{"deny", "web-r2", "-n", ns, "--reason", "decommissioning"},
			check: func(t *testing.T, _ string) {
				var rr billingv1alpha1.RenewalRequest
				if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "web-r2"}, &rr); err != nil {
					t.Fatal(err)
				}
				if a := rr.Spec.Approval; a == nil || a.Decision != billingv1alpha1.DecisionDeny || a.Approver != user || a.MaxAmount != nil {
					t.Fatalf("approval %+v, want Deny by %s", a, user)
				}
			}},
		{name: "ended request", args: []string{"approve", "web-r0", "-n", ns}, wantErr: "has ended (Succeeded)"},
		{name: "bad amount", args: []string{"approve", "web-r3", "-n", ns, "--max-amount", "lots"}, wantErr: `--max-amount "lots" is not an amount`},
		{name: "unknown request", args: []string{"approve", "nope", "-n", ns}, wantErr: "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := kubectlBSS(t, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, out)
		})
	}
}

// fakeOperator answers annotations as the Subscription controller does,
// until stopped.
func fakeOperator(t *testing.T, ns, name string, handle func(sub *billingv1alpha1.Subscription) bool) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			var sub billingv1alpha1.Subscription
			if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &sub); err == nil {
				orig := sub.DeepCopy()
				if handle(&sub) {
					_ = env.Client.Status().Patch(ctx, &sub, client.MergeFrom(orig))
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// TestRefreshAndQuote: refresh sets a new annotation value each time and
// --wait returns once the operator reports it handled; without an operator
// it gives up with a clear error; quote prints the price.
func TestRefreshAndQuote(t *testing.T) {
	ns := env.Namespace(t)
	create(t, subscription(ns, "web", billingv1alpha1.ManagementObserve))

	if _, err := kubectlBSS(t, "refresh", "web", "-n", ns, "--wait", "--timeout", "500ms"); err == nil ||
		!strings.Contains(err.Error(), "gave up after 500ms") {
		t.Fatalf("refresh without an operator: %v, want a timeout", err)
	}
	stop := fakeOperator(t, ns, "web", func(s *billingv1alpha1.Subscription) bool {
		v := s.Annotations[billingv1alpha1.AnnotationRefresh]
		if v == "" || v == s.Status.RefreshHandled {
			return false
		}
		s.Status.RefreshHandled = v
		s.Status.LastQuote = &billingv1alpha1.PriceQuote{Price: billingv1alpha1.Money{Amount: "98.50", Currency: "USD"},
			OfficialPrice: &billingv1alpha1.Money{Amount: "100.00", Currency: "USD"}, Discount: &billingv1alpha1.Money{Amount: "1.50", Currency: "USD"},
			Period: &billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}}
		s.Status.PlannedAction = "renew 1 month at 2026-12-01T00:00:00Z for 98.50 USD"
		return true
	})
	defer stop()
	before := now
	now = now.Add(time.Second) // a new value
	defer func() { now = before }()
	out, err := kubectlBSS(t, "quote", "web", "-n", ns, "--refresh", "--timeout", "20s")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"refresh requested", "costs 98.50 USD", "for 1 Month", "list price 100.00 USD"} {
		if !strings.Contains(out, want) {
			t.Errorf("quote output lacks %q:\n%s", want, out)
		}
	}
	var sub billingv1alpha1.Subscription
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "web"}, &sub); err != nil {
		t.Fatal(err)
	}
	if sub.Annotations[billingv1alpha1.AnnotationRefresh] != now.UTC().Format(time.RFC3339Nano) {
		t.Fatalf("annotation %q", sub.Annotations[billingv1alpha1.AnnotationRefresh])
	}
	if _, err := kubectlBSS(t, "quote", "nope", "-n", ns); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("quote of a missing subscription: %v", err)
	}
}

// TestRenew: renew refuses a Subscription the operator will not renew, and
// --wait follows the RenewalRequest the operator starts to its end.
func TestRenew(t *testing.T) {
	ns := env.Namespace(t)
	create(t, subscription(ns, "observed", billingv1alpha1.ManagementObserve))
	if _, err := kubectlBSS(t, "renew", "observed", "-n", ns); err == nil || !strings.Contains(err.Error(), "Observe mode") {
		t.Fatalf("renew of an observed subscription: %v", err)
	}
	var sub billingv1alpha1.Subscription
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "observed"}, &sub); err != nil {
		t.Fatal(err)
	}
	if _, ok := sub.Annotations[billingv1alpha1.AnnotationRenewNow]; ok {
		t.Fatal("a refused renew still set the annotation")
	}

	create(t, subscription(ns, "web", billingv1alpha1.ManagementManage))
	stop := fakeOperator(t, ns, "web", func(s *billingv1alpha1.Subscription) bool {
		v := s.Annotations[billingv1alpha1.AnnotationRenewNow]
		if v == "" || v == s.Status.RenewNowHandled {
			return false
		}
		rr := request(ns, "web-r1")
		if err := env.Client.Create(context.Background(), rr); err != nil {
			return false
		}
		rr.Status.Phase = billingv1alpha1.RenewalPhaseSucceeded
		rr.Status.Message = "renewed ecs-web"
		if err := env.Client.Status().Update(context.Background(), rr); err != nil {
			return false
		}
		s.Status.RenewNowHandled, s.Status.ActiveRequest = v, "web-r1"
		return true
	})
	defer stop()
	out, err := kubectlBSS(t, "renew", "web", "-n", ns, "--wait", "--timeout", "20s")
	if err != nil {
		t.Fatalf("renew --wait: %v\n%s", err, out)
	}
	for _, want := range []string{"renewal requested", "renewalrequest/web-r1 started", "web-r1 Succeeded: renewed ecs-web"} {
		if !strings.Contains(out, want) {
			t.Errorf("renew output lacks %q:\n%s", want, out)
		}
	}
}

// TestStatus: the three tables show the account, each Subscription with
// its expiry, days left, next action and price, and only open requests.
func TestStatus(t *testing.T) {
	ns := env.Namespace(t)
	acct := &billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "huawei"},
		Spec: billingv1alpha1.BillingAccountSpec{DomainID: "domain1", CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: "creds"}}}
	create(t, acct)
	setStatus(t, acct, func() {
		acct.Status.Balance = &billingv1alpha1.Money{Amount: "1500.25", Currency: "USD"}
		acct.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Connected", LastTransitionTime: metav1.NewTime(now)}}
	})
	web := subscription(ns, "web", billingv1alpha1.ManagementManage)
	create(t, web)
	setStatus(t, web, func() {
		web.Status.ExpireTime = &metav1.Time{Time: now.Add(10*24*time.Hour + time.Hour)}
		web.Status.PlannedAction = "renew 1 month at 2026-11-28T12:00:00Z for 98.50 USD"
		web.Status.LastQuote = &billingv1alpha1.PriceQuote{Price: billingv1alpha1.Money{Amount: "98.50", Currency: "USD"}}
	})
	awaitingApproval(t, ns, "web-r1")
	done := request(ns, "web-r0")
	create(t, done)
	setStatus(t, done, func() { done.Status.Phase = billingv1alpha1.RenewalPhaseSucceeded })

	out, err := kubectlBSS(t, "status", "-n", ns)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ACCOUNTS", "1500.25 USD", "True (Connected)", "SUBSCRIPTIONS", "ecs-web", "Manage", "monthly",
		" 10 ", "98.50 USD", "renew 1 month at", "OPEN RENEWAL REQUESTS", "web-r1", "AwaitingApproval", "612.00 USD", "Required"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "web-r0") {
		t.Errorf("status lists the finished request web-r0:\n%s", out)
	}
}

// TestHelpListsCommands: every command is offered.
func TestHelpListsCommands(t *testing.T) {
	out, err := kubectlBSS(t, "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"status", "quote", "renew", "approve", "deny", "refresh", "acknowledge-unknown-outcome"} {
		if !strings.Contains(out, "  "+c+" ") {
			t.Errorf("help lacks %s:\n%s", c, out)
		}
	}
}

// TestForgedApproverRefused: the shipped ValidatingAdmissionPolicy refuses
// an approval whose approver is not the user writing it, and lets the
// plugin's own approval (and later writes that leave it unchanged) through.
func TestForgedApproverRefused(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	user := operatorUser(t)
	target, err := plugin.KubeconfigConnector(plugin.KubeFlags{Kubeconfig: kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	forge := func(name, approver string) error {
		rr := awaitingApproval(t, ns, name)
		patch := client.MergeFrom(rr.DeepCopy())
		rr.Spec.Approval = &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: approver}
		return target.Client.Patch(ctx, rr, patch)
	}
	// The API server enforces a new policy after a short delay: wait until
	// a forged name is refused, with a fresh request each try.
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		err := forge(fmt.Sprintf("forged-%d", i), "mallory@example.com")
		if err != nil {
			if !strings.Contains(err.Error(), "must be the user making the request") {
				t.Fatalf("forged approval refused for another reason: %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an approval signed with another user's name was accepted")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Creating a request that is already approved in someone else's name
	// is the same forgery.
	pre := request(ns, "precreated")
	pre.Spec.Approval = &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "mallory@example.com"}
	if err := target.Client.Create(ctx, pre); err == nil {
		t.Fatal("a request created approved in another user's name was accepted")
	}

	// Signed with the writer's own name it passes, through the plugin.
	awaitingApproval(t, ns, "honest")
	if out, err := kubectlBSS(t, "approve", "honest", "-n", ns, "--reason", "ok"); err != nil {
		t.Fatalf("kubectl bss approve under the policy: %v\n%s", err, out)
	}
	var rr billingv1alpha1.RenewalRequest
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "honest"}, &rr); err != nil {
		t.Fatal(err)
	}
	if a := rr.Spec.Approval; a == nil || a.Approver != user {
		t.Fatalf("approval %+v, want one by %s", a, user)
	}
	// Another identity (the manager adding its finalizer) may still write
	// the object as long as the approval is unchanged.
	patch := client.MergeFrom(rr.DeepCopy())
	rr.Finalizers = append(rr.Finalizers, "example.com/test")
	if err := env.Client.Patch(ctx, &rr, patch); err != nil {
		t.Fatalf("a write that leaves the approval unchanged was refused: %v", err)
	}
	patch = client.MergeFrom(rr.DeepCopy())
	rr.Finalizers = nil
	if err := env.Client.Patch(ctx, &rr, patch); err != nil {
		t.Fatal(err)
	}
}
