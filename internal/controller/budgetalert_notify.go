package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/notify"
)

// webhookAttempt is the retry state of one undelivered notification. It
// lives in memory: after a restart an undelivered notification is tried
// again at once.
type webhookAttempt struct {
	attempts int
	next     time.Time
	// refusedBy is the URL whose receiver refused the notification for
	// good; it is not posted to again.
	refusedBy string
}

// notify delivers the notifications of crossed thresholds not yet
// notified. Without a webhook the Event (emitted when the crossing was
// first seen) is the notification. A failed delivery is retried with
// backoff and never holds up the conditions.
func (r *BudgetAlertReconciler) notify(ctx context.Context, st *budgetState) {
	b := st.b
	var pending []int
	for i, c := range b.Status.Crossed {
		if !c.Notified {
			pending = append(pending, i)
		}
	}
	if len(pending) == 0 {
		return
	}
	if b.Spec.Webhook == nil {
		for _, i := range pending {
			b.Status.Crossed[i].Notified = true
		}
		return
	}
	target, err := r.webhookURL(ctx, b)
	if err != nil {
		reason := billingv1alpha1.ReasonWebhookInvalid
		var refused *webhookRefused
		if errors.As(err, &refused) {
			reason = billingv1alpha1.ReasonWebhookNotAllowed
		}
		st.summary.notReady(reason, err.Error())
		return
	}
	c := r.cache()
	for _, i := range pending {
		cr := &b.Status.Crossed[i]
		key := fmt.Sprintf("%s/%s|%s|%s|%d", b.Namespace, b.Name, formatTime(st.start), cr.Basis, cr.Percent)
		c.mu.Lock()
		att := c.webhooks[key]
		c.mu.Unlock()
		if att.refusedBy == target {
			// The receiver refused this notification for good (a 4xx, a
			// redirect): it is not sent again until the URL changes.
			continue
		}
		if !att.next.IsZero() && st.now.Before(att.next) {
			st.wakeAt(att.next)
			continue
		}
		err := notify.Sender{HTTP: r.HTTPClient, Policy: r.WebhookPolicy}.Post(ctx, target, notify.BudgetPayload(b.Spec.Webhook.Format, r.payload(st, cr, key)))
		c.mu.Lock()
		if err == nil {
			delete(c.webhooks, key)
			c.mu.Unlock()
			cr.Notified = true
			if att.attempts > 0 {
				st.event(corev1.EventTypeNormal, billingv1alpha1.ReasonWebhookDelivered, "Notify",
					"webhook delivered for %s %d%% after %d failed attempts", cr.Basis, cr.Percent, att.attempts)
			}
			continue
		}
		att.attempts++
		if !notify.Retryable(err) {
			att.refusedBy = target
			c.webhooks[key] = att
			c.mu.Unlock()
			st.event(corev1.EventTypeWarning, billingv1alpha1.ReasonWebhookRejected, "Notify",
				"webhook delivery for %s %d%% refused (%v); not retried until the URL in the webhook Secret changes", cr.Basis, cr.Percent, err)
			continue
		}
		att.next = st.now.Add(notify.Backoff(att.attempts))
		c.webhooks[key] = att
		c.mu.Unlock()
		st.wakeAt(att.next)
		if att.attempts == 1 {
			st.event(corev1.EventTypeWarning, billingv1alpha1.ReasonWebhookFailed, "Notify",
				"webhook delivery for %s %d%% failed, retrying with backoff: %v", cr.Basis, cr.Percent, err)
		}
		// The receiver is failing: leave the others for the retry.
		return
	}
}

// webhookURL reads the webhook URL from its Secret.
func (r *BudgetAlertReconciler) webhookURL(ctx context.Context, b *billingv1alpha1.BudgetAlert) (string, error) {
	return readWebhookURL(ctx, r.Accounts, r.WebhookPolicy, b.Namespace, b.Spec.Webhook.URLSecretRef.Name)
}

// payload builds the body for one crossed threshold.
func (r *BudgetAlertReconciler) payload(st *budgetState, cr *billingv1alpha1.CrossedThreshold, key string) notify.BudgetThresholdCrossed {
	b := st.b
	return notify.BudgetThresholdCrossed{
		Version: notify.PayloadVersion, Kind: notify.KindBudgetThresholdCrossed, Namespace: b.Namespace, Name: b.Name,
		Period: periodName(b), PeriodStart: formatTime(st.start), PeriodEnd: formatTime(st.end),
		Basis: string(cr.Basis), Percent: cr.Percent,
		Actual: amountOf(b.Status.Actual), Forecast: amountOf(b.Status.Forecast), Committed: amountOf(b.Status.Committed),
		Limit: money(st.limit), Currency: b.Spec.Limit.Currency, PercentUsed: b.Status.PercentUsed,
		CrossedAt: formatTime(cr.CrossedAt.Time), IdempotencyKey: string(b.UID) + "|" + key,
	}
}
