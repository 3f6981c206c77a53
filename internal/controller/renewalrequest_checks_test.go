package controller

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

var checkT0 = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

// TestRenewQuietUntil: after the start of a renew call, nothing looks up
// or renews for the write timeout plus the settling delay; the later of the
// recorded mark and this process's own memory counts.
func TestRenewQuietUntil(t *testing.T) {
	quiet := (&Deps{BSSTimeout: 10 * time.Second, Timing: Timing{Speed: 1}}).renewQuiet()
	if want := 10*time.Second + renewSettleDelay; quiet != want {
		t.Fatalf("renewQuiet %v, want %v", quiet, want)
	}
	if q := (&Deps{Timing: Timing{Speed: 1}}).renewQuiet(); q != defaultWriteTimeout+renewSettleDelay {
		t.Fatalf("renewQuiet without a BSS timeout %v, want the default write timeout plus the settling delay", q)
	}
	if q := (&Deps{BSSTimeout: 10 * time.Second, Timing: Timing{Speed: 60}}).renewQuiet(); q != 60*(10*time.Second+renewSettleDelay) {
		t.Fatalf("renewQuiet at 60x %v: the real quiet time is business time times the speed", q)
	}
	mark := &metav1.Time{Time: checkT0}
	for _, tc := range []struct {
		name       string
		mark       *metav1.Time
		remembered time.Time
		now        time.Time
		wantQuiet  bool
		wantUntil  time.Time
	}{
		{"no call", nil, time.Time{}, checkT0, false, time.Time{}},
		{"call just started", mark, time.Time{}, checkT0.Add(time.Second), true, checkT0.Add(quiet)},
		{"one second before the end", mark, time.Time{}, checkT0.Add(quiet - time.Second), true, checkT0.Add(quiet)},
		{"at the end", mark, time.Time{}, checkT0.Add(quiet), false, checkT0.Add(quiet)},
		{"stale copy: only this process remembers the call", nil, checkT0, checkT0.Add(time.Second), true, checkT0.Add(quiet)},
		{"the later start counts", mark, checkT0.Add(time.Minute), checkT0.Add(quiet), true, checkT0.Add(time.Minute + quiet)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rr := &billingv1alpha1.RenewalRequest{Status: billingv1alpha1.RenewalRequestStatus{RenewCallStartedAt: tc.mark}}
			until, q := renewal.QuietUntil(rr.Status.RenewCallStartedAt, tc.remembered, quiet, tc.now)
			if q != tc.wantQuiet || !until.Equal(tc.wantUntil) {
				t.Fatalf("quiet %v until %s, want %v until %s", q, until, tc.wantQuiet, tc.wantUntil)
			}
		})
	}
}

// TestResourceChange: an attempt orders only while the resource's expiry
// is still its baseline and cloud auto-renew is off.
func TestResourceChange(t *testing.T) {
	base := checkT0
	for _, tc := range []struct {
		name string
		res  *bss.Resource
		want renewal.Reason
	}{
		{"unchanged", &bss.Resource{ExpireTime: base, ExpirePolicy: bss.ExpirePolicyGracePeriod}, ""},
		{"gone", nil, billingv1alpha1.ReasonResourceNotFound},
		{"renewed in the console", &bss.Resource{ExpireTime: base.AddDate(0, 1, 0)}, billingv1alpha1.ReasonRenewedElsewhere},
		{"renewal terms unsubscribed", &bss.Resource{ExpireTime: base.AddDate(0, -1, 0)}, billingv1alpha1.ReasonExpiryChanged},
		{"auto-renew switched on", &bss.Resource{ExpireTime: base, ExpirePolicy: bss.ExpirePolicyAutoRenew}, billingv1alpha1.ReasonAutoRenewSwitchedOn},
		{"pay-per-use at expiry is not auto-renew", &bss.Resource{ExpireTime: base, ExpirePolicy: bss.ExpirePolicyToPayPerUse}, ""},
		{"auto-renew already deducted", &bss.Resource{ExpireTime: base.AddDate(0, 1, 0), ExpirePolicy: bss.ExpirePolicyAutoRenew}, billingv1alpha1.ReasonRenewedElsewhere},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reason, msg := renewal.ResourceChange(resourceView(tc.res), base)
			if reason != tc.want {
				t.Fatalf("reason %q (%s), want %q", reason, msg, tc.want)
			}
			if reason != "" && msg == "" {
				t.Fatal("a change without a message")
			}
		})
	}
}

// TestForeignOrder: an order created before the attempt's first renew
// call, or with no call made, is not the attempt's.
func TestForeignOrder(t *testing.T) {
	first := &metav1.Time{Time: checkT0}
	for _, tc := range []struct {
		name    string
		created time.Time
		first   *metav1.Time
		want    bool
	}{
		{"no renew call made", checkT0.Add(time.Minute), nil, true},
		{"created by the call", checkT0, first, false},
		{"created after the call", checkT0.Add(2 * time.Second), first, false},
		{"BSS clock a little behind", checkT0.Add(-renewal.ForeignOrderSlack), first, false},
		{"created before the call", checkT0.Add(-renewal.ForeignOrderSlack - time.Second), first, true},
		{"created an hour before", checkT0.Add(-time.Hour), first, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := renewal.ForeignOrder(tc.created, tc.first); got != tc.want {
				t.Fatalf("foreign %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPendingOrderOwn: the pending order behind a refused renew call
// (CBC.99003100) is the attempt's own only if an earlier call can have
// placed it: one exists, the order is not older than the first call, and
// it is older than the refused call's start less the clock slack.
func TestPendingOrderOwn(t *testing.T) {
	first := &metav1.Time{Time: checkT0}
	refused := checkT0.Add(time.Minute) // after the quiet time of the first call
	for _, tc := range []struct {
		name    string
		created time.Time
		earlier int32
		want    bool
	}{
		{"the only call was refused: created as it started", refused, 0, false},
		{"the only call was refused: created just before it", refused.Add(-2 * time.Second), 0, false},
		{"the only call was refused: created long before", refused.Add(-time.Hour), 0, false},
		{"placed by the earlier call", checkT0.Add(2 * time.Second), 1, true},
		{"just older than the refused call less the slack", refused.Add(-renewal.ForeignOrderSlack - time.Second), 1, true},
		{"within the slack of the refused call", refused.Add(-renewal.ForeignOrderSlack), 1, false},
		{"placed while the refused call was on the wire", refused.Add(time.Second), 1, false},
		{"older than the first call", checkT0.Add(-renewal.ForeignOrderSlack - time.Second), 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := renewal.PendingOrderOwn(tc.created, tc.earlier, first, refused); got != tc.want {
				t.Fatalf("own %v, want %v", got, tc.want)
			}
		})
	}
}

// TestFirstRenewCall: the first call's mark, else (an attempt recorded
// before the mark existed that counted calls) its intent, else none.
func TestFirstRenewCall(t *testing.T) {
	intent, first := &metav1.Time{Time: checkT0}, &metav1.Time{Time: checkT0.Add(time.Minute)}
	for _, tc := range []struct {
		name   string
		status billingv1alpha1.RenewalRequestStatus
		want   *metav1.Time
	}{
		{"no call", billingv1alpha1.RenewalRequestStatus{OrderIntentTime: intent}, nil},
		{"marked", billingv1alpha1.RenewalRequestStatus{OrderIntentTime: intent, RenewCalls: 1, FirstRenewCallAt: first}, first},
		{"counted before the mark existed", billingv1alpha1.RenewalRequestStatus{OrderIntentTime: intent, RenewCalls: 1}, intent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := renewal.FirstRenewCall(&tc.status)
			if (got == nil) != (tc.want == nil) || (got != nil && !got.Equal(tc.want)) {
				t.Fatalf("firstRenewCall %v, want %v", got, tc.want)
			}
		})
	}
}

// TestOrderWithinApproval: an order is paid only within the quote, the
// price cap (unless a person approved above it) and the approved maximum;
// what cannot be compared is not paid.
func TestOrderWithinApproval(t *testing.T) {
	usd := func(a string) *billingv1alpha1.Money { return &billingv1alpha1.Money{Amount: a, Currency: "USD"} }
	order := func(a, cur string) bss.Money { return bss.Money{Amount: decimal.RequireFromString(a), Currency: cur} }
	for _, tc := range []struct {
		name     string
		quote    *billingv1alpha1.Money
		maxPrice *billingv1alpha1.Money
		state    billingv1alpha1.ApprovalState
		approval *billingv1alpha1.RenewalApproval
		amount   bss.Money
		wantPay  bool
	}{
		{"as quoted", usd("100.00"), nil, billingv1alpha1.ApprovalStateAutoApproved, nil, order("100", "USD"), true},
		{"cheaper than quoted", usd("100.00"), nil, billingv1alpha1.ApprovalStateAutoApproved, nil, order("90", "USD"), true},
		{"a cent above the quote", usd("100.00"), nil, billingv1alpha1.ApprovalStateAutoApproved, nil, order("100.01", "USD"), false},
		{"rounds to the quote", usd("100.00"), nil, billingv1alpha1.ApprovalStateAutoApproved, nil, order("100.004", "USD"), true},
		{"above maxPrice", usd("150.00"), usd("120.00"), billingv1alpha1.ApprovalStateAutoApproved, nil, order("130", "USD"), false},
		{"a person approved above maxPrice", usd("150.00"), usd("120.00"), billingv1alpha1.ApprovalStateApproved,
			&billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "ann"}, order("150", "USD"), true},
		{"above the approved maximum", usd("150.00"), nil, billingv1alpha1.ApprovalStateApproved,
			&billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "ann", MaxAmount: usd("140.00")}, order("145", "USD"), false},
		{"another currency", usd("100.00"), nil, billingv1alpha1.ApprovalStateAutoApproved, nil, order("90", "CNY"), false},
		{"an unknown currency", usd("100.00"), nil, billingv1alpha1.ApprovalStateAutoApproved, nil, order("90", ""), false},
		{"no quote", nil, nil, billingv1alpha1.ApprovalStateAutoApproved, nil, order("90", "USD"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rr := &billingv1alpha1.RenewalRequest{
				Spec:   billingv1alpha1.RenewalRequestSpec{MaxPrice: tc.maxPrice, Approval: tc.approval},
				Status: billingv1alpha1.RenewalRequestStatus{ApprovalState: tc.state},
			}
			if tc.quote != nil {
				rr.Status.Quote = &billingv1alpha1.PriceQuote{Price: *tc.quote}
			}
			why := renewal.OrderWithinApproval(rr, "CS1", orderView(&bss.Order{ID: "CS1", AmountAfterDiscount: tc.amount}))
			if (why == "") != tc.wantPay {
				t.Fatalf("pay %v (%q), want %v", why == "", why, tc.wantPay)
			}
		})
	}
}

// TestShutdownIsNotABSSFailure (found by the chaos scenario
// TestRollingUpdateDuringRenewCalls): a BSS read cut by the manager's
// shutdown (the reconcile context canceled at SIGTERM) is not a BSS
// failure. It records no failure and no backoff, which the status write
// made during shutdown would hand to the next leader: it used to wait a
// minute before the attempt went on. A timeout is still a failure.
func TestShutdownIsNotABSSFailure(t *testing.T) {
	for _, tc := range []struct {
		name        string
		err         error
		wantBackoff bool
	}{
		{"canceled by shutdown", fmt.Errorf("quote: %w", context.Canceled), false},
		{"timed out", fmt.Errorf("quote: %w", context.DeadlineExceeded), true},
		{"BSS error", errors.New("HTTP 500 CBC.0999"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &rrState{rr: &billingv1alpha1.RenewalRequest{Spec: billingv1alpha1.RenewalRequestSpec{
				BaselineExpireTime: metav1.Time{Time: checkT0.Add(5 * 24 * time.Hour)}}}, now: checkT0}
			(&RenewalRequestReconciler{}).bssWait(st, "quote", tc.err)
			got := st.rr.Status.NextAttemptTime != nil || st.rr.Status.FailureCount != 0
			if got != tc.wantBackoff {
				t.Fatalf("failures %d, next attempt %v; want backoff %v", st.rr.Status.FailureCount, st.rr.Status.NextAttemptTime, tc.wantBackoff)
			}
			if st.wake.IsZero() {
				t.Fatal("no wake-up set")
			}
		})
	}
}
