package notify

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

func notice(kind billingv1alpha1.NotificationKind, key string) Notice {
	return Notice{Kind: kind, Key: key, Namespace: "team", Subscription: "web", ObjectKind: "Subscription", ObjectName: "web",
		ResourceID: "ecs-1", Account: "acct", Message: "why", Hint: "kubectl describe subscription web -n team"}
}

func rec(sink, key string, state billingv1alpha1.NotificationState, next *time.Time) billingv1alpha1.NotificationRecord {
	r := billingv1alpha1.NotificationRecord{Sink: sink, Key: key, Kind: billingv1alpha1.NotificationApprovalRequired, State: state, Attempts: 1}
	if next != nil {
		t := metav1.NewTime(*next)
		r.NextAttempt = &t
	}
	return r
}

func TestPlan(t *testing.T) {
	ops := billingv1alpha1.NotificationSink{Name: "ops"}
	chat := billingv1alpha1.NotificationSink{Name: "chat", Format: billingv1alpha1.NotificationFormatSlack,
		Events: []billingv1alpha1.NotificationKind{billingv1alpha1.NotificationApprovalRequired}}
	approval := notice(billingv1alpha1.NotificationApprovalRequired, "a1")
	expiring := notice(billingv1alpha1.NotificationExpiringWithoutPlan, "e1")
	later, earlier := now.Add(time.Minute), now.Add(-time.Second)

	type dueAt struct{ sink, key string }
	for _, tc := range []struct {
		name     string
		records  []billingv1alpha1.NotificationRecord
		notices  []Notice
		sinks    []billingv1alpha1.NotificationSink
		wantKept []string // sink/key
		wantDue  []dueAt
		wantWake time.Time
	}{
		{name: "new notices go to every sink that takes them", notices: []Notice{approval, expiring}, sinks: []billingv1alpha1.NotificationSink{ops, chat},
			wantDue: []dueAt{{"ops", "a1"}, {"ops", "e1"}, {"chat", "a1"}}},
		{name: "delivered is not sent again", notices: []Notice{approval}, sinks: []billingv1alpha1.NotificationSink{ops},
			records:  []billingv1alpha1.NotificationRecord{rec("ops", "a1", billingv1alpha1.NotificationDelivered, nil)},
			wantKept: []string{"ops/a1"}},
		{name: "dropped is not sent again", notices: []Notice{approval}, sinks: []billingv1alpha1.NotificationSink{ops},
			records:  []billingv1alpha1.NotificationRecord{rec("ops", "a1", billingv1alpha1.NotificationDropped, nil)},
			wantKept: []string{"ops/a1"}},
		{name: "retry waits for its time", notices: []Notice{approval}, sinks: []billingv1alpha1.NotificationSink{ops},
			records:  []billingv1alpha1.NotificationRecord{rec("ops", "a1", billingv1alpha1.NotificationRetrying, &later)},
			wantKept: []string{"ops/a1"}, wantWake: later},
		{name: "retry whose time came is due", notices: []Notice{approval}, sinks: []billingv1alpha1.NotificationSink{ops},
			records:  []billingv1alpha1.NotificationRecord{rec("ops", "a1", billingv1alpha1.NotificationRetrying, &earlier)},
			wantKept: []string{"ops/a1"}, wantDue: []dueAt{{"ops", "a1"}}},
		{name: "records of gone conditions and sinks are pruned", notices: []Notice{approval}, sinks: []billingv1alpha1.NotificationSink{ops},
			records: []billingv1alpha1.NotificationRecord{
				rec("ops", "old", billingv1alpha1.NotificationDelivered, nil),
				rec("gone", "a1", billingv1alpha1.NotificationDelivered, nil),
				rec("ops", "a1", billingv1alpha1.NotificationDelivered, nil)},
			wantKept: []string{"ops/a1"}},
		{name: "no sinks prunes everything", notices: []Notice{approval},
			records: []billingv1alpha1.NotificationRecord{rec("ops", "a1", billingv1alpha1.NotificationDelivered, nil)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kept, due, wake := Plan(tc.records, tc.notices, tc.sinks, now)
			var gotKept []string
			for _, r := range kept {
				gotKept = append(gotKept, r.Sink+"/"+r.Key)
			}
			if strings.Join(gotKept, ",") != strings.Join(tc.wantKept, ",") {
				t.Errorf("kept %v, want %v", gotKept, tc.wantKept)
			}
			var gotDue []dueAt
			for _, d := range due {
				gotDue = append(gotDue, dueAt{d.Sink.Name, d.Notice.Key})
			}
			if len(gotDue) != len(tc.wantDue) {
				t.Fatalf("due %v, want %v", gotDue, tc.wantDue)
			}
			for i := range gotDue {
				if gotDue[i] != tc.wantDue[i] {
					t.Errorf("due %v, want %v", gotDue, tc.wantDue)
				}
			}
			if !wake.Equal(tc.wantWake) {
				t.Errorf("wake %v, want %v", wake, tc.wantWake)
			}
		})
	}
}

// TestPlanBound: records never exceed MaxRecords; what does not fit waits.
func TestPlanBound(t *testing.T) {
	var notices []Notice
	for i := range MaxRecords + 5 {
		notices = append(notices, notice(billingv1alpha1.NotificationRenewalStalled, strings.Repeat("k", i+1)))
	}
	_, due, _ := Plan(nil, notices, []billingv1alpha1.NotificationSink{{Name: "ops"}}, now)
	if len(due) != MaxRecords {
		t.Errorf("%d deliveries due, want %d", len(due), MaxRecords)
	}
}

func TestSettle(t *testing.T) {
	d := Delivery{Sink: billingv1alpha1.NotificationSink{Name: "ops"}, Notice: notice(billingv1alpha1.NotificationApprovalRequired, "a1")}
	retried := d
	retried.Attempts = 2
	for _, tc := range []struct {
		name      string
		d         Delivery
		err       error
		state     billingv1alpha1.NotificationState
		attempts  int32
		next      time.Duration
		eventType string
		reason    string
	}{
		{name: "delivered", d: d, state: billingv1alpha1.NotificationDelivered, attempts: 1},
		{name: "delivered after failures", d: retried, state: billingv1alpha1.NotificationDelivered, attempts: 3,
			eventType: corev1.EventTypeNormal, reason: billingv1alpha1.ReasonWebhookDelivered},
		{name: "5xx retries", d: d, err: &DeliveryError{StatusCode: http.StatusInternalServerError}, state: billingv1alpha1.NotificationRetrying,
			attempts: 1, next: FirstRetry, eventType: corev1.EventTypeWarning, reason: billingv1alpha1.ReasonWebhookFailed},
		{name: "429 retries, backing off", d: retried, err: &DeliveryError{StatusCode: http.StatusTooManyRequests}, state: billingv1alpha1.NotificationRetrying,
			attempts: 3, next: 4 * FirstRetry},
		{name: "no answer retries", d: d, err: &DeliveryError{Err: errors.New("connection refused")}, state: billingv1alpha1.NotificationRetrying,
			attempts: 1, next: FirstRetry, eventType: corev1.EventTypeWarning, reason: billingv1alpha1.ReasonWebhookFailed},
		{name: "400 drops", d: d, err: &DeliveryError{StatusCode: http.StatusBadRequest}, state: billingv1alpha1.NotificationDropped,
			attempts: 1, eventType: corev1.EventTypeWarning, reason: billingv1alpha1.ReasonWebhookRejected},
		{name: "refused destination drops", d: d, err: &DeliveryError{Err: ErrNotAllowed}, state: billingv1alpha1.NotificationDropped,
			attempts: 1, eventType: corev1.EventTypeWarning, reason: billingv1alpha1.ReasonWebhookNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Settle(tc.d, tc.err, now)
			r := o.Record
			if r.State != tc.state || r.Attempts != tc.attempts || r.Sink != "ops" || r.Key != "a1" || r.Kind != billingv1alpha1.NotificationApprovalRequired {
				t.Errorf("record %+v, want state %s after %d attempts", r, tc.state, tc.attempts)
			}
			switch {
			case tc.next == 0 && r.NextAttempt != nil:
				t.Errorf("next attempt %v, want none", r.NextAttempt)
			case tc.next != 0 && (r.NextAttempt == nil || !r.NextAttempt.Time.Equal(now.Add(tc.next))):
				t.Errorf("next attempt %v, want %v", r.NextAttempt, now.Add(tc.next))
			}
			if o.EventType != tc.eventType || o.Reason != tc.reason {
				t.Errorf("event %s/%s (%s), want %s/%s", o.EventType, o.Reason, o.Message, tc.eventType, tc.reason)
			}
		})
	}
}

func TestUpsert(t *testing.T) {
	recs := []billingv1alpha1.NotificationRecord{rec("ops", "a1", billingv1alpha1.NotificationRetrying, nil)}
	recs = Upsert(recs, rec("ops", "a1", billingv1alpha1.NotificationDelivered, nil))
	recs = Upsert(recs, rec("chat", "a1", billingv1alpha1.NotificationDelivered, nil))
	if len(recs) != 2 || recs[0].State != billingv1alpha1.NotificationDelivered || recs[1].Sink != "chat" {
		t.Errorf("Upsert gave %+v", recs)
	}
}

// TestPayloads: the JSON payload carries the v1 contract's fields; the
// Slack message names the kind, object, account, expiry, amount and the
// kubectl hint.
func TestPayloads(t *testing.T) {
	n := notice(billingv1alpha1.NotificationApprovalRequired, "ApprovalRequired/rr-uid/ApprovalRequired/ApprovalPolicy/2027-03-01T12:00:00Z")
	n.ObjectKind, n.ObjectName, n.ObjectUID = "RenewalRequest", "web-r3", "rr-uid"
	n.Condition, n.Reason, n.Since = billingv1alpha1.ConditionApprovalRequired, "ApprovalPolicy", t0
	n.ExpireTime = t0.Add(48 * time.Hour)
	n.Amount = &billingv1alpha1.Money{Amount: "612.00", Currency: "USD"}
	n.Hint = "kubectl bss approve web-r3 -n team"

	data, err := json.Marshal(Payload(billingv1alpha1.NotificationFormatJSON, n))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]any{
		"version": "v1", "kind": "ApprovalRequired", "idempotencyKey": n.Key, "namespace": "team", "subscription": "web",
		"resourceID": "ecs-1", "account": "acct", "expireTime": "2027-03-03T12:00:00Z", "hint": n.Hint,
	} {
		if got[field] != want {
			t.Errorf("JSON %s = %v, want %v", field, got[field], want)
		}
	}
	if obj, _ := got["object"].(map[string]any); obj["kind"] != "RenewalRequest" || obj["name"] != "web-r3" || obj["uid"] != "rr-uid" {
		t.Errorf("JSON object = %v", got["object"])
	}
	if c, _ := got["condition"].(map[string]any); c["type"] != "ApprovalRequired" || c["reason"] != "ApprovalPolicy" || c["since"] != "2027-03-01T12:00:00Z" {
		t.Errorf("JSON condition = %v", got["condition"])
	}
	if a, _ := got["amount"].(map[string]any); a["amount"] != "612.00" || a["currency"] != "USD" {
		t.Errorf("JSON amount = %v", got["amount"])
	}

	slack, ok := Payload(billingv1alpha1.NotificationFormatSlack, n).(SlackMessage)
	if !ok {
		t.Fatalf("Slack payload is %T", Payload(billingv1alpha1.NotificationFormatSlack, n))
	}
	for _, want := range []string{"ApprovalRequired", "team/web-r3", "account acct", "expires 2027-03-03T12:00:00Z", "612.00 USD", "kubectl bss approve web-r3 -n team"} {
		if !strings.Contains(slack.Text, want) {
			t.Errorf("Slack text %q lacks %q", slack.Text, want)
		}
	}
	if len(slack.Blocks) == 0 || slack.Blocks[0].Type != "section" {
		t.Errorf("Slack blocks %+v", slack.Blocks)
	}
}

// TestBudgetPayload: a JSON webhook gets the payload itself; a Slack one a
// message with the figures and the hint.
func TestBudgetPayload(t *testing.T) {
	p := BudgetThresholdCrossed{Version: PayloadVersion, Kind: KindBudgetThresholdCrossed, Namespace: "team", Name: "monthly",
		Basis: "Actual", Percent: 80, Actual: "812.00", Limit: "1000.00", Currency: "USD", PercentUsed: "81.2", IdempotencyKey: "k"}
	if got, ok := BudgetPayload("", p).(BudgetThresholdCrossed); !ok || got != p {
		t.Errorf("JSON payload %+v", BudgetPayload("", p))
	}
	slack, ok := BudgetPayload(billingv1alpha1.NotificationFormatSlack, p).(SlackMessage)
	if !ok {
		t.Fatalf("Slack payload is %T", BudgetPayload(billingv1alpha1.NotificationFormatSlack, p))
	}
	for _, want := range []string{"BudgetThresholdCrossed", "team/monthly", "Actual 80%", "812.00", "1000.00 USD", "kubectl describe budgetalert monthly -n team"} {
		if !strings.Contains(slack.Text, want) {
			t.Errorf("Slack text %q lacks %q", slack.Text, want)
		}
	}
}
