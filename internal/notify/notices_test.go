package notify

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

var (
	t0  = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	now = t0.Add(2 * time.Hour)
)

func cond(typ string, status metav1.ConditionStatus, reason string, at time.Time) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: typ + " message", LastTransitionTime: metav1.NewTime(at)}
}

func testSub(conds ...metav1.Condition) *billingv1alpha1.Subscription {
	exp := metav1.NewTime(t0.Add(20 * 24 * time.Hour))
	return &billingv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "web", UID: "sub-uid"},
		Spec:       billingv1alpha1.SubscriptionSpec{AccountRef: billingv1alpha1.LocalObjectReference{Name: "acct"}, ResourceID: "ecs-1"},
		Status:     billingv1alpha1.SubscriptionStatus{Conditions: conds, ExpireTime: &exp},
	}
}

func testRequest(phase billingv1alpha1.RenewalPhase, conds ...metav1.Condition) *billingv1alpha1.RenewalRequest {
	return &billingv1alpha1.RenewalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "web-r3", UID: "rr-uid"},
		Status: billingv1alpha1.RenewalRequestStatus{Phase: phase, Conditions: conds,
			Quote: &billingv1alpha1.PriceQuote{Price: billingv1alpha1.Money{Amount: "612.00", Currency: "USD"}}},
	}
}

// withActive makes rr the Subscription's active request.
func withActive(sub *billingv1alpha1.Subscription, rr *billingv1alpha1.RenewalRequest) *billingv1alpha1.Subscription {
	sub.Status.ActiveRequest = rr.Name
	return sub
}

func TestDerive(t *testing.T) {
	True, False := metav1.ConditionTrue, metav1.ConditionFalse
	awaiting := testRequest(billingv1alpha1.RenewalPhaseAwaitingApproval,
		cond(billingv1alpha1.ConditionApprovalRequired, True, "ApprovalPolicy", t0))
	paying := func(since time.Time) *billingv1alpha1.RenewalRequest {
		return testRequest(billingv1alpha1.RenewalPhasePaymentPending, cond(billingv1alpha1.ConditionPaymentPending, True, "AwaitingPayment", since))
	}
	failed := testSub()
	failed.Status.FailureCount, failed.Status.RenewalRevision = 2, 3

	type want struct {
		kind    billingv1alpha1.NotificationKind
		objKind string
		key     string
	}
	for _, tc := range []struct {
		name     string
		sub      *billingv1alpha1.Subscription
		active   *billingv1alpha1.RenewalRequest
		after    time.Duration
		want     []want
		wantWake time.Time
	}{
		{name: "nothing to say", sub: testSub(cond(billingv1alpha1.ConditionReady, True, "UpToDate", t0))},
		{name: "approval required", sub: withActive(testSub(), awaiting), active: awaiting,
			want: []want{{billingv1alpha1.NotificationApprovalRequired, "RenewalRequest", "ApprovalRequired/rr-uid/ApprovalRequired/ApprovalPolicy/2027-03-01T12:00:00Z"}}},
		{name: "approval no longer required",
			sub:    withActive(testSub(), testRequest(billingv1alpha1.RenewalPhaseApproved, cond(billingv1alpha1.ConditionApprovalRequired, False, "Approved", t0))),
			active: testRequest(billingv1alpha1.RenewalPhaseApproved, cond(billingv1alpha1.ConditionApprovalRequired, False, "Approved", t0))},
		{name: "request that is not the active one says nothing", sub: testSub(), active: awaiting},
		{name: "finished request says nothing",
			sub:    withActive(testSub(), testRequest(billingv1alpha1.RenewalPhaseDenied, cond(billingv1alpha1.ConditionApprovalRequired, True, "ApprovalPolicy", t0))),
			active: testRequest(billingv1alpha1.RenewalPhaseDenied, cond(billingv1alpha1.ConditionApprovalRequired, True, "ApprovalPolicy", t0))},
		{name: "payment pending past the default hour", sub: withActive(testSub(), paying(t0)), active: paying(t0),
			want: []want{{billingv1alpha1.NotificationPaymentPending, "RenewalRequest", "PaymentPending/rr-uid/PaymentPending/AwaitingPayment/2027-03-01T12:00:00Z"}}},
		{name: "payment pending within the threshold waits", sub: withActive(testSub(), paying(now.Add(-30*time.Minute))), active: paying(now.Add(-30 * time.Minute)),
			wantWake: now.Add(30 * time.Minute)},
		{name: "payment pending with a longer threshold waits", sub: withActive(testSub(), paying(t0)), active: paying(t0), after: 3 * time.Hour,
			wantWake: t0.Add(3 * time.Hour)},
		{name: "payment not pending", sub: withActive(testSub(), paying(t0)),
			active: testRequest(billingv1alpha1.RenewalPhaseConfirming, cond(billingv1alpha1.ConditionPaymentPending, False, "UpToDate", t0))},
		{name: "subscription stalled", sub: testSub(cond(billingv1alpha1.ConditionStalled, True, "ResourceNotFound", t0)),
			want: []want{{billingv1alpha1.NotificationRenewalStalled, "Subscription", "RenewalStalled/sub-uid/Stalled/ResourceNotFound/2027-03-01T12:00:00Z"}}},
		{name: "request stalled",
			sub:    withActive(testSub(), testRequest(billingv1alpha1.RenewalPhaseConfirming, cond(billingv1alpha1.ConditionStalled, True, "OrderProcessing", t0))),
			active: testRequest(billingv1alpha1.RenewalPhaseConfirming, cond(billingv1alpha1.ConditionStalled, True, "OrderProcessing", t0)),
			want:   []want{{billingv1alpha1.NotificationRenewalStalled, "RenewalRequest", "RenewalStalled/rr-uid/Stalled/OrderProcessing/2027-03-01T12:00:00Z"}}},
		{name: "renewal failed", sub: failed,
			want: []want{{billingv1alpha1.NotificationRenewalFailed, "Subscription", "RenewalFailed/sub-uid/RenewalAttempt/Revision3"}}},
		{name: "failure count with the next attempt under way says nothing", sub: func() *billingv1alpha1.Subscription {
			s := failed.DeepCopy()
			s.Status.ActiveRequest = "web-r4"
			return s
		}()},
		{name: "auto-renew overdue", sub: testSub(cond(billingv1alpha1.ConditionAutoRenewOverdue, True, "AutoRenewDeductionOverdue", t0)),
			want: []want{{billingv1alpha1.NotificationAutoRenewOverdue, "Subscription", "AutoRenewOverdue/sub-uid/AutoRenewOverdue/AutoRenewDeductionOverdue/2027-03-01T12:00:00Z"}}},
		{name: "expiring without a plan", sub: testSub(cond(billingv1alpha1.ConditionExpiringSoon, True, "ExpiringSoon", t0)),
			want: []want{{billingv1alpha1.NotificationExpiringWithoutPlan, "Subscription", "ExpiringWithoutPlan/sub-uid/ExpiringSoon/ExpiringSoon/2027-03-01T12:00:00Z"}}},
		{name: "expiring while an attempt is under way says nothing (the attempt's own kinds do)",
			sub: withActive(testSub(cond(billingv1alpha1.ConditionExpiringSoon, True, "ExpiringSoon", t0)), testRequest(billingv1alpha1.RenewalPhaseConfirming))},
		{name: "expiring with a plan says nothing", sub: testSub(cond(billingv1alpha1.ConditionExpiringSoon, False, "RenewalScheduled", t0))},
		{name: "several at once", sub: withActive(testSub(
			cond(billingv1alpha1.ConditionExpiringSoon, True, "ExpiringSoon", t0),
			cond(billingv1alpha1.ConditionStalled, True, "Expired", t0)), awaiting), active: awaiting,
			want: []want{
				{billingv1alpha1.NotificationApprovalRequired, "RenewalRequest", "ApprovalRequired/rr-uid/ApprovalRequired/ApprovalPolicy/2027-03-01T12:00:00Z"},
				{billingv1alpha1.NotificationRenewalStalled, "Subscription", "RenewalStalled/sub-uid/Stalled/Expired/2027-03-01T12:00:00Z"},
			}},
		{name: "several at once without an attempt", sub: testSub(
			cond(billingv1alpha1.ConditionExpiringSoon, True, "ExpiringSoon", t0),
			cond(billingv1alpha1.ConditionAutoRenewOverdue, True, "AutoRenewDeductionOverdue", t0)),
			want: []want{
				{billingv1alpha1.NotificationAutoRenewOverdue, "Subscription", "AutoRenewOverdue/sub-uid/AutoRenewOverdue/AutoRenewDeductionOverdue/2027-03-01T12:00:00Z"},
				{billingv1alpha1.NotificationExpiringWithoutPlan, "Subscription", "ExpiringWithoutPlan/sub-uid/ExpiringSoon/ExpiringSoon/2027-03-01T12:00:00Z"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, wake := Derive(Input{Subscription: tc.sub, Active: tc.active, PaymentPendingAfter: tc.after, Now: now})
			if len(got) != len(tc.want) {
				t.Fatalf("Derive gave %d notices %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				n := got[i]
				if n.Kind != w.kind || n.ObjectKind != w.objKind || n.Key != w.key {
					t.Errorf("notice %d is %s on %s key %q, want %s on %s key %q", i, n.Kind, n.ObjectKind, n.Key, w.kind, w.objKind, w.key)
				}
				if n.Namespace != "team" || n.Subscription != "web" || n.ResourceID != "ecs-1" || n.Account != "acct" || n.Hint == "" || n.ExpireTime.IsZero() {
					t.Errorf("notice %d lacks its context: %+v", i, n)
				}
			}
			if !wake.Equal(tc.wantWake) {
				t.Errorf("wake %v, want %v", wake, tc.wantWake)
			}
		})
	}
}

// TestDeriveKeys: a condition that does not change keeps its key however
// often it is derived; a new transition, a new reason or another object
// makes a new one.
func TestDeriveKeys(t *testing.T) {
	keyOf := func(sub *billingv1alpha1.Subscription, at time.Time) string {
		t.Helper()
		got, _ := Derive(Input{Subscription: sub, Now: at})
		if len(got) != 1 {
			t.Fatalf("want one notice, got %+v", got)
		}
		return got[0].Key
	}
	stalled := testSub(cond(billingv1alpha1.ConditionStalled, metav1.ConditionTrue, "ResourceNotFound", t0))
	first := keyOf(stalled, now)
	if again := keyOf(stalled, now.Add(5*time.Hour)); again != first {
		t.Errorf("same condition later: key %q, want %q", again, first)
	}
	moved := testSub(cond(billingv1alpha1.ConditionStalled, metav1.ConditionTrue, "ResourceNotFound", t0.Add(time.Hour)))
	if k := keyOf(moved, now); k == first {
		t.Errorf("new transition kept key %q", k)
	}
	otherReason := testSub(cond(billingv1alpha1.ConditionStalled, metav1.ConditionTrue, "AttachedResource", t0))
	if k := keyOf(otherReason, now); k == first {
		t.Errorf("new reason kept key %q", k)
	}
	other := stalled.DeepCopy()
	other.UID = "other-uid"
	if k := keyOf(other, now); k == first {
		t.Errorf("another object kept key %q", k)
	}
	failed := testSub()
	failed.Status.FailureCount, failed.Status.RenewalRevision = 1, 1
	k1 := keyOf(failed, now)
	failed.Status.FailureCount, failed.Status.RenewalRevision = 2, 2
	if k2 := keyOf(failed, now); k2 == k1 || !strings.Contains(k2, "Revision2") {
		t.Errorf("the next failed attempt has key %q (first %q)", k2, k1)
	}
}
