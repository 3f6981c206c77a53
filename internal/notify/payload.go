package notify

import (
	"fmt"
	"strings"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// SubscriptionNotice is the JSON body (format JSON) of a notification
// about a Subscription: the v1 wire contract of docs/notifications.md.
// Times are RFC 3339 in UTC; money is a decimal string with its currency.
type SubscriptionNotice struct {
	// Version is PayloadVersion.
	Version string `json:"version"`
	// Kind is what the notification is about (NotificationKind).
	Kind Kind `json:"kind"`
	// IdempotencyKey is the same for every delivery of one notification;
	// delivery is at least once, so receivers drop repeats by it.
	IdempotencyKey string `json:"idempotencyKey"`
	// Namespace, Subscription and ResourceID name the Subscription and its
	// cloud resource; Account its BillingAccount.
	Namespace    string `json:"namespace"`
	Subscription string `json:"subscription"`
	ResourceID   string `json:"resourceID"`
	Account      string `json:"account"`
	// Object is the object whose condition triggered the notification.
	Object ObjectRef `json:"object"`
	// Condition is the triggering condition.
	Condition ConditionRef `json:"condition"`
	// ExpireTime is the resource's expiry, empty when unknown.
	ExpireTime string `json:"expireTime,omitempty"`
	// Amount is the renewal's quoted or paid amount, if any.
	Amount *billingv1alpha1.Money `json:"amount,omitempty"`
	// Hint is a kubectl command that shows or resolves the matter.
	Hint string `json:"hint"`
}

// ObjectRef names a Kubernetes object of the billing API.
type ObjectRef struct {
	// Kind is Subscription or RenewalRequest.
	Kind string `json:"kind"`
	// Name is the object's name, in the payload's namespace.
	Name string `json:"name"`
	// UID is the object's UID.
	UID string `json:"uid"`
}

// ConditionRef is the condition that triggered a notification.
type ConditionRef struct {
	// Type, Reason and Message are the condition's.
	Type    string `json:"type"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
	// Since is the condition's lastTransitionTime.
	Since string `json:"since,omitempty"`
}

// JSONPayload is the format-JSON body of a notice.
func JSONPayload(n Notice) SubscriptionNotice {
	return SubscriptionNotice{
		Version: PayloadVersion, Kind: Kind(n.Kind), IdempotencyKey: n.Key,
		Namespace: n.Namespace, Subscription: n.Subscription, ResourceID: n.ResourceID, Account: n.Account,
		Object:     ObjectRef{Kind: n.ObjectKind, Name: n.ObjectName, UID: string(n.ObjectUID)},
		Condition:  ConditionRef{Type: n.Condition, Reason: n.Reason, Message: n.Message, Since: rfc3339(n.Since)},
		ExpireTime: rfc3339(n.ExpireTime), Amount: n.Amount, Hint: n.Hint,
	}
}

// SlackMessage is a Slack-compatible incoming-webhook body: text is the
// fallback (and the whole message for receivers without blocks).
type SlackMessage struct {
	Text   string       `json:"text"`
	Blocks []SlackBlock `json:"blocks,omitempty"`
}

// SlackBlock is a section or context block of a Slack message.
type SlackBlock struct {
	Type     string      `json:"type"`
	Text     *SlackText  `json:"text,omitempty"`
	Elements []SlackText `json:"elements,omitempty"`
}

// SlackText is a mrkdwn text object.
type SlackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// SlackPayload is the format-Slack body of a notice: one line with the
// kind, the object, the account, the expiry and the amount, the
// condition's message, and the kubectl hint.
func SlackPayload(n Notice) SlackMessage {
	line := Summary(n)
	return SlackMessage{
		Text: line + "\n" + n.Message + "\n" + n.Hint,
		Blocks: []SlackBlock{
			{Type: "section", Text: &SlackText{Type: "mrkdwn", Text: "*" + line + "*\n" + n.Message}},
			{Type: "context", Elements: []SlackText{{Type: "mrkdwn", Text: "`" + n.Hint + "`  ·  key " + n.Key}}},
		},
	}
}

// Summary is a notice in one line.
func Summary(n Notice) string {
	parts := []string{fmt.Sprintf("[%s] %s %s/%s (resource %s, account %s)", n.Kind, n.ObjectKind, n.Namespace, n.ObjectName, n.ResourceID, n.Account)}
	if !n.ExpireTime.IsZero() {
		parts = append(parts, "expires "+rfc3339(n.ExpireTime))
	}
	if n.Amount != nil {
		parts = append(parts, "amount "+n.Amount.Amount+" "+n.Amount.Currency)
	}
	return strings.Join(parts, ", ")
}

// Payload is the body of a notice in a sink's format.
func Payload(format billingv1alpha1.NotificationFormat, n Notice) any {
	if format == billingv1alpha1.NotificationFormatSlack {
		return SlackPayload(n)
	}
	return JSONPayload(n)
}

// rfc3339 renders a time, empty for zero.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// BudgetPayload is the body of a budget threshold crossing in a webhook's
// format: the JSON payload itself, or a Slack message saying the same.
func BudgetPayload(format billingv1alpha1.NotificationFormat, p BudgetThresholdCrossed) any {
	if format != billingv1alpha1.NotificationFormatSlack {
		return p
	}
	line := fmt.Sprintf("[%s] BudgetAlert %s/%s: %s %d%% crossed (%s%% used), actual %s, forecast %s, committed %s of %s %s",
		p.Kind, p.Namespace, p.Name, p.Basis, p.Percent, p.PercentUsed, p.Actual, p.Forecast, p.Committed, p.Limit, p.Currency)
	period := fmt.Sprintf("%s period %s to %s, crossed at %s", p.Period, p.PeriodStart, p.PeriodEnd, p.CrossedAt)
	hint := fmt.Sprintf("kubectl describe budgetalert %s -n %s", p.Name, p.Namespace)
	return SlackMessage{
		Text: line + "\n" + period + "\n" + hint,
		Blocks: []SlackBlock{
			{Type: "section", Text: &SlackText{Type: "mrkdwn", Text: "*" + line + "*\n" + period}},
			{Type: "context", Elements: []SlackText{{Type: "mrkdwn", Text: "`" + hint + "`  ·  key " + p.IdempotencyKey}}},
		},
	}
}
