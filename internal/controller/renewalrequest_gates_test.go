package controller_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// noRenewCalls fails when the account received a renew call (counted
// whatever its outcome).
func noRenewCalls(a account) error {
	if n := h.sim.AccountCounters(a.DomainID).Writes[simulator.OpRenew]; n != 0 {
		return fmt.Errorf("%d renew calls", n)
	}
	return nil
}

// approve sets (or, while the operator asks again, replaces) a person's
// decision on a request.
func approve(t *testing.T, ns, name string, a billingv1alpha1.RenewalApproval) {
	t.Helper()
	var rr billingv1alpha1.RenewalRequest
	get(t, ns, name, &rr)
	patch := client.MergeFromWithOptions(rr.DeepCopy(), client.MergeFromWithOptimisticLock{})
	rr.Spec.Approval = &a
	if err := h.env.Client.Patch(ctx(), &rr, patch); err != nil {
		t.Fatalf("approve %s: %v", name, err)
	}
}

// waitQuote waits until a request's quote satisfies check.
func waitQuote(t *testing.T, ns, name string, check func(*billingv1alpha1.RenewalRequest) error) *billingv1alpha1.RenewalRequest {
	t.Helper()
	var rr billingv1alpha1.RenewalRequest
	eventually(t, 30*time.Second, func() error {
		if err := getErr(ns, name, &rr); err != nil {
			return err
		}
		return check(&rr)
	})
	return &rr
}

// TestStalledBudgetHoldsRenewals (issue 16, path 7): a BudgetAlert whose
// credentials BSS refuses is Stalled, with no active actions; a renewal
// that references it is held (BudgetBlocked, BudgetAlertNotReady), with no
// renew call, until the BudgetAlert measures spend again.
func TestStalledBudgetHoldsRenewals(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	// The budget counts spend through a second BillingAccount of the same
	// BSS account whose secret key BSS refuses.
	mustCreate(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "spend-credentials", Labels: watchLabel()},
		StringData: map[string]string{billingv1alpha1.SecretKeyAccessKey: a.AK, billingv1alpha1.SecretKeySecretKey: "refused"},
	})
	mustCreate(t, &billingv1alpha1.BillingAccount{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "spend"},
		Spec: billingv1alpha1.BillingAccountSpec{
			Endpoint: h.url, DomainID: a.DomainID,
			CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: "spend-credentials"},
			RefreshInterval:      &metav1.Duration{Duration: time.Minute},
		},
	})
	t.Cleanup(func() {
		_ = h.env.Client.Delete(ctx(), &billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "spend"}})
	})
	b := budgetAlert(ns, "team", "1000.00", threshold(90, billingv1alpha1.BasisActual, billingv1alpha1.ActionBlockRenewals))
	b.Spec.AccountRef.Name = "spend"
	mustCreate(t, b)
	waitBudget(t, ns, "team", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if len(b.Status.ActiveActions) != 0 {
			return fmt.Errorf("activeActions %v", b.Status.ActiveActions)
		}
		return wantCondition(b.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, "")
	})

	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	mustCreate(t, renewPolicy(ns, "budgeted", func(r *billingv1alpha1.RenewSpec) {
		r.BudgetAlertRef = &billingv1alpha1.LocalObjectReference{Name: "team"}
	}))
	mustCreate(t, subscription(ns, "web", id, "budgeted", billingv1alpha1.ManagementManage))

	rr := waitRequest(t, ns, "web-r1", 30*time.Second, billingv1alpha1.RenewalPhaseBlocked)
	if err := wantCondition(rr.Status.Conditions, billingv1alpha1.ConditionBudgetBlocked, metav1.ConditionTrue, billingv1alpha1.ReasonBudgetNotReady); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rr.Status.Message, `BudgetAlert "team" is not Ready`) {
		t.Fatalf("message %q does not say which BudgetAlert holds the renewal and why", rr.Status.Message)
	}
	// The hold was written by a pass (above); more passes change nothing.
	passed(t, ns, "web")
	consistently(t, 2*time.Second, func() error {
		if err := getErr(ns, "web-r1", rr); err != nil {
			return err
		}
		if rr.Status.Phase != billingv1alpha1.RenewalPhaseBlocked {
			return fmt.Errorf("phase %s (%s)", rr.Status.Phase, rr.Status.Message)
		}
		return noRenewCalls(a)
	})

	// Good credentials: the BudgetAlert measures, is Ready, and releases it.
	var sec corev1.Secret
	get(t, ns, "spend-credentials", &sec)
	sec.Data[billingv1alpha1.SecretKeySecretKey] = []byte(a.SK)
	if err := h.env.Client.Update(ctx(), &sec); err != nil {
		t.Fatal(err)
	}
	h.advance(6 * time.Minute)
	waitRequest(t, ns, "web-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	if n := len(renewalOrders(a)); n != 1 {
		t.Fatalf("%d renewal orders, want 1", n)
	}
}

// TestPriceRiseDuringApprovalWaitAsksAgain (issue 16, path 8): a quote is
// fetched again when it is older than a day; an approval binds to the
// price shown, and a price that rose by the time of ordering sends the
// attempt back to approval instead of ordering at the new price. Only a
// new approval orders.
func TestPriceRiseDuringApprovalWaitAsksAgain(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "5000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 10 * day, monthly: "100.00"})
	mustCreate(t, renewPolicy(ns, "always", func(r *billingv1alpha1.RenewSpec) {
		r.Approval = billingv1alpha1.ApprovalSpec{Policy: billingv1alpha1.ApprovalAlways}
	}))
	mustCreate(t, subscription(ns, "db", id, "always", billingv1alpha1.ManagementManage))
	rr := waitRequest(t, ns, "db-r1", 30*time.Second, billingv1alpha1.RenewalPhaseAwaitingApproval)
	first := rr.Status.Quote.Price

	// The price rises; a day later the waiting attempt has quoted again.
	setMonthly(t, id, "120.00")
	h.advance(25 * time.Hour)
	rr = waitQuote(t, ns, "db-r1", func(rr *billingv1alpha1.RenewalRequest) error {
		if q := rr.Status.Quote; q == nil || q.Price == first {
			return fmt.Errorf("quote %+v, waiting for a new quote after %s", q, amt(&first))
		}
		return nil
	})
	shown := rr.Status.Quote.Price

	// It rises again; a person approves what the status shows.
	setMonthly(t, id, "150.00")
	approve(t, ns, "db-r1", billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice"})
	rr = waitQuote(t, ns, "db-r1", func(rr *billingv1alpha1.RenewalRequest) error {
		return wantCondition(rr.Status.Conditions, billingv1alpha1.ConditionApprovalRequired, metav1.ConditionTrue, billingv1alpha1.ReasonPriceRose)
	})
	if rr.Status.Phase != billingv1alpha1.RenewalPhaseAwaitingApproval || rr.Status.ApprovedAmount == nil || *rr.Status.ApprovedAmount != shown {
		t.Fatalf("phase %s approvedAmount %v, want AwaitingApproval bound to %s", rr.Status.Phase, rr.Status.ApprovedAmount, amt(&shown))
	}
	risen := rr.Status.Quote.Price
	if !strings.Contains(rr.Status.Message, "rose from "+shown.Amount+" USD") || !strings.Contains(rr.Status.Message, risen.Amount+" USD") {
		t.Fatalf("message %q does not say the price rose from %s to %s", rr.Status.Message, shown.Amount, risen.Amount)
	}
	passed(t, ns, "db")
	consistently(t, time.Second, func() error {
		if n := len(renewalOrders(a)); n != 0 {
			return fmt.Errorf("%d renewal orders at a price nobody approved", n)
		}
		return noRenewCalls(a)
	})

	// A new decision, at the new price, orders once.
	approve(t, ns, "db-r1", billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice", MaxAmount: risen.DeepCopy()})
	done := waitRequest(t, ns, "db-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	orders := renewalOrders(a)
	if len(orders) != 1 || orders[0].AfterDiscount.StringFixed(2) != risen.Amount || amt(done.Status.ApprovedAmount) != risen.Amount {
		t.Fatalf("%d orders (%+v), approved %v, want one at %s", len(orders), orders, done.Status.ApprovedAmount, risen.Amount)
	}
}

// setMonthly changes a resource's monthly list price now.
func setMonthly(t *testing.T, id, price string) {
	t.Helper()
	p := decimal.RequireFromString(price)
	if err := h.sim.SetPrice(id, simulator.PriceChange{MonthlyPrice: &p}); err != nil {
		t.Fatal(err)
	}
}

// TestPendingOrderOfAPersonNeedsApproval (issue 16, path 5): a renewal
// order a person left unpaid in the console blocks the operator's quote;
// the attempt is gated on that order and waits for a person's approval
// (policy default RequireApproval) before paying it, and pays it only then.
func TestPendingOrderOfAPersonNeedsApproval(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	res, err := h.sim.Console(a.DomainID, "alice").Renew(simulator.ConsoleRenew{ResourceIDs: []string{id}, PeriodType: "month", PeriodNum: 1})
	if err == nil {
		err = res.Err()
	}
	if err != nil || len(res.OrderIDs) != 1 {
		t.Fatalf("console renewal: %v %+v", err, res)
	}
	pending := res.OrderIDs[0]
	mustCreate(t, renewPolicy(ns, "monthly"))
	mustCreate(t, subscription(ns, "web", id, "monthly", billingv1alpha1.ManagementManage))

	rr := waitRequest(t, ns, "web-r1", 30*time.Second, billingv1alpha1.RenewalPhaseAwaitingApproval)
	if err := wantCondition(rr.Status.Conditions, billingv1alpha1.ConditionApprovalRequired, metav1.ConditionTrue, billingv1alpha1.ReasonPendingOrderNotOurs); err != nil {
		t.Fatal(err)
	}
	if len(rr.Status.OrderIDs) != 1 || rr.Status.OrderIDs[0] != pending || rr.Status.OrderIntentTime != nil {
		t.Fatalf("orders %v intent %v, want the pending order %s gated before any intent", rr.Status.OrderIDs, rr.Status.OrderIntentTime, pending)
	}
	passed(t, ns, "web")
	consistently(t, time.Second, func() error {
		if p := paymentsOf(pending); len(p) != 0 {
			return fmt.Errorf("paid before approval: %+v", p)
		}
		return noRenewCalls(a)
	})

	approve(t, ns, "web-r1", billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "bob"})
	done := waitRequest(t, ns, "web-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	if len(done.Status.OrderIDs) != 1 || done.Status.OrderIDs[0] != pending {
		t.Fatalf("orders %v, want the pending order %s", done.Status.OrderIDs, pending)
	}
	paid := paymentsOf(pending)
	if len(paid) != 1 || paid[0].By.User == "alice" {
		t.Fatalf("payments of %s: %+v, want one by the operator", pending, paid)
	}
	if n := len(renewalOrders(a)); n != 1 {
		t.Fatalf("%d renewal orders, want only the person's", n)
	}
	if err := noRenewCalls(a); err != nil {
		t.Fatal(err)
	}
}

// TestPendingOrderForAnotherPeriodIsNeverPaid (issue 16, path 5): a
// pending renewal order for a year, when the policy renews a month, ends
// the attempt with a message telling the person to pay or cancel it; the
// operator never pays it.
func TestPendingOrderForAnotherPeriodIsNeverPaid(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "5000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	res, err := h.sim.Console(a.DomainID, "alice").Renew(simulator.ConsoleRenew{ResourceIDs: []string{id}, PeriodType: "year", PeriodNum: 1})
	if err == nil {
		err = res.Err()
	}
	if err != nil || len(res.OrderIDs) != 1 {
		t.Fatalf("console renewal: %v %+v", err, res)
	}
	pending := res.OrderIDs[0]
	mustCreate(t, renewPolicy(ns, "monthly", func(r *billingv1alpha1.RenewSpec) {
		// Even with no approval asked for pending orders.
		r.PendingOrders = billingv1alpha1.PendingOrdersGate
	}))
	mustCreate(t, subscription(ns, "web", id, "monthly", billingv1alpha1.ManagementManage))

	rr := waitRequest(t, ns, "web-r1", 30*time.Second, billingv1alpha1.RenewalPhaseFailed)
	if !strings.Contains(rr.Status.Message, pending) || !strings.Contains(rr.Status.Message, "pay or cancel it in the console") {
		t.Fatalf("message %q does not name the order and say to pay or cancel it", rr.Status.Message)
	}
	passed(t, ns, "web")
	consistently(t, 2*time.Second, func() error {
		if p := paymentsOf(pending); len(p) != 0 {
			return fmt.Errorf("the wrong-period order was paid: %+v", p)
		}
		return noRenewCalls(a)
	})
}

// paymentsOf lists the payments of one order.
func paymentsOf(orderID string) []simulator.Payment {
	var out []simulator.Payment
	for _, p := range h.sim.Payments() {
		if p.OrderID == orderID {
			out = append(out, p)
		}
	}
	return out
}

// requestPassed proves that the RenewalRequest controller ran a pass over
// a waiting attempt, as passed does for a Subscription: business time moves
// past the quote's maximum age, and the attempt's quote is fetched again
// (status.quote.quotedAt moves). Tests that then assert that nothing was
// ordered know the gates were evaluated again meanwhile.
func requestPassed(t *testing.T, ns, name string) {
	t.Helper()
	var rr billingv1alpha1.RenewalRequest
	get(t, ns, name, &rr)
	if rr.Status.Quote == nil || rr.Status.Quote.QuotedAt == nil {
		t.Fatalf("%s has no quote to refresh", name)
	}
	before := rr.Status.Quote.QuotedAt.Time
	h.advance(renewal.MaxQuoteAge + time.Hour)
	waitQuote(t, ns, name, func(rr *billingv1alpha1.RenewalRequest) error {
		if q := rr.Status.Quote; q == nil || q.QuotedAt == nil || !q.QuotedAt.After(before) {
			return fmt.Errorf("quote %+v not fetched again since %s", q, before)
		}
		return nil
	})
}
