package renewal

import (
	"testing"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// TestOrderingTransitions: the outgoing edges of Ordering, stage by stage
// as the reconciler fills the facts in. Nothing is ordered while a call
// may be under way, without a lookup where one is due, past the call
// bound, or when the resource changed; an order found is adopted only if
// the attempt can have placed it.
func TestOrderingTransitions(t *testing.T) {
	intent := now.Add(-time.Hour)
	quiet := 90 * time.Second
	base := func() *billingv1alpha1.RenewalRequest {
		return ordered(request(billingv1alpha1.RenewalPhaseOrdering), intent)
	}
	called := func(calls int32, first, last time.Time) *billingv1alpha1.RenewalRequest {
		rr := base()
		rr.Status.RenewCalls, rr.Status.FirstRenewCallAt, rr.Status.RenewCallStartedAt = calls, at(first), at(last)
		return rr
	}
	lookupFirst := func() *billingv1alpha1.RenewalRequest {
		rr := base()
		rr.Spec.LookupFirst = true
		return rr
	}
	baseline := base().Spec.BaselineExpireTime.Time
	unchanged := &Resource{Listed: true, ExpireTime: baseline}
	firstCall := now.Add(-10 * time.Minute)
	own := &Order{ID: "CS1", State: OrderPendingPayment, Status: "PendingPayment", CreateTime: firstCall.Add(time.Second)}
	tests := []struct {
		name string
		in   OrderingInput
		want want
	}{
		{name: "this process placed the order: PaymentPending", in: OrderingInput{Request: base(), Known: []string{"CS1"}},
			want: want{phase: billingv1alpha1.RenewalPhasePaymentPending, wake: now, msg: "its amount is checked before it is paid"}},
		{name: "fresh intent of this process: reads the resource, no lookup", in: OrderingInput{Request: base(), Fresh: true},
			want: want{action: ActionReadResource}},
		{name: "fresh intent, resource unchanged: renews", in: OrderingInput{Request: base(), Fresh: true, Resource: unchanged},
			want: want{action: ActionRenew}},
		{name: "fresh intent but lookupFirst: looks up first", in: OrderingInput{Request: lookupFirst(), Fresh: true},
			want: want{action: ActionLookup}},
		{name: "another process's intent: looks up first", in: OrderingInput{Request: base()}, want: want{action: ActionLookup}},
		{name: "a recorded call may be on the wire: holds until the quiet time ends", in: OrderingInput{Request: called(1, now.Add(-time.Minute), now.Add(-time.Minute))},
			want: want{reason: ReasonRenewCallSettling, wake: now.Add(-time.Minute + quiet), msg: "renew call 1 may still be under way"}},
		{name: "a call this process remembers may be on the wire: holds", in: OrderingInput{Request: base(), CallStarted: now.Add(-time.Second)},
			want: want{reason: ReasonRenewCallSettling, wake: now.Add(-time.Second + quiet)}},
		{name: "this process got the call's answer: no wait, looks up", in: OrderingInput{Request: called(1, now, now), CallStarted: now, Settled: true},
			want: want{action: ActionLookup}},
		{name: "quiet time over: looks up", in: OrderingInput{Request: called(1, firstCall, firstCall)}, want: want{action: ActionLookup}},
		{name: "own pending order found: adopted, PaymentPending", in: OrderingInput{Request: called(1, firstCall, firstCall), Lookup: &Lookup{Order: own}},
			want: want{phase: billingv1alpha1.RenewalPhasePaymentPending, wake: now, msg: "adopted order CS1"}},
		{name: "own completed order found: adopted, Confirming", in: OrderingInput{Request: called(1, firstCall, firstCall),
			Lookup: &Lookup{Order: &Order{ID: "CS1", State: OrderCompleted, CreateTime: firstCall}}},
			want: want{phase: billingv1alpha1.RenewalPhaseConfirming, wake: now, msg: "adopted order CS1"}},
		{name: "own order found cancelled: Cancelled", in: OrderingInput{Request: called(1, firstCall, firstCall),
			Lookup: &Lookup{Order: &Order{ID: "CS1", State: OrderCancelled, CreateTime: firstCall}}},
			want: want{phase: billingv1alpha1.RenewalPhaseCancelled, msg: "the renewal order CS1 was cancelled"}},
		{name: "order created before the first call: ForeignOrder, never paid", in: OrderingInput{Request: called(1, firstCall, firstCall),
			Lookup: &Lookup{Order: &Order{ID: "CS0", State: OrderPendingPayment, Status: "PendingPayment", CreateTime: firstCall.Add(-ForeignOrderSlack - time.Second)}}},
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, reason: ReasonForeignOrder, warn: ReasonForeignOrder, msg: "was not placed by this operator"}},
		{name: "order found before any call: ForeignOrder", in: OrderingInput{Request: lookupFirst(), Fresh: true, Lookup: &Lookup{Order: own}},
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, reason: ReasonForeignOrder, warn: ReasonForeignOrder, msg: "this attempt made no renew call"}},
		{name: "someone else's cancelled order is nobody's: reads the expiry", in: OrderingInput{Request: called(1, firstCall, firstCall),
			Lookup: &Lookup{Order: &Order{ID: "CS0", State: OrderCancelled, CreateTime: firstCall.Add(-time.Hour)}}},
			want: want{action: ActionReadExpiry}},
		{name: "no order: reads the expiry", in: OrderingInput{Request: called(1, firstCall, firstCall), Lookup: &Lookup{}},
			want: want{action: ActionReadExpiry}},
		{name: "no order, expiry moved after a call: Succeeded", in: OrderingInput{Request: called(1, firstCall, firstCall),
			Lookup: &Lookup{Expiry: &Resource{Listed: true, ExpireTime: baseline.AddDate(0, 1, 0)}}},
			want: want{phase: billingv1alpha1.RenewalPhaseSucceeded, msg: "none was placed again"}},
		{name: "no order, expiry moved with no call made: RenewedElsewhere", in: OrderingInput{Request: lookupFirst(), Fresh: true,
			Lookup: &Lookup{Expiry: &Resource{Listed: true, ExpireTime: baseline.AddDate(0, 1, 0)}}},
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, reason: ReasonRenewedElsewhere, msg: "; nothing was ordered"}},
		{name: "no order, expiry unmoved: reads the resource to call again", in: OrderingInput{Request: called(1, firstCall, firstCall),
			Lookup: &Lookup{Expiry: unchanged}}, want: want{action: ActionReadResource}},
		{name: "the call bound reached with nothing found: Failed", in: OrderingInput{Request: called(MaxRenewCalls, firstCall, firstCall),
			Lookup: &Lookup{Expiry: unchanged}}, want: want{phase: billingv1alpha1.RenewalPhaseFailed, msg: "3 renew calls got no answer"}},
		{name: "renewed in the console meanwhile: Failed, nothing ordered", in: OrderingInput{Request: base(), Fresh: true,
			Resource: &Resource{Listed: true, ExpireTime: baseline.AddDate(0, 1, 0)}},
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, reason: ReasonRenewedElsewhere, warn: ReasonRenewedElsewhere, msg: "changed while the attempt waited"}},
		{name: "auto-renew switched on meanwhile: Failed", in: OrderingInput{Request: base(), Fresh: true,
			Resource: &Resource{Listed: true, ExpireTime: baseline, AutoRenew: true}},
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, reason: ReasonAutoRenewSwitchedOn, warn: ReasonAutoRenewSwitchedOn}},
		{name: "resource gone: Failed", in: OrderingInput{Request: base(), Fresh: true, Resource: &Resource{}},
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, reason: ReasonResourceNotFound, warn: ReasonResourceNotFound}},
		{name: "call placed orders: PaymentPending", in: OrderingInput{Request: called(1, now, now), Renew: &RenewResult{Outcome: RenewPlaced, Orders: []string{"CS1"}, Started: now}},
			want: want{phase: billingv1alpha1.RenewalPhasePaymentPending, wake: now}},
		{name: "call outcome unknown: holds until the call cannot be under way", in: OrderingInput{Request: called(1, now, now), Quiet: quiet,
			Renew: &RenewResult{Outcome: RenewUnknown, Started: now, Detail: "timeout"}},
			want: want{reason: ReasonRenewCallSettling, wake: now.Add(quiet), msg: "renew call outcome unknown (timeout)"}},
		{name: "call not applied: backoff", in: OrderingInput{Request: base(), Renew: &RenewResult{Outcome: RenewNotApplied, Started: now}},
			want: want{action: ActionBackoff}},
		{name: "call refused: Failed", in: OrderingInput{Request: called(1, now, now), Renew: &RenewResult{Outcome: RenewRefused, Started: now, Detail: "CBC.0001 no"}},
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, msg: "BSS refused the renewal: CBC.0001 no"}},
		{name: "refused for a pending order: finds it", in: OrderingInput{Request: base(), Renew: &RenewResult{Outcome: RenewPendingOrder, Started: now}},
			want: want{action: ActionFindPending}},
		{name: "refused for a pending order that is not a renewal: Failed", in: OrderingInput{Request: base(),
			Renew: &RenewResult{Outcome: RenewPendingOrder, Started: now, Pending: &Found{}}},
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, msg: "not a renewal"}},
		{name: "refused first call, someone's pending order: ForeignOrder", in: OrderingInput{Request: called(0, now, now),
			Renew: &RenewResult{Outcome: RenewPendingOrder, Started: now, Pending: &Found{Order: &Order{ID: "CS9", State: OrderPendingPayment, CreateTime: now.Add(-time.Second)}}}},
			want: want{phase: billingv1alpha1.RenewalPhaseFailed, reason: ReasonForeignOrder, warn: ReasonForeignOrder, msg: "CBC.99003100"}},
		{name: "refused second call, the first call's order: adopted", in: OrderingInput{Request: called(1, firstCall, now),
			Renew: &RenewResult{Outcome: RenewPendingOrder, Started: now, Pending: &Found{Order: own}}},
			want: want{phase: billingv1alpha1.RenewalPhasePaymentPending, wake: now, msg: "adopted order CS1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Now = now
			if tt.in.Quiet == 0 {
				tt.in.Quiet = quiet
			}
			got := Ordering(tt.in)
			tt.want.check(t, got)
			if got.Action == ActionRenew && (tt.in.Resource == nil || tt.in.Request.Status.RenewCalls >= MaxRenewCalls) {
				t.Fatal("renews without reading the resource, or past the bound")
			}
		})
	}
}
