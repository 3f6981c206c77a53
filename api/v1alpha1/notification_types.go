package v1alpha1

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NotificationKind is what a notification is about. docs/notifications.md
// describes each kind and its payload.
// +kubebuilder:validation:Enum=ApprovalRequired;RenewalFailed;RenewalStalled;PaymentPending;AutoRenewOverdue;ExpiringWithoutPlan
type NotificationKind string

const (
	// NotificationApprovalRequired: a renewal waits for a person's approval
	// (the RenewalRequest's ApprovalRequired condition is True).
	NotificationApprovalRequired NotificationKind = "ApprovalRequired"
	// NotificationRenewalFailed: a renewal attempt ended without renewing
	// (Failed or Cancelled); the next attempt waits for its backoff.
	NotificationRenewalFailed NotificationKind = "RenewalFailed"
	// NotificationRenewalStalled: the Subscription or its active
	// RenewalRequest is Stalled: it cannot go on without a person.
	NotificationRenewalStalled NotificationKind = "RenewalStalled"
	// NotificationPaymentPending: a renewal order has awaited payment
	// longer than spec.notifications.paymentPendingAfter.
	NotificationPaymentPending NotificationKind = "PaymentPending"
	// NotificationAutoRenewOverdue: the cloud's auto-renew deduction day
	// passed and the expiry did not move (condition AutoRenewOverdue).
	NotificationAutoRenewOverdue NotificationKind = "AutoRenewOverdue"
	// NotificationExpiringWithoutPlan: expiry is near and nothing will
	// renew the resource in time (condition ExpiringSoon), with no renewal
	// attempt under way (an attempt's waits have their own kinds).
	NotificationExpiringWithoutPlan NotificationKind = "ExpiringWithoutPlan"
)

// NotificationFormat is the body a sink receives.
// +kubebuilder:validation:Enum=JSON;Slack
type NotificationFormat string

const (
	// NotificationFormatJSON is the operator's versioned JSON payload (v1).
	NotificationFormatJSON NotificationFormat = "JSON"
	// NotificationFormatSlack is a Slack-compatible incoming-webhook body
	// ({"text": ..., "blocks": [...]}), which Mattermost, Rocket.Chat and
	// Microsoft Teams' Slack-compatible connectors accept too.
	NotificationFormatSlack NotificationFormat = "Slack"
)

// DefaultPaymentPendingAfter is how long a renewal order may await
// payment before a PaymentPending notification, when
// spec.notifications.paymentPendingAfter is unset.
const DefaultPaymentPendingAfter = time.Hour

// NotificationsSpec is where the notifications about an account's
// Subscriptions go.
type NotificationsSpec struct {
	// sinks are the webhook receivers. Each notification is sent to every
	// sink whose events include its kind, once per change of the condition
	// that triggered it.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=8
	Sinks []NotificationSink `json:"sinks,omitempty"`

	// paymentPendingAfter is how long a renewal order may await payment
	// before a PaymentPending notification is sent. Between 1m and 720h;
	// unset means 1h (DefaultPaymentPendingAfter).
	// +optional
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1m') && duration(self) <= duration('720h')",message="paymentPendingAfter must be between 1m and 720h"
	PaymentPendingAfter *metav1.Duration `json:"paymentPendingAfter,omitempty"`
}

// NotificationSink is one webhook receiver.
type NotificationSink struct {
	// name identifies the sink in status.notifications of the Subscriptions.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// webhookSecretRef names a Secret in the same namespace, labelled
	// billing.bss-operator.io/watch=true, whose key "url" holds the webhook
	// URL (it often embeds a token, hence a Secret). Only https URLs to
	// public addresses are accepted unless the manager runs with
	// --webhook-allow-http or --webhook-allow-private.
	// +required
	WebhookSecretRef LocalObjectReference `json:"webhookSecretRef"`

	// format is the body the sink receives: JSON (the versioned payload of
	// docs/notifications.md) or Slack (an incoming-webhook message). Unset
	// means JSON.
	// +optional
	Format NotificationFormat `json:"format,omitempty"`

	// events keeps only notifications of these kinds; empty sends every kind.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=6
	Events []NotificationKind `json:"events,omitempty"`
}

// NotificationState is where one notification to one sink stands.
// +kubebuilder:validation:Enum=Delivered;Dropped;Retrying
type NotificationState string

const (
	// NotificationDelivered: the sink answered 2xx.
	NotificationDelivered NotificationState = "Delivered"
	// NotificationDropped: the sink refused it for good (a 4xx other than
	// 429, a redirect, or a URL the manager's webhook policy refuses); it
	// is not sent again, and a Warning Event says why.
	NotificationDropped NotificationState = "Dropped"
	// NotificationRetrying: a delivery failed (no answer, 429 or 5xx) and
	// is tried again at nextAttempt.
	NotificationRetrying NotificationState = "Retrying"
)

// NotificationRecord is one notification sent (or being sent) to one sink.
// The record of a condition that is gone is pruned; a new transition of
// the condition is a new notification.
type NotificationRecord struct {
	// sink is the name of the sink in the BillingAccount's
	// spec.notifications.
	// +required
	// +kubebuilder:validation:MaxLength=63
	Sink string `json:"sink"`

	// key identifies the notification: its kind, the UID of the object
	// whose condition triggered it, the condition's type, reason and
	// lastTransitionTime. Receivers see it as idempotencyKey.
	// +required
	// +kubebuilder:validation:MaxLength=512
	Key string `json:"key"`

	// kind is what the notification is about.
	// +required
	Kind NotificationKind `json:"kind"`

	// state is Delivered, Dropped or Retrying.
	// +required
	State NotificationState `json:"state"`

	// attempts counts the deliveries tried.
	// +optional
	Attempts int32 `json:"attempts,omitempty"`

	// nextAttempt is when a Retrying notification is tried again.
	// +optional
	NextAttempt *metav1.Time `json:"nextAttempt,omitempty"`

	// time is when the state was last set.
	// +optional
	Time *metav1.Time `json:"time,omitempty"`

	// message says why the latest delivery failed, if it did.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Message string `json:"message,omitempty"`
}
