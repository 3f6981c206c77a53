package chaos

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/plugin"
)

// The scenarios of this file play the adversaries of issue 16 on the
// simulator's stage (docs/simulator.md): a rolling update while renew calls
// are on the wire, a person in the console during an approval wait, a
// duplicate Subscription, and an order a person left unpaid. Each prints
// its verdict (orders, duplicates, misses, unauthorized payments) and fails
// unless there are no duplicates and no unauthorized payments.

// TestRollingUpdateDuringRenewCalls replaces the leader as a Deployment
// rolling update does: two managers with leader election; while the
// leader's renew calls are on the wire (BSS applied them and delays the
// answer, for the operator's caller only), the leader gets SIGTERM and the
// next manager starts at once. The leader must finish its calls and record
// them before it lets go (the calls are delivered, it exits cleanly), and
// the next leader must order nothing twice. BSS_CHAOS_TRIALS sets the
// number of rolling updates (short: 1, at most 6).
func TestRollingUpdateDuringRenewCalls(t *testing.T) {
	updates := min(trials(1), 6)
	n := 4 + 4*updates
	m := startSim(t, n)
	ctx := context.Background()
	if err := m.Admin.SetFault(ctx, simulator.OpRenew, simulator.Fault{Caller: operatorUser, AnswerDelay: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	baseline := m.baseline(t)
	const ns, leaseName = "rolling", "bss-operator-rolling"
	seedCluster(t, m, ns, n)

	// A lease as short as the manager allows for a 5 s BSS timeout (the
	// step timeout is 10 s), and two renewals at a time, so that some are
	// on the wire and some not yet started when the SIGTERM comes.
	flags := []string{"--leader-elect", "--leader-election-namespace=" + ns, "--leader-election-id=" + leaseName, m.endpointFlag(),
		"--bss-timeout=5s", "--leader-elect-lease-duration=15s", "--max-concurrent-renewals=2"}
	pods := []*manager{startManager(t, "rolling-0", flags...)}
	waitLeaseHolder(t, ns, leaseName, "", 60*time.Second)
	pods = append(pods, startManager(t, "rolling-1", flags...))

	var seen int64
	started := len(pods)
	for u := 0; u < updates; u++ {
		leader := waitLeader(t, pods, 60*time.Second)
		calls := m.waitInFlight(t, simulator.OpRenew, seen, 60*time.Second)
		seen = calls[len(calls)-1].Seq
		code := make(chan int, 1)
		go func() { code <- leader.terminate(t, time.Minute) }()
		next := startManager(t, fmt.Sprintf("rolling-%d", started), flags...)
		started++
		t.Logf("update %d: SIGTERM to leader %s with %d renew calls on the wire; started %s", u+1, leader.name, len(calls), next.name)
		if c := <-code; c != 0 {
			t.Fatalf("the leader %s exited with code %d after SIGTERM, want a clean shutdown", leader.name, c)
		}
		// The leader waited for the answers instead of cutting the calls.
		for _, w := range m.writesSince(t, calls[0].Seq-1) {
			for _, c := range calls {
				if w.Seq == c.Seq && !w.Delivered {
					t.Errorf("renew call %d (%v) of the old leader was cut: its answer was not delivered", w.Seq, w.Resources)
				}
			}
		}
		pods = append(without(pods, leader), next)
	}

	m.waitRenewed(t, baseline, 2*time.Minute, ns)
	waitEnded(t, ns, n, time.Minute)
	// A handover costs no blind call: every call recorded was made and
	// answered, so no attempt had to wait one out and call again.
	for _, rr := range renewalRequests(t, []string{ns}) {
		if rr.Status.RenewCalls != 1 {
			t.Errorf("RenewalRequest %s made %d renew calls, want 1: %s", rr.Name, rr.Status.RenewCalls, rr.Status.Message)
		}
	}
	v := m.check(t, baseline, ns)
	t.Logf("rolling: updates=%d subscriptions=%d %s", updates, n, v)
	v.require(t, n)
}

// TestConsoleActionsDuringApprovalWait: every renewal needs approval. While
// the requests wait for it, a person renews resource A in the console (and
// pays) and switches cloud auto-renew on for resource B; then an approver
// approves all of them with kubectl bss. The operator must order nothing
// for A and B, whose requests end RenewedElsewhere and AutoRenewSwitchedOn,
// and renew the others once each.
//
// The account refreshes every 10 minutes, longer than the scenario: at its
// next refresh the Subscription of B would take auto-renew as drift from
// its Renew policy and switch it off again (see architecture.md, "One
// mechanism at a time"), and an approval after that orders B as approved.
// BSS_CHAOS_TRIALS scales the number of resources (short: 4, at most 20).
func TestConsoleActionsDuringApprovalWait(t *testing.T) {
	n := 4 * min(trials(1), 5)
	m := startSim(t, n)
	ctx := context.Background()
	baseline := m.baseline(t)
	const ns = "approval-wait"
	seed(t, m, cluster{ns: ns, n: n, approval: billingv1alpha1.ApprovalAlways, refresh: 10 * time.Minute})
	startManager(t, "approval-wait", m.endpointFlag())

	waiting := map[string]*billingv1alpha1.RenewalRequest{}
	for i := 0; i < n; i++ {
		waiting[vm(i)] = waitLatest(t, ns, vm(i), time.Minute, inPhase(billingv1alpha1.RenewalPhaseAwaitingApproval))
	}
	if w := m.operatorWrites(t, simulator.OpRenew, simulator.OpPayOrder); len(w) != 0 {
		t.Fatalf("the operator wrote before any approval: %+v", w)
	}
	console := m.Admin.Console(m.DomainID, consoleUser)
	want := map[string]string{}
	for i := 0; i < n; i++ {
		id := vm(i)
		var res simulator.ConsoleResult
		var err error
		switch i % 4 {
		case 0:
			res, err = console.Renew(ctx, simulator.ConsoleRenew{ResourceIDs: []string{id}, Pay: true, Discount: true})
			want[id] = billingv1alpha1.ReasonRenewedElsewhere
		case 1:
			res, err = console.AutoRenew(ctx, id, true)
			want[id] = billingv1alpha1.ReasonAutoRenewSwitchedOn
			delete(baseline, id) // the cloud renews it, seven days before expiry
		default:
			continue
		}
		if err == nil {
			err = res.Err()
		}
		if err != nil {
			t.Fatalf("%s in the console: %v", id, err)
		}
	}
	for _, rr := range waiting {
		approve(t, ns, rr.Name)
	}

	for i := 0; i < n; i++ {
		id := vm(i)
		rr := waitLatest(t, ns, id, time.Minute, finished)
		if reason, ok := want[id]; ok {
			if err := endedWith(rr, billingv1alpha1.RenewalPhaseFailed, reason); err != nil {
				t.Error(err)
			}
			if mine := m.ordersOf(t, operatorUser, id); len(mine) != 0 {
				t.Errorf("the operator placed orders %v for %s after a person %s", mine, id, reason)
			}
			continue
		}
		if err := endedWith(rr, billingv1alpha1.RenewalPhaseSucceeded, billingv1alpha1.ReasonRenewed); err != nil {
			t.Error(err)
		}
	}
	m.waitRenewed(t, baseline, time.Minute, ns)
	v := m.check(t, baseline, ns)
	// n is a multiple of 4: a quarter renewed in the console, a quarter
	// left to the cloud's auto-renew, half renewed by the operator.
	t.Logf("approval-wait: subscriptions=%d console-renewals=%d auto-renew-switches=%d %s", n, n/4, n/4, v)
	v.require(t, n-n/4)
}

// TestDuplicateSubscriptionsAcrossNamespaces: two namespaces, each with a
// BillingAccount on the same simulator account (with two AK/SK pairs of
// the operator's user), name the same resources, created back to back
// while the manager runs. One Subscription of each pair renews, the other
// reports the owner (Stalled, DuplicateResource): one order per resource.
// BSS_CHAOS_TRIALS scales the number of resources (short: 6, long: 20).
func TestDuplicateSubscriptionsAcrossNamespaces(t *testing.T) {
	n := 6
	if trials(1) > 1 {
		n = 20
	}
	m := startSim(t, n)
	baseline := m.baseline(t)
	startManager(t, "duplicates", m.endpointFlag())
	// The second namespace sorts first: created later in the same second,
	// it wins the tie of creation times unless the first is already busy.
	first, second := "dup-b", "dup-a"
	seed(t, m, cluster{ns: first, n: n})
	seed(t, m, cluster{ns: second, n: n, accessKey: secondAK, secretKey: secondSK})

	m.waitRenewed(t, baseline, 2*time.Minute, first, second)
	waitEnded(t, first, 0, time.Minute)
	waitEnded(t, second, 0, time.Minute)
	for i := 0; i < n; i++ {
		waitOneDuplicate(t, vm(i), first, second, time.Minute)
	}
	v := m.check(t, baseline, first, second)
	t.Logf("duplicates: subscriptions=%d in each of 2 namespaces %s", n, v)
	v.require(t, n)
}

// TestPendingOrderPlacedByAPerson: a person renews resources in the console
// and leaves the orders unpaid. C: before the operator's attempt quotes
// (its quote is slowed for C, for the operator's caller only). D: while the
// operator's renew call for D is on the wire (slowed before BSS applies
// it), so that BSS refuses it with CBC.99003100 because of the person's
// order. The operator must not pay either order without a person's
// approval (default pendingOrders: RequireApproval): C waits for approval,
// D's attempt stops (ForeignOrder) and the next one, asked for with
// kubectl bss renew, waits for approval too. After approval each is paid
// once, by the operator.
func TestPendingOrderPlacedByAPerson(t *testing.T) {
	const n, c, d = 4, "vm-000", "vm-001"
	m := startSim(t, n)
	ctx := context.Background()
	for _, f := range []struct {
		op string
		f  simulator.Fault
	}{
		{simulator.OpRenewRate, simulator.Fault{Caller: operatorUser, Resource: c, Latency: 3 * time.Second}},
		{simulator.OpRenew, simulator.Fault{Caller: operatorUser, Resource: d, Latency: 3 * time.Second}},
	} {
		if err := m.Admin.SetFault(ctx, f.op, f.f); err != nil {
			t.Fatal(err)
		}
	}
	baseline := m.baseline(t)
	const ns = "pending"
	seedCluster(t, m, ns, n)
	startManager(t, "pending", m.endpointFlag())
	console := m.Admin.Console(m.DomainID, consoleUser)
	personal := map[string]string{}
	leaveUnpaid := func(id string) {
		t.Helper()
		res, err := console.Renew(ctx, simulator.ConsoleRenew{ResourceIDs: []string{id}, PeriodType: "month", PeriodNum: 1})
		if err == nil {
			err = res.Err()
		}
		if err != nil || len(res.OrderIDs) != 1 {
			t.Fatalf("console renewal of %s: %v %+v", id, err, res)
		}
		personal[id] = res.OrderIDs[0]
	}
	leaveUnpaid(c)
	waitLatest(t, ns, d, time.Minute, func(rr *billingv1alpha1.RenewalRequest) bool { return rr.Status.RenewCallStartedAt != nil })
	leaveUnpaid(d)

	first := waitLatest(t, ns, d, time.Minute, finished)
	if err := endedWith(first, billingv1alpha1.RenewalPhaseFailed, billingv1alpha1.ReasonForeignOrder); err != nil {
		v := m.check(t, baseline, ns)
		t.Fatalf("pending: %s: %v", v, err)
	}
	waitLatest(t, ns, c, time.Minute, inPhase(billingv1alpha1.RenewalPhaseAwaitingApproval))
	if _, err := kubectlBSS(ns, "renew", d); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{c, d} {
		rr := waitLatest(t, ns, id, time.Minute, func(rr *billingv1alpha1.RenewalRequest) bool {
			return rr.Name != first.Name && rr.Status.Phase == billingv1alpha1.RenewalPhaseAwaitingApproval
		})
		cond := meta.FindStatusCondition(rr.Status.Conditions, billingv1alpha1.ConditionApprovalRequired)
		if cond == nil || cond.Reason != billingv1alpha1.ReasonPendingOrderNotOurs {
			t.Fatalf("%s waits for approval with condition %+v, want reason %s", rr.Name, cond, billingv1alpha1.ReasonPendingOrderNotOurs)
		}
		// The wait is an observable pass: nothing may have been paid.
		if paid := m.paymentsOf(t, personal[id]); len(paid) != 0 {
			t.Fatalf("order %s of %s was paid before approval: %+v", personal[id], consoleUser, paid)
		}
		approve(t, ns, rr.Name)
	}
	m.waitRenewed(t, baseline, time.Minute, ns)
	waitEnded(t, ns, 0, time.Minute)
	for _, id := range []string{c, d} {
		paid := m.paymentsOf(t, personal[id])
		if len(paid) != 1 || paid[0].By.User != operatorUser {
			t.Errorf("payments of %s's order %s for %s: %+v, want one by the operator", consoleUser, personal[id], id, paid)
		}
		if mine := m.ordersOf(t, operatorUser, id); len(mine) != 0 {
			t.Errorf("the operator placed orders %v for %s, which had a pending order", mine, id)
		}
	}
	v := m.check(t, baseline, ns)
	t.Logf("pending: subscriptions=%d orders-left-unpaid-by-a-person=%d %s", n, len(personal), v)
	v.require(t, n)
}

// finished is true once a RenewalRequest ended.
func finished(rr *billingv1alpha1.RenewalRequest) bool { return rr.Status.Phase.Finished() }

// inPhase is true while a RenewalRequest is in phase p.
func inPhase(p billingv1alpha1.RenewalPhase) func(*billingv1alpha1.RenewalRequest) bool {
	return func(rr *billingv1alpha1.RenewalRequest) bool { return rr.Status.Phase == p }
}

// endedWith checks a finished RenewalRequest's phase and Ready reason.
func endedWith(rr *billingv1alpha1.RenewalRequest, phase billingv1alpha1.RenewalPhase, reason string) error {
	c := meta.FindStatusCondition(rr.Status.Conditions, billingv1alpha1.ConditionReady)
	if rr.Status.Phase != phase || c == nil || c.Reason != reason {
		got := "no Ready condition"
		if c != nil {
			got = "Ready reason " + c.Reason
		}
		return fmt.Errorf("RenewalRequest %s ended %s (%s): %s; want %s with reason %s", rr.Name, rr.Status.Phase, got, rr.Status.Message, phase, reason)
	}
	return nil
}

// waitLatest waits until the newest RenewalRequest of Subscription sub
// satisfies ok, and returns it.
func waitLatest(t *testing.T, ns, sub string, timeout time.Duration, ok func(*billingv1alpha1.RenewalRequest) bool) *billingv1alpha1.RenewalRequest {
	t.Helper()
	var last *billingv1alpha1.RenewalRequest
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		last = nil
		for _, rr := range renewalRequests(t, []string{ns}) {
			if rr.Spec.SubscriptionName == sub && (last == nil || rr.Spec.Revision > last.Spec.Revision) {
				last = rr.DeepCopy()
			}
		}
		if last != nil && ok(last) {
			return last
		}
	}
	if last == nil {
		t.Fatalf("Subscription %s/%s started no renewal within %s", ns, sub, timeout)
	}
	t.Fatalf("RenewalRequest %s/%s did not get there within %s: phase %s, approval %s: %s", ns, last.Name, timeout,
		last.Status.Phase, last.Status.ApprovalState, last.Status.Message)
	return nil
}

// waitEnded waits until at least want RenewalRequests exist in ns and all
// of them ended: no attempt is left that could still write to BSS.
func waitEnded(t *testing.T, ns string, want int, timeout time.Duration) {
	t.Helper()
	var open []string
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		rrs := renewalRequests(t, []string{ns})
		open = open[:0]
		for _, rr := range rrs {
			if !rr.Status.Phase.Finished() {
				open = append(open, rr.Name+" "+string(rr.Status.Phase))
			}
		}
		if len(rrs) >= want && len(open) == 0 {
			return
		}
	}
	t.Fatalf("RenewalRequests of %s still under way after %s: %v", ns, timeout, open)
}

// waitOneDuplicate waits until exactly one of the two Subscriptions named
// id (in namespaces a and b) stands aside as a DuplicateResource.
func waitOneDuplicate(t *testing.T, id, a, b string, timeout time.Duration) {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		got = got[:0]
		stalled := 0
		for _, ns := range []string{a, b} {
			var sub billingv1alpha1.Subscription
			if err := s.env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: id}, &sub); err != nil {
				t.Fatal(err)
			}
			c := meta.FindStatusCondition(sub.Status.Conditions, billingv1alpha1.ConditionStalled)
			if c != nil && c.Status == "True" && c.Reason == billingv1alpha1.ReasonDuplicateResource {
				stalled++
			}
			got = append(got, fmt.Sprintf("%s/%s stalled=%v", ns, id, c))
		}
		if stalled == 1 {
			return
		}
	}
	t.Fatalf("want exactly one of the Subscriptions of %s to stand aside as a duplicate: %v", id, got)
}

// approve approves a RenewalRequest as a person does, with kubectl bss
// approve (the approver is the user the API server says we are).
func approve(t *testing.T, ns, name string) {
	t.Helper()
	if out, err := kubectlBSS(ns, "approve", name); err != nil {
		t.Fatalf("kubectl bss approve %s/%s: %v: %s", ns, name, err, out)
	}
}

// kubectlBSS runs a kubectl bss command in namespace ns as the test's
// user.
func kubectlBSS(ns string, args ...string) (string, error) {
	var out bytes.Buffer
	app := &plugin.App{Out: &out, Err: &out, Connect: func(plugin.KubeFlags) (plugin.Target, error) {
		return plugin.Target{Client: s.env.Client, Namespace: ns}, nil
	}}
	cmd := app.Command()
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// waitLeader waits until one of the managers says it leads, and returns
// it. A manager that got SIGTERM is not among them.
func waitLeader(t *testing.T, pods []*manager, timeout time.Duration) *manager {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		for _, p := range pods {
			if data, err := os.ReadFile(p.log.Name()); err == nil && bytes.Contains(bytes.ToLower(data), []byte("successfully acquired lease")) {
				return p
			}
		}
	}
	t.Fatalf("no manager took the lease within %s", timeout)
	return nil
}

// without returns pods without p.
func without(pods []*manager, p *manager) []*manager {
	var out []*manager
	for _, q := range pods {
		if q != p {
			out = append(out, q)
		}
	}
	return out
}

// waitInFlight waits until calls of op by the operator, logged after seq
// since, are on the wire: applied by BSS, their answer not yet delivered.
func (m *sim) waitInFlight(t *testing.T, op string, since int64, timeout time.Duration) []simulator.WriteEntry {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var out []simulator.WriteEntry
		for _, w := range m.writesSince(t, since) {
			if w.Op == op && w.Caller.User == operatorUser && w.Applied && !w.Delivered && len(w.Faults) == 0 {
				out = append(out, w)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	t.Fatalf("no %s call of the operator was on the wire within %s", op, timeout)
	return nil
}

// writesSince reads the write log after sequence number since.
func (m *sim) writesSince(t *testing.T, since int64) []simulator.WriteEntry {
	t.Helper()
	w, err := m.Admin.Writes(context.Background(), since)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// operatorWrites returns the operator's applied writes of the given
// operations.
func (m *sim) operatorWrites(t *testing.T, ops ...string) []simulator.WriteEntry {
	t.Helper()
	var out []simulator.WriteEntry
	for _, w := range m.writesSince(t, 0) {
		for _, op := range ops {
			if w.Op == op && w.Caller.User == operatorUser && w.Applied {
				out = append(out, w)
			}
		}
	}
	return out
}

// ordersOf lists the IDs of the orders that user placed for a resource.
func (m *sim) ordersOf(t *testing.T, user, resourceID string) []string {
	t.Helper()
	orders, err := m.Admin.Orders(context.Background(), simulator.OrderFilter{PlacedBy: user, Resource: resourceID})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range orders {
		ids = append(ids, o.ID)
	}
	return ids
}

// paymentsOf lists the payments of one order.
func (m *sim) paymentsOf(t *testing.T, orderID string) []simulator.Payment {
	t.Helper()
	all, err := m.Admin.Payments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []simulator.Payment
	for _, p := range all {
		if p.OrderID == orderID {
			out = append(out, p)
		}
	}
	return out
}
