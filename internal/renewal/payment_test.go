package renewal

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// TestPaymentTransitions: the outgoing edges of PaymentPending. An order is
// paid only while it awaits payment, before its deadline, when no partner
// or person pays it and its amount is within what was authorized;
// otherwise it waits, or is cancelled, and a payment whose outcome is not
// known is read again, never repeated.
func TestPaymentTransitions(t *testing.T) {
	intent := now.Add(-time.Hour)
	deadline := intent.Add(billingv1alpha1.DefaultCancelUnpaidAfter)
	req := func(f ...func(*billingv1alpha1.RenewalRequest)) *billingv1alpha1.RenewalRequest {
		rr := ordered(request(billingv1alpha1.RenewalPhasePaymentPending), intent)
		rr.Status.OrderIDs = []string{"CS1"}
		rr.Status.Quote = &billingv1alpha1.PriceQuote{Price: *usd("100.00")}
		rr.Status.ApprovalState = billingv1alpha1.ApprovalStateAutoApproved
		for _, g := range f {
			g(rr)
		}
		return rr
	}
	manual := func(rr *billingv1alpha1.RenewalRequest) { rr.Spec.Payment.Method = billingv1alpha1.PaymentMethodManual }
	payable := &Order{ID: "CS1", State: OrderPendingPayment, Price: usd("100.00"), Amount: "100.00", Currency: "USD"}
	dear := &Order{ID: "CS1", State: OrderPendingPayment, Price: usd("120.00"), Amount: "120.00", Currency: "USD"}
	closing := &Order{ID: "CS1", State: OrderPendingPayment, Price: usd("100.00"), PendingPaymentEnd: now.Add(time.Hour)}
	mine := &Payer{Listed: true}
	tests := []struct {
		name string
		in   PaymentInput
		want want
	}{
		{name: "no order recorded: back to Ordering", in: PaymentInput{Request: req(func(rr *billingv1alpha1.RenewalRequest) { rr.Status.OrderIDs = nil })},
			want: want{phase: billingv1alpha1.RenewalPhaseOrdering, wake: now}},
		{name: "reads the order first", in: PaymentInput{Request: req()}, want: want{action: ActionReadOrder}},
		{name: "already paid: Confirming", in: PaymentInput{Request: req(), Order: &Order{ID: "CS1", State: OrderCompleted}},
			want: want{phase: billingv1alpha1.RenewalPhaseConfirming, wake: now}},
		{name: "paid and processing: Confirming", in: PaymentInput{Request: req(), Order: &Order{ID: "CS1", State: OrderProcessing}},
			want: want{phase: billingv1alpha1.RenewalPhaseConfirming, wake: now}},
		{name: "cancelled: Cancelled", in: PaymentInput{Request: req(), Order: &Order{ID: "CS1", State: OrderCancelled}},
			want: want{phase: billingv1alpha1.RenewalPhaseCancelled, msg: "cancelled before it was paid"}},
		{name: "pending approval in BSS: holds, bounded", in: PaymentInput{Request: req(), Order: &Order{ID: "CS1", State: OrderOther}},
			want: want{action: ActionWaitOrder}},
		{name: "unpaid at the deadline: cancels", in: PaymentInput{Now: deadline, Request: req(), Order: payable}, want: want{action: ActionCancel}},
		{name: "BSS's payment end comes first: cancels then", in: PaymentInput{Now: now.Add(time.Hour), Request: req(), Order: closing},
			want: want{action: ActionCancel}},
		{name: "cancelled at the deadline: Cancelled", in: PaymentInput{Now: deadline, Request: req(), Order: payable, Cancel: &Answer[CancelOutcome]{Outcome: CancelDone}},
			want: want{phase: billingv1alpha1.RenewalPhaseCancelled, warn: ReasonOrderCancelled, msg: "unpaid at the deadline and was cancelled"}},
		{name: "not cancellable at the deadline: read again at once", in: PaymentInput{Now: deadline, Request: req(), Order: payable,
			Cancel: &Answer[CancelOutcome]{Outcome: CancelNotCancelable, Detail: "CBC.99006051"}},
			want: want{wake: deadline, msg: "order CS1 could not be cancelled (CBC.99006051)"}},
		{name: "cancellation failed: backoff", in: PaymentInput{Now: deadline, Request: req(), Order: payable, Cancel: &Answer[CancelOutcome]{Outcome: CancelFailed}},
			want: want{action: ActionBackoff}},
		{name: "who pays is read before paying", in: PaymentInput{Request: req(), Order: payable}, want: want{action: ActionReadPayer}},
		{name: "not in the order list yet: holds, not paid", in: PaymentInput{Request: req(), Order: payable, Payer: &Payer{}},
			want: want{wake: now.Add(PayerUnknownPoll), msg: "not in the order list"}},
		{name: "a partner pays: holds until the deadline", in: PaymentInput{Request: req(), Order: payable, Payer: &Payer{Listed: true, Partner: true, Agent: "acme"}},
			want: want{reason: ReasonPartnerPays, wake: now.Add(ManualPaymentPoll), msg: "paid by partner acme"}},
		{name: "an unnamed partner pays, deadline first", in: PaymentInput{Request: req(), Order: closing, Payer: &Payer{Listed: true, Partner: true}},
			want: want{reason: ReasonPartnerPays, wake: now.Add(ManualPaymentPoll), msg: "partner (not named)"}},
		{name: "manual payment: holds for a person", in: PaymentInput{Request: req(manual), Order: payable, Payer: mine},
			want: want{wake: now.Add(ManualPaymentPoll), msg: "awaits payment in the console"}},
		{name: "manual payment near the deadline: wakes at it", in: PaymentInput{Now: deadline.Add(-time.Minute), Request: req(manual), Order: payable, Payer: mine},
			want: want{wake: deadline}},
		{name: "within the quote: pays", in: PaymentInput{Request: req(), Order: payable, Payer: mine}, want: want{action: ActionPayOrder}},
		{name: "above the quote: cancels, never pays", in: PaymentInput{Request: req(), Order: dear, Payer: mine}, want: want{action: ActionCancel}},
		{name: "unknown currency: cancels (a check that cannot decide holds)", in: PaymentInput{Request: req(), Order: &Order{ID: "CS1", State: OrderPendingPayment, Amount: "90.00", Currency: "EUR"}, Payer: mine},
			want: want{action: ActionCancel}},
		{name: "above the quote, cancelled: Cancelled PriceAboveApproved", in: PaymentInput{Request: req(), Order: dear, Payer: mine, Cancel: &Answer[CancelOutcome]{Outcome: CancelDone}},
			want: want{phase: billingv1alpha1.RenewalPhaseCancelled, reason: ReasonPriceAboveApproved, warn: ReasonPriceAboveApproved, msg: "above the quote the gates passed"}},
		{name: "above the quote, not cancellable: read again", in: PaymentInput{Request: req(), Order: dear, Payer: mine, Cancel: &Answer[CancelOutcome]{Outcome: CancelNotCancelable, Detail: "x"}},
			want: want{wake: now, msg: "above the quote the gates passed (100.00 USD); it could not be cancelled (x)"}},
		{name: "above the quote, cancellation failed: backoff", in: PaymentInput{Request: req(), Order: dear, Payer: mine, Cancel: &Answer[CancelOutcome]{Outcome: CancelFailed}},
			want: want{action: ActionBackoff}},
		{name: "paid: Confirming", in: PaymentInput{Request: req(), Order: payable, Payer: mine, Paid: &Answer[PayOutcome]{Outcome: PayDone}},
			want: want{phase: billingv1alpha1.RenewalPhaseConfirming, wake: now, msg: "paid order CS1"}},
		{name: "payment outcome unknown: read again, not paid again", in: PaymentInput{Request: req(), Order: payable, Payer: mine, Paid: &Answer[PayOutcome]{Outcome: PayUnknown, Detail: "timeout"}},
			want: want{wake: now.Add(PaymentUnknownPoll), msg: "outcome unknown (timeout)"}},
		{name: "expired unpaid: Cancelled", in: PaymentInput{Request: req(), Order: payable, Payer: mine, Paid: &Answer[PayOutcome]{Outcome: PayExpired, Detail: "CBC.99006054"}},
			want: want{phase: billingv1alpha1.RenewalPhaseCancelled, msg: "expired unpaid (CBC.99006054)"}},
		{name: "payment failed: backoff, not past the deadline", in: PaymentInput{Request: req(), Order: payable, Payer: mine, Paid: &Answer[PayOutcome]{Outcome: PayFailed}},
			want: want{action: ActionBackoff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.Now.IsZero() {
				tt.in.Now = now
			}
			got := Payment(tt.in)
			tt.want.check(t, got)
			if got.Action == ActionPayOrder && OrderWithinApproval(tt.in.Request, "CS1", tt.in.Order) != "" {
				t.Fatal("pays an order above what was authorized")
			}
			if got.Action == ActionBackoff && got.Backoff == "" {
				t.Fatal("a backoff that does not say what failed")
			}
			if strings.HasPrefix(tt.name, "payment failed") && !got.RetryBy.Equal(deadline) {
				t.Fatalf("a failed payment retries by %s, want the deadline %s", got.RetryBy, deadline)
			}
			if tt.in.Order != nil && tt.in.Order.State == OrderPendingPayment && got.PaymentDeadline.IsZero() {
				t.Fatal("no payment deadline for an order that awaits payment")
			}
		})
	}
}

// TestConfirmingTransitions: the outgoing edges of Confirming. Only a
// completed order and an expiry past the baseline end the attempt
// Succeeded.
func TestConfirmingTransitions(t *testing.T) {
	req := func(orders ...string) *billingv1alpha1.RenewalRequest {
		rr := ordered(request(billingv1alpha1.RenewalPhaseConfirming), now.Add(-time.Hour))
		rr.Status.OrderIDs = orders
		return rr
	}
	baseline := req().Spec.BaselineExpireTime.Time
	done := &Order{ID: "CS1", State: OrderCompleted, Price: usd("95.00")}
	moved := &Resource{Listed: true, ExpireTime: baseline.AddDate(0, 1, 0)}
	tests := []struct {
		name     string
		in       ConfirmingInput
		want     want
		wantPaid *billingv1alpha1.Money
	}{
		{name: "reads the order first", in: ConfirmingInput{Request: req("CS1")}, want: want{action: ActionReadOrder}},
		{name: "unpaid after all: back to PaymentPending", in: ConfirmingInput{Request: req("CS1"), Order: &Order{ID: "CS1", State: OrderPendingPayment}},
			want: want{phase: billingv1alpha1.RenewalPhasePaymentPending, wake: now}},
		{name: "cancelled: Cancelled", in: ConfirmingInput{Request: req("CS1"), Order: &Order{ID: "CS1", State: OrderCancelled}},
			want: want{phase: billingv1alpha1.RenewalPhaseCancelled, msg: "order CS1 was cancelled"}},
		{name: "still processing: holds, bounded", in: ConfirmingInput{Request: req("CS1"), Order: &Order{ID: "CS1", State: OrderProcessing}},
			want: want{action: ActionWaitOrder}},
		{name: "to be confirmed by a person: holds, bounded", in: ConfirmingInput{Request: req("CS1"), Order: &Order{ID: "CS1", State: OrderOther}},
			want: want{action: ActionWaitOrder}},
		{name: "completed: reads the expiry", in: ConfirmingInput{Request: req("CS1"), Order: done}, want: want{action: ActionReadExpiry}},
		{name: "expiry not moved yet: holds", in: ConfirmingInput{Request: req("CS1"), Order: done, Resource: &Resource{Listed: true, ExpireTime: baseline}},
			want: want{wake: now.Add(ExpiryPoll), msg: "waiting for BSS to show the new expiry"}},
		{name: "resource not listed: holds", in: ConfirmingInput{Request: req("CS1"), Order: done, Resource: &Resource{}},
			want: want{wake: now.Add(ExpiryPoll)}},
		{name: "expiry moved: Succeeded, with what it cost", in: ConfirmingInput{Request: req("CS1"), Order: done, Resource: moved},
			want: want{phase: billingv1alpha1.RenewalPhaseSucceeded, msg: "renewed res-1 until"}, wantPaid: usd("95.00")},
		{name: "no order recorded, expiry moved: Succeeded", in: ConfirmingInput{Request: req(), Resource: moved},
			want: want{phase: billingv1alpha1.RenewalPhaseSucceeded}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Now = now
			got := Confirming(tt.in)
			tt.want.check(t, got)
			if got.Phase == billingv1alpha1.RenewalPhaseSucceeded && !got.NewExpireTime.Equal(moved.ExpireTime) {
				t.Fatalf("new expiry %s, want %s", got.NewExpireTime, moved.ExpireTime)
			}
			if (got.AmountPaid == nil) != (tt.wantPaid == nil) || (got.AmountPaid != nil && *got.AmountPaid != *tt.wantPaid) {
				t.Fatalf("amount paid %v, want %v", got.AmountPaid, tt.wantPaid)
			}
		})
	}
}

// TestCancelUnpaidAfter: the policy's deadline, or the default.
func TestCancelUnpaidAfter(t *testing.T) {
	spec := &billingv1alpha1.RenewalRequestSpec{}
	if got := CancelUnpaidAfter(spec); got != billingv1alpha1.DefaultCancelUnpaidAfter {
		t.Fatalf("default %s, want %s", got, billingv1alpha1.DefaultCancelUnpaidAfter)
	}
	spec.Payment.CancelUnpaidAfter = &metav1.Duration{Duration: 2 * time.Hour}
	if got := CancelUnpaidAfter(spec); got != 2*time.Hour {
		t.Fatalf("set %s, want 2h", got)
	}
}
