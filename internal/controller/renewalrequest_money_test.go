package controller_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/api/meta"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/controller"
)

// The tests of this file drive one RenewalRequest reconciler (or two, for a
// handover) by hand over a fake cluster (crashObjects) and the simulator,
// so that a person's console action or a price change lands exactly
// between two passes (issue 16, paths 1, 3, 4 and 6).

// moneyCluster is the fake cluster of one managed subscription with its
// first RenewalRequest, shaped by mutate.
func moneyCluster(t *testing.T, a account, id string, method billingv1alpha1.PaymentMethod, mutate func(*billingv1alpha1.RenewalRequest), funcs interceptor.Funcs) (client.Client, client.ObjectKey) {
	t.Helper()
	objs := crashObjects(a, id, method)
	if mutate != nil {
		mutate(objs[len(objs)-1].(*billingv1alpha1.RenewalRequest))
	}
	k8s := fake.NewClientBuilder().WithScheme(h.env.Scheme).WithObjects(objs...).
		WithStatusSubresource(&billingv1alpha1.RenewalRequest{}, &billingv1alpha1.Subscription{}).
		WithInterceptorFuncs(funcs).Build()
	return k8s, client.ObjectKey{Namespace: "crash", Name: "vm-r1"}
}

// passUntil reconciles up to n times until done holds, and returns the
// request as last written and the last result.
func passUntil(t *testing.T, r *controller.RenewalRequestReconciler, k8s client.Client, key client.ObjectKey, n int, done func(*billingv1alpha1.RenewalRequest) bool) (*billingv1alpha1.RenewalRequest, ctrl.Result) {
	t.Helper()
	var rr billingv1alpha1.RenewalRequest
	var res ctrl.Result
	for i := 0; i < n; i++ {
		var err error
		if res, err = r.Reconcile(ctx(), ctrl.Request{NamespacedName: key}); err != nil {
			t.Fatalf("reconcile: %v", err)
		}
		if err := k8s.Get(ctx(), key, &rr); err != nil {
			t.Fatal(err)
		}
		if done(&rr) {
			break
		}
	}
	return &rr, res
}

func inPhase(p billingv1alpha1.RenewalPhase) func(*billingv1alpha1.RenewalRequest) bool {
	return func(rr *billingv1alpha1.RenewalRequest) bool { return rr.Status.Phase == p }
}

func finished(rr *billingv1alpha1.RenewalRequest) bool { return rr.Status.Phase.Finished() }

// wantEnded checks the final phase and the reason on Ready.
func wantEnded(t *testing.T, rr *billingv1alpha1.RenewalRequest, phase billingv1alpha1.RenewalPhase, reason string) {
	t.Helper()
	c := meta.FindStatusCondition(rr.Status.Conditions, billingv1alpha1.ConditionReady)
	if rr.Status.Phase != phase || c == nil || c.Reason != reason {
		t.Fatalf("phase %s (%s), conditions %s; want %s with reason %s", rr.Status.Phase, rr.Status.Message, describeConditions(rr.Status.Conditions), phase, reason)
	}
}

// operatorCounters are the simulator's counters of the operator's calls
// (console actions are not counted).
func operatorCounters(a account) simulator.Counters { return h.sim.AccountCounters(a.DomainID) }

// TestNextLeaderWaitsOutRenewCall: the leader dies with a renew call on the
// wire (its order exists, its answer never reaches status). The next
// leader, starting at once, must neither look the order up (it may not show
// yet) nor renew until the BSS timeout plus the settling delay have passed
// since the call started; then it looks up and adopts the one order.
func TestNextLeaderWaitsOutRenewCall(t *testing.T) {
	a, id := fakeClusterAccount(t, "handover")
	crashed := false
	k8s, key := moneyCluster(t, a, id, billingv1alpha1.PaymentMethodPay, nil, interceptor.Funcs{
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			if rr, ok := obj.(*billingv1alpha1.RenewalRequest); ok && !crashed && len(rr.Status.OrderIDs) > 0 {
				crashed = true
				return errCrash
			}
			return c.Status().Patch(ctx, obj, patch, opts...)
		},
	})
	first := crashReconciler(k8s)
	for i := 0; i < 20 && !crashed; i++ {
		if _, err := first.Reconcile(ctx(), ctrl.Request{NamespacedName: key}); err != nil && !errors.Is(err, errCrash) {
			t.Fatalf("reconcile before the handover: %v", err)
		}
	}
	if !crashed || len(renewalOrders(a)) != 1 {
		t.Fatalf("the renew call was not made (crashed %v, %d orders)", crashed, len(renewalOrders(a)))
	}

	second := crashReconciler(k8s)
	before := operatorCounters(a)
	rr, res := passUntil(t, second, k8s, key, 3, func(*billingv1alpha1.RenewalRequest) bool { return false })
	if rr.Status.RenewCallStartedAt == nil || rr.Status.RenewCalls != 1 {
		t.Fatalf("the call was not recorded before it was made: renewCalls %d, started %v", rr.Status.RenewCalls, rr.Status.RenewCallStartedAt)
	}
	after := operatorCounters(a)
	if n := after.Total(simulator.OpListOrders) - before.Total(simulator.OpListOrders); n != 0 {
		t.Fatalf("the next leader looked orders up %d times while the call could still be under way", n)
	}
	if n := after.Writes[simulator.OpRenew] - before.Writes[simulator.OpRenew]; n != 0 {
		t.Fatalf("the next leader renewed %d times while the call could still be under way", n)
	}
	if c := meta.FindStatusCondition(rr.Status.Conditions, billingv1alpha1.ConditionReconciling); c == nil || c.Reason != billingv1alpha1.ReasonRenewCallSettling {
		t.Fatalf("no %s condition while waiting: %s", billingv1alpha1.ReasonRenewCallSettling, describeConditions(rr.Status.Conditions))
	}
	if res.RequeueAfter <= time.Second {
		t.Fatalf("requeued after %v, want the end of the quiet time", res.RequeueAfter)
	}

	// One second before the end: still quiet.
	h.advance(res.RequeueAfter - time.Second)
	passUntil(t, second, k8s, key, 1, finished)
	if n := operatorCounters(a).Total(simulator.OpListOrders) - before.Total(simulator.OpListOrders); n != 0 {
		t.Fatalf("looked orders up %d times one second before the quiet time ended", n)
	}

	h.advance(time.Second)
	rr, _ = passUntil(t, second, k8s, key, 20, inPhase(billingv1alpha1.RenewalPhaseSucceeded))
	after = operatorCounters(a)
	orders := renewalOrders(a)
	if len(orders) != 1 || rr.Status.Phase != billingv1alpha1.RenewalPhaseSucceeded || len(rr.Status.OrderIDs) != 1 || rr.Status.OrderIDs[0] != orders[0].ID {
		t.Fatalf("after the quiet time: phase %s (%s), orders %v, BSS has %d renewal orders", rr.Status.Phase, rr.Status.Message, rr.Status.OrderIDs, len(orders))
	}
	if after.Total(simulator.OpListOrders) == before.Total(simulator.OpListOrders) {
		t.Fatal("the order was adopted without a lookup")
	}
	if n := after.Writes[simulator.OpRenew] - before.Writes[simulator.OpRenew]; n != 0 {
		t.Fatalf("the next leader renewed %d times; the order existed", n)
	}
}

// approveAs sets spec.approval as an approver would.
func approveAs(t *testing.T, k8s client.Client, key client.ObjectKey) {
	t.Helper()
	var rr billingv1alpha1.RenewalRequest
	if err := k8s.Get(ctx(), key, &rr); err != nil {
		t.Fatal(err)
	}
	rr.Spec.Approval = &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "ann"}
	// The fake client does not bump metadata.generation on a spec change
	// as the apiserver does; the operator binds a decision to its generation.
	rr.Generation++
	if err := k8s.Update(ctx(), &rr); err != nil {
		t.Fatal(err)
	}
}

// TestWorldChangedWhileWaiting: a person renews in the console, or
// switches cloud auto-renew on, while the attempt waits for approval, or
// between its recorded intent and its renew call. The resource is read
// again before the intent and before the call: the attempt ends saying what
// changed, and the operator orders nothing.
func TestWorldChangedWhileWaiting(t *testing.T) {
	changes := []struct {
		name   string
		act    func(c *simulator.Console, id string) (simulator.ConsoleResult, error)
		reason string
	}{
		{"console renewal", func(c *simulator.Console, id string) (simulator.ConsoleResult, error) {
			return c.Renew(simulator.ConsoleRenew{ResourceIDs: []string{id}, Pay: true})
		}, billingv1alpha1.ReasonRenewedElsewhere},
		{"auto-renew switched on", func(c *simulator.Console, id string) (simulator.ConsoleResult, error) {
			return c.AutoRenew(id, true)
		}, billingv1alpha1.ReasonAutoRenewSwitchedOn},
	}
	for _, change := range changes {
		for _, afterIntent := range []bool{false, true} {
			name := change.name + " during the approval wait"
			if afterIntent {
				name = change.name + " after the intent"
			}
			t.Run(name, func(t *testing.T) {
				a, id := fakeClusterAccount(t, "world")
				k8s, key := moneyCluster(t, a, id, billingv1alpha1.PaymentMethodPay, func(rr *billingv1alpha1.RenewalRequest) {
					rr.Spec.ApprovalPolicy = billingv1alpha1.ApprovalAlways
				}, interceptor.Funcs{})
				r := crashReconciler(k8s)
				if rr, _ := passUntil(t, r, k8s, key, 5, inPhase(billingv1alpha1.RenewalPhaseAwaitingApproval)); rr.Status.Phase != billingv1alpha1.RenewalPhaseAwaitingApproval {
					t.Fatalf("phase %s (%s), want AwaitingApproval", rr.Status.Phase, rr.Status.Message)
				}
				if afterIntent {
					approveAs(t, k8s, key)
					if rr, _ := passUntil(t, r, k8s, key, 5, inPhase(billingv1alpha1.RenewalPhaseOrdering)); rr.Status.Phase != billingv1alpha1.RenewalPhaseOrdering {
						t.Fatalf("phase %s (%s), want Ordering", rr.Status.Phase, rr.Status.Message)
					}
				}
				h.advance(time.Hour)
				if res, err := change.act(h.sim.Console(a.DomainID, "alice"), id); err != nil || res.Err() != nil {
					t.Fatalf("console: %v %v", err, res.Err())
				}
				if !afterIntent {
					approveAs(t, k8s, key)
				}
				before := operatorCounters(a)
				rr, _ := passUntil(t, r, k8s, key, 10, finished)
				wantEnded(t, rr, billingv1alpha1.RenewalPhaseFailed, change.reason)
				if n := operatorCounters(a).Writes[simulator.OpRenew] - before.Writes[simulator.OpRenew]; n != 0 {
					t.Fatalf("the operator renewed %d times after the %s", n, change.name)
				}
				for _, o := range renewalOrders(a) {
					if o.PlacedBy.Via != simulator.ViaConsole {
						t.Fatalf("the operator placed order %s", o.ID)
					}
				}
			})
		}
	}
}

// TestForeignOrderIsReportedNotPaid: after the intent but before the
// operator's renew call, a person places a renewal order in the console and
// leaves it unpaid. Whether the same process goes on (its renew call is
// refused with CBC.99003100) or a new leader looks orders up, the order is
// not this attempt's: the attempt stops naming it, and nobody pays it.
func TestForeignOrderIsReportedNotPaid(t *testing.T) {
	for _, nextLeader := range []bool{false, true} {
		name := "same process"
		if nextLeader {
			name = "next leader"
		}
		t.Run(name, func(t *testing.T) {
			a, id := fakeClusterAccount(t, "foreign")
			k8s, key := moneyCluster(t, a, id, billingv1alpha1.PaymentMethodPay, nil, interceptor.Funcs{})
			r := crashReconciler(k8s)
			if rr, _ := passUntil(t, r, k8s, key, 5, inPhase(billingv1alpha1.RenewalPhaseOrdering)); rr.Status.Phase != billingv1alpha1.RenewalPhaseOrdering {
				t.Fatalf("phase %s (%s), want Ordering", rr.Status.Phase, rr.Status.Message)
			}
			res, err := h.sim.Console(a.DomainID, "alice").Renew(simulator.ConsoleRenew{ResourceIDs: []string{id}})
			if err != nil || res.Err() != nil || len(res.OrderIDs) != 1 {
				t.Fatalf("console renewal: %v %v %v", err, res.Err(), res.OrderIDs)
			}
			foreign := res.OrderIDs[0]
			h.advance(time.Minute)
			if nextLeader {
				r = crashReconciler(k8s)
			}
			before := operatorCounters(a)
			rr, _ := passUntil(t, r, k8s, key, 10, finished)
			wantEnded(t, rr, billingv1alpha1.RenewalPhaseFailed, billingv1alpha1.ReasonForeignOrder)
			if !strings.Contains(rr.Status.Message, foreign) {
				t.Fatalf("the message does not name order %s: %s", foreign, rr.Status.Message)
			}
			if n := operatorCounters(a).Writes[simulator.OpPayOrder] - before.Writes[simulator.OpPayOrder]; n != 0 {
				t.Fatalf("%d payments", n)
			}
			o, _ := h.sim.Order(foreign)
			if o.PaidBy != nil || o.Status != 6 {
				t.Fatalf("the console's order is status %d, paid by %v; want pending, unpaid", o.Status, o.PaidBy)
			}
			if n := len(renewalOrders(a)); n != 1 {
				t.Fatalf("%d renewal orders, want only the console's", n)
			}
		})
	}
}

// TestShutdownDoesNotCutARecordedRenewCall (found by the chaos scenario
// TestRollingUpdateDuringRenewCalls): SIGTERM cancels the reconcile while
// the status write that records the renew call, before it is made, is on
// the wire; the apiserver applies it. That write, like the call and the
// write that records its answer, must not be cut by shutdown: otherwise the
// call is recorded but never made, and the next leader waits out the quiet
// time, finds no order, and calls again, one step closer to the bound on
// blind calls and the unknown-outcome stall.
func TestShutdownDoesNotCutARecordedRenewCall(t *testing.T) {
	a, id := fakeClusterAccount(t, "sigterm")
	rctx, sigterm := context.WithCancel(context.Background())
	defer sigterm()
	k8s, key := moneyCluster(t, a, id, billingv1alpha1.PaymentMethodPay, nil, interceptor.Funcs{
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			if err := c.Status().Patch(ctx, obj, patch, opts...); err != nil {
				return err
			}
			if rr, ok := obj.(*billingv1alpha1.RenewalRequest); ok && rr.Status.RenewCalls == 1 && len(rr.Status.OrderIDs) == 0 {
				// Applied; the answer is lost to the SIGTERM if the
				// write's context is the reconcile's.
				sigterm()
				return ctx.Err()
			}
			return nil
		},
	})
	r := crashReconciler(k8s)
	rr, _ := passUntil(t, r, k8s, key, 5, inPhase(billingv1alpha1.RenewalPhaseOrdering))
	if rr.Status.Phase != billingv1alpha1.RenewalPhaseOrdering {
		t.Fatalf("phase %s (%s), want Ordering", rr.Status.Phase, rr.Status.Message)
	}
	_, _ = r.Reconcile(rctx, ctrl.Request{NamespacedName: key})
	if rctx.Err() == nil {
		t.Fatal("the pass never recorded a renew call")
	}
	if err := k8s.Get(context.Background(), key, rr); err != nil {
		t.Fatal(err)
	}
	if n := operatorCounters(a).Writes[simulator.OpRenew]; n != 1 || len(rr.Status.OrderIDs) != 1 {
		t.Fatalf("%d renew calls made, orders %v recorded (renew calls %d: %s); want the recorded call made and its order recorded",
			n, rr.Status.OrderIDs, rr.Status.RenewCalls, rr.Status.Message)
	}
}

// TestOrderPlacedDuringRenewCallIsNotPaid (found by the chaos scenario
// TestPendingOrderPlacedByAPerson): the operator records its first renew
// call and sends it; before BSS applies it, a person renews the resource in
// the console and leaves the order unpaid, so BSS refuses the operator's
// call with CBC.99003100. The refused call ordered nothing and no earlier
// call exists, so the pending order is not this attempt's, however close
// its creation time is to the call's start: it is reported, never paid.
// Before the fix it was taken for the attempt's own (created within
// foreignOrderSlack of the first call) and paid without approval.
func TestOrderPlacedDuringRenewCallIsNotPaid(t *testing.T) {
	for _, method := range []billingv1alpha1.PaymentMethod{billingv1alpha1.PaymentMethodAutoPay, billingv1alpha1.PaymentMethodPay} {
		t.Run(string(method), func(t *testing.T) {
			a, id := fakeClusterAccount(t, "oncall")
			var personal string
			k8s, key := moneyCluster(t, a, id, method, nil, interceptor.Funcs{
				SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
					if err := c.Status().Patch(ctx, obj, patch, opts...); err != nil {
						return err
					}
					// The call is recorded and about to be sent: the person
					// is quicker than BSS.
					if rr, ok := obj.(*billingv1alpha1.RenewalRequest); ok && personal == "" && rr.Status.RenewCalls == 1 && len(rr.Status.OrderIDs) == 0 {
						res, cerr := h.sim.Console(a.DomainID, "alice").Renew(simulator.ConsoleRenew{ResourceIDs: []string{id}})
						if cerr == nil {
							cerr = res.Err()
						}
						if cerr != nil || len(res.OrderIDs) != 1 {
							t.Errorf("console renewal: %v %v", cerr, res.OrderIDs)
						} else {
							personal = res.OrderIDs[0]
							h.advance(2 * time.Second)
						}
					}
					return nil
				},
			})
			r := crashReconciler(k8s)
			rr, _ := passUntil(t, r, k8s, key, 10, finished)
			if personal == "" {
				t.Fatalf("the person never acted; phase %s (%s)", rr.Status.Phase, rr.Status.Message)
			}
			wantEnded(t, rr, billingv1alpha1.RenewalPhaseFailed, billingv1alpha1.ReasonForeignOrder)
			if !strings.Contains(rr.Status.Message, personal) {
				t.Fatalf("the message does not name order %s: %s", personal, rr.Status.Message)
			}
			if n := operatorCounters(a).Writes[simulator.OpPayOrder]; n != 0 {
				t.Fatalf("%d payments by the operator", n)
			}
			if o, _ := h.sim.Order(personal); o.PaidBy != nil || o.Status != 6 {
				t.Fatalf("the person's order is status %d, paid by %v; want pending, unpaid", o.Status, o.PaidBy)
			}
		})
	}
}

// TestOrderAboveQuoteIsCancelledNotPaid: the price rises between the quote
// and the order. Whatever the payment method (AutoPay used to pay at once,
// is_auto_pay=1), the order is read before it is paid: it costs more than
// the gates passed, so it is not paid but cancelled, and the attempt ends
// so that the next one is quoted and gated again. At the quoted price the
// best discount is still applied when paying.
func TestOrderAboveQuoteIsCancelledNotPaid(t *testing.T) {
	for _, method := range []billingv1alpha1.PaymentMethod{billingv1alpha1.PaymentMethodAutoPay, billingv1alpha1.PaymentMethodPay} {
		t.Run(string(method)+" price rise", func(t *testing.T) {
			a, id := fakeClusterAccount(t, "price")
			k8s, key := moneyCluster(t, a, id, method, nil, interceptor.Funcs{})
			r := crashReconciler(k8s)
			rr, _ := passUntil(t, r, k8s, key, 5, inPhase(billingv1alpha1.RenewalPhaseOrdering))
			if rr.Status.Phase != billingv1alpha1.RenewalPhaseOrdering || rr.Status.Quote == nil || rr.Status.Quote.Price.Amount != "100.00" {
				t.Fatalf("phase %s (%s), quote %v; want Ordering at 100.00", rr.Status.Phase, rr.Status.Message, rr.Status.Quote)
			}
			higher := decimal.RequireFromString("150.00")
			if err := h.sim.SetPrice(id, simulator.PriceChange{MonthlyPrice: &higher}); err != nil {
				t.Fatal(err)
			}
			rr, _ = passUntil(t, r, k8s, key, 10, finished)
			wantEnded(t, rr, billingv1alpha1.RenewalPhaseCancelled, billingv1alpha1.ReasonPriceAboveApproved)
			orders := renewalOrders(a)
			if len(orders) != 1 || orders[0].Status != 4 || orders[0].PaidBy != nil {
				t.Fatalf("orders %d (status %d, paid by %v); want one, cancelled, unpaid", len(orders), orders[0].Status, orders[0].PaidBy)
			}
			for _, p := range h.sim.Payments() {
				if p.AccountID == a.DomainID {
					t.Fatalf("order %s was paid (%s)", p.OrderID, p.Amount)
				}
			}
		})
		t.Run(string(method)+" discount still applied", func(t *testing.T) {
			a, id := fakeClusterAccount(t, "discount")
			ratio := decimal.RequireFromString("0.8")
			if err := h.sim.SetPrice(id, simulator.PriceChange{DiscountRatio: &ratio}); err != nil {
				t.Fatal(err)
			}
			k8s, key := moneyCluster(t, a, id, method, nil, interceptor.Funcs{})
			rr, _ := passUntil(t, crashReconciler(k8s), k8s, key, 20, finished)
			wantEnded(t, rr, billingv1alpha1.RenewalPhaseSucceeded, billingv1alpha1.ReasonRenewed)
			var paid []simulator.Payment
			for _, p := range h.sim.Payments() {
				if p.AccountID == a.DomainID {
					paid = append(paid, p)
				}
			}
			if len(paid) != 1 || !paid[0].Discounted || paid[0].Amount != "80" {
				t.Fatalf("payments %+v; want one of 80 with the commercial discount", paid)
			}
		})
	}
}
