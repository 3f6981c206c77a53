package controller_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/controller"
	"github.com/bss-operator/bss-operator/internal/notify"
)

// receiver is a local webhook receiver: it answers each POST with the next
// status of its script (204 once the script is used up) and keeps the
// bodies.
type receiver struct {
	mu     sync.Mutex
	script []int
	bodies [][]byte
	srv    *httptest.Server
}

func newReceiver(t *testing.T, script ...int) *receiver {
	t.Helper()
	r := &receiver{script: script}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		data, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		status := http.StatusNoContent
		if n := len(r.bodies); n < len(r.script) {
			status = r.script[n]
		}
		r.bodies = append(r.bodies, data)
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

func (r *receiver) body(i int) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[i]
}

// waitPosts waits until the receiver got n POSTs.
func (r *receiver) waitPosts(t *testing.T, n int) {
	t.Helper()
	eventually(t, 20*time.Second, func() error {
		if got := r.count(); got != n {
			return fmt.Errorf("%d POSTs, want %d", got, n)
		}
		return nil
	})
}

// stays checks that the receiver keeps exactly n POSTs for a while.
func (r *receiver) stays(t *testing.T, n int) {
	t.Helper()
	consistently(t, 1500*time.Millisecond, func() error {
		if got := r.count(); got != n {
			return fmt.Errorf("%d POSTs, want %d", got, n)
		}
		return nil
	})
}

// sink creates the webhook Secret of a sink pointing at the receiver.
func sink(t *testing.T, ns, name string, r *receiver, format billingv1alpha1.NotificationFormat, kinds ...billingv1alpha1.NotificationKind) billingv1alpha1.NotificationSink {
	t.Helper()
	mustCreate(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hook-" + name, Labels: watchLabel()},
		StringData: map[string]string{notify.URLKey: r.srv.URL + "/hook?token=s3cret"}})
	return billingv1alpha1.NotificationSink{Name: name, WebhookSecretRef: billingv1alpha1.LocalObjectReference{Name: "hook-" + name},
		Format: format, Events: kinds}
}

// setSinks sets the account's notification sinks.
func setSinks(t *testing.T, a account, sinks ...billingv1alpha1.NotificationSink) {
	t.Helper()
	var acct billingv1alpha1.BillingAccount
	get(t, a.NS, a.Name, &acct)
	patch := client.MergeFrom(acct.DeepCopy())
	acct.Spec.Notifications = &billingv1alpha1.NotificationsSpec{Sinks: sinks}
	if err := h.env.Client.Patch(ctx(), &acct, patch); err != nil {
		t.Fatalf("set sinks: %v", err)
	}
}

// waitRecord waits until the Subscription records the state of a
// notification of a kind at a sink, and returns the record.
func waitRecord(t *testing.T, ns, sub, sinkName string, kind billingv1alpha1.NotificationKind, state billingv1alpha1.NotificationState) billingv1alpha1.NotificationRecord {
	t.Helper()
	return waitAttempts(t, ns, sub, sinkName, kind, state, 0)
}

// waitAttempts is waitRecord for a record of that many attempts (any
// number for 0).
func waitAttempts(t *testing.T, ns, sub, sinkName string, kind billingv1alpha1.NotificationKind, state billingv1alpha1.NotificationState, attempts int32) billingv1alpha1.NotificationRecord {
	t.Helper()
	var out billingv1alpha1.NotificationRecord
	waitSub(t, ns, sub, 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		for _, r := range s.Status.Notifications {
			if r.Sink == sinkName && r.Kind == kind && r.State == state && (attempts == 0 || r.Attempts == attempts) {
				out = r
				return nil
			}
		}
		return fmt.Errorf("notifications %+v, want %s %s at %s after %d attempts", s.Status.Notifications, kind, state, sinkName, attempts)
	})
	return out
}

// expiringWithoutPlan creates a Subscription in Observe without a policy
// whose resource expires in five days: ExpiringSoon turns True.
func expiringWithoutPlan(t *testing.T, a account, name string) {
	t.Helper()
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	sub := subscription(a.NS, name, id, "", billingv1alpha1.ManagementObserve)
	sub.Spec.RenewalPolicyRef = nil
	mustCreate(t, sub)
}

// TestNotifyApprovalRequired: a renewal waiting for approval is notified
// once to a JSON sink and once to a Slack sink, and stays notified once
// however often the Subscription is reconciled, also by a notifier that
// starts afresh (a restart) with the same status. After the approval the
// record is pruned.
func TestNotifyApprovalRequired(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "5000.00")
	jsonRecv, slackRecv := newReceiver(t), newReceiver(t)
	// ops takes every kind: ExpiringSoon is True too while the attempt
	// waits, but the attempt's ApprovalRequired speaks for it.
	setSinks(t, a, sink(t, ns, "ops", jsonRecv, ""),
		sink(t, ns, "chat", slackRecv, billingv1alpha1.NotificationFormatSlack, billingv1alpha1.NotificationApprovalRequired))
	id := h.newResource(t, a, resourceOpts{expiresIn: 10 * day, monthly: "100.00"})
	mustCreate(t, renewPolicy(ns, "always", func(r *billingv1alpha1.RenewSpec) {
		r.Approval = billingv1alpha1.ApprovalSpec{Policy: billingv1alpha1.ApprovalAlways}
	}))
	mustCreate(t, subscription(ns, "db", id, "always", billingv1alpha1.ManagementManage))
	rr := waitRequest(t, ns, "db-r1", 30*time.Second, billingv1alpha1.RenewalPhaseAwaitingApproval)

	jsonRecv.waitPosts(t, 1)
	slackRecv.waitPosts(t, 1)
	var got notify.SubscriptionNotice
	if err := json.Unmarshal(jsonRecv.body(0), &got); err != nil {
		t.Fatalf("JSON body: %v", err)
	}
	if got.Version != "v1" || got.Kind != notify.Kind(billingv1alpha1.NotificationApprovalRequired) || got.Subscription != "db" ||
		got.ResourceID != id || got.Account != a.Name || got.Object.Kind != "RenewalRequest" || got.Object.Name != "db-r1" ||
		got.Object.UID != string(rr.UID) || got.Amount == nil || got.Amount.Amount != rr.Status.Quote.Price.Amount ||
		!strings.HasPrefix(got.IdempotencyKey, "ApprovalRequired/"+string(rr.UID)+"/ApprovalRequired/") || got.Hint != "kubectl bss approve db-r1 -n "+ns {
		t.Errorf("JSON notification %+v", got)
	}
	var slack notify.SlackMessage
	if err := json.Unmarshal(slackRecv.body(0), &slack); err != nil {
		t.Fatalf("Slack body: %v", err)
	}
	if !strings.Contains(slack.Text, "[ApprovalRequired] RenewalRequest "+ns+"/db-r1") || !strings.Contains(slack.Text, "kubectl bss approve db-r1") {
		t.Errorf("Slack text %q", slack.Text)
	}
	rec := waitRecord(t, ns, "db", "ops", billingv1alpha1.NotificationApprovalRequired, billingv1alpha1.NotificationDelivered)
	if rec.Key != got.IdempotencyKey || rec.Attempts != 1 {
		t.Errorf("record %+v, want key %s after one attempt", rec, got.IdempotencyKey)
	}
	waitRecord(t, ns, "db", "chat", billingv1alpha1.NotificationApprovalRequired, billingv1alpha1.NotificationDelivered)

	// The Subscription is reconciled again and again: nothing new.
	passed(t, ns, "db")
	passed(t, ns, "db")
	jsonRecv.stays(t, 1)
	slackRecv.stays(t, 1)

	// A notifier with no memory (a restarted manager) reads the status
	// and sends nothing again.
	fresh := &controller.NotificationReconciler{Client: h.env.Client, APIReader: h.env.Client,
		Secrets: &accounts.Resolver{Reader: h.env.Client}, Timing: controller.Timing{Clock: h.clock, Speed: 1},
		Policy: notify.Policy{AllowHTTP: true, AllowPrivate: true}}
	for range 3 {
		if _, err := fresh.Reconcile(ctx(), ctrl.Request{NamespacedName: client.ObjectKey{Namespace: ns, Name: "db"}}); err != nil {
			t.Fatalf("fresh notifier: %v", err)
		}
	}
	if n := jsonRecv.count() + slackRecv.count(); n != 2 {
		t.Fatalf("%d POSTs after a restart, want 2", n)
	}

	// Approved, the renewal goes on; the record of a condition that is
	// gone is pruned.
	approve(t, ns, "db-r1", billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice"})
	waitRequest(t, ns, "db-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	waitSub(t, ns, "db", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if len(s.Status.Notifications) != 0 {
			return fmt.Errorf("notifications %+v, want none", s.Status.Notifications)
		}
		return nil
	})
	jsonRecv.stays(t, 1)
}

// TestNotifyRetries: 500 and 429 are retried with backoff, in business
// time, and the notification is recorded Delivered once it went through.
func TestNotifyRetries(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "100.00")
	recv := newReceiver(t, http.StatusInternalServerError, http.StatusTooManyRequests)
	setSinks(t, a, sink(t, ns, "ops", recv, billingv1alpha1.NotificationFormatJSON))
	expiringWithoutPlan(t, a, "web")

	recv.waitPosts(t, 1)
	rec := waitRecord(t, ns, "web", "ops", billingv1alpha1.NotificationExpiringWithoutPlan, billingv1alpha1.NotificationRetrying)
	if rec.Attempts != 1 || rec.NextAttempt == nil || !rec.NextAttempt.Time.Equal(h.clock.Now().Add(notify.FirstRetry)) {
		t.Fatalf("record %+v, want one attempt and the next after %s", rec, notify.FirstRetry)
	}
	// No hot loop: without business time passing there is no retry.
	passed(t, ns, "web")
	recv.stays(t, 1)
	eventually(t, 10*time.Second, func() error {
		if n := len(subEvents(t, ns, "web", billingv1alpha1.ReasonWebhookFailed)); n != 1 {
			return fmt.Errorf("%d WebhookFailed events", n)
		}
		return nil
	})

	h.advance(notify.FirstRetry + time.Second) // 429; next in 2×FirstRetry
	recv.waitPosts(t, 2)
	rec = waitAttempts(t, ns, "web", "ops", billingv1alpha1.NotificationExpiringWithoutPlan, billingv1alpha1.NotificationRetrying, 2)
	if want := h.clock.Now().Add(2 * notify.FirstRetry); !rec.NextAttempt.Time.Equal(want) {
		t.Fatalf("record %+v after the 429, want the next attempt at %s", rec, want)
	}
	h.advance(2*notify.FirstRetry + time.Second) // delivered
	recv.waitPosts(t, 3)
	rec = waitRecord(t, ns, "web", "ops", billingv1alpha1.NotificationExpiringWithoutPlan, billingv1alpha1.NotificationDelivered)
	if rec.Attempts != 3 {
		t.Fatalf("record %+v, want Delivered after three attempts", rec)
	}
	var first, last notify.SubscriptionNotice
	_ = json.Unmarshal(recv.body(0), &first)
	_ = json.Unmarshal(recv.body(2), &last)
	if first.IdempotencyKey == "" || first.IdempotencyKey != last.IdempotencyKey {
		t.Errorf("idempotency keys %q and %q differ", first.IdempotencyKey, last.IdempotencyKey)
	}
	h.advance(time.Hour)
	recv.stays(t, 3)
}

// TestNotifyDropped: a 400 drops the notification with a Warning Event;
// it is not retried.
func TestNotifyDropped(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "100.00")
	recv := newReceiver(t, http.StatusBadRequest)
	setSinks(t, a, sink(t, ns, "ops", recv, billingv1alpha1.NotificationFormatJSON))
	expiringWithoutPlan(t, a, "web")

	recv.waitPosts(t, 1)
	waitRecord(t, ns, "web", "ops", billingv1alpha1.NotificationExpiringWithoutPlan, billingv1alpha1.NotificationDropped)
	eventually(t, 10*time.Second, func() error {
		if n := len(subEvents(t, ns, "web", billingv1alpha1.ReasonWebhookRejected)); n != 1 {
			return fmt.Errorf("%d WebhookRejected events", n)
		}
		return nil
	})
	h.advance(2 * notify.MaxRetry)
	passed(t, ns, "web")
	recv.stays(t, 1)
}

// TestNotifyNewTransition: a condition that goes away and comes back is a
// new notification; the filter keeps other kinds away from a sink.
func TestNotifyNewTransition(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "100.00")
	recv, approvals := newReceiver(t), newReceiver(t)
	setSinks(t, a, sink(t, ns, "ops", recv, billingv1alpha1.NotificationFormatJSON),
		sink(t, ns, "approvals", approvals, billingv1alpha1.NotificationFormatJSON, billingv1alpha1.NotificationApprovalRequired))
	// Ten days: inside the warning lead, before auto-renew's deduction day.
	id := h.newResource(t, a, resourceOpts{expiresIn: 10 * day, autoRenew: true})
	mustCreate(t, modePolicy(ns, "auto", billingv1alpha1.RenewalModeAutoRenew))
	sub := subscription(ns, "web", id, "", billingv1alpha1.ManagementObserve)
	sub.Spec.RenewalPolicyRef = nil
	mustCreate(t, sub)

	recv.waitPosts(t, 1)
	waitRecord(t, ns, "web", "ops", billingv1alpha1.NotificationExpiringWithoutPlan, billingv1alpha1.NotificationDelivered)

	// A policy under which the cloud renews: ExpiringSoon turns False and
	// the record is pruned.
	setPolicyRef(t, ns, "web", &billingv1alpha1.LocalObjectReference{Name: "auto"})
	waitSub(t, ns, "web", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if err := wantCondition(s.Status.Conditions, billingv1alpha1.ConditionExpiringSoon, metav1.ConditionFalse, ""); err != nil {
			return err
		}
		if len(s.Status.Notifications) != 0 {
			return fmt.Errorf("notifications %+v, want none", s.Status.Notifications)
		}
		return nil
	})
	// Without it again, later: a new transition, a new notification.
	h.advance(time.Minute)
	setPolicyRef(t, ns, "web", nil)
	recv.waitPosts(t, 2)
	var first, second notify.SubscriptionNotice
	_ = json.Unmarshal(recv.body(0), &first)
	_ = json.Unmarshal(recv.body(1), &second)
	if first.Kind != second.Kind || first.IdempotencyKey == second.IdempotencyKey {
		t.Errorf("notifications %s %q and %s %q, want one kind with two keys", first.Kind, first.IdempotencyKey, second.Kind, second.IdempotencyKey)
	}
	recv.stays(t, 2)
	if n := approvals.count(); n != 0 {
		t.Errorf("the approvals-only sink got %d notifications", n)
	}
}

// setPolicyRef sets or clears a Subscription's renewalPolicyRef.
func setPolicyRef(t *testing.T, ns, name string, ref *billingv1alpha1.LocalObjectReference) {
	t.Helper()
	var sub billingv1alpha1.Subscription
	get(t, ns, name, &sub)
	patch := client.MergeFrom(sub.DeepCopy())
	sub.Spec.RenewalPolicyRef = ref
	if err := h.env.Client.Patch(ctx(), &sub, patch); err != nil {
		t.Fatalf("set renewalPolicyRef: %v", err)
	}
}
