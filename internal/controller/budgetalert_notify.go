package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// webhookTimeout bounds one webhook POST.
const webhookTimeout = 10 * time.Second

// Webhook retry backoff: 30s doubling up to an hour (business time).
const (
	webhookFirstRetry = 30 * time.Second
	webhookMaxRetry   = time.Hour
)

// webhookURLKey is the key of the webhook Secret that holds the URL.
const webhookURLKey = "url"

// webhookAttempt is the retry state of one undelivered notification. It
// lives in memory: after a restart an undelivered notification is tried
// again at once.
type webhookAttempt struct {
	attempts int
	next     time.Time
}

// WebhookPayload is the JSON body posted for a crossed threshold.
type WebhookPayload struct {
	// Kind is always "BudgetThresholdCrossed".
	Kind string `json:"kind"`
	// Namespace and Name identify the BudgetAlert.
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Period is Monthly, Quarterly or Yearly; PeriodStart and PeriodEnd
	// bound it (RFC 3339).
	Period      string `json:"period"`
	PeriodStart string `json:"periodStart"`
	PeriodEnd   string `json:"periodEnd"`
	// Basis and Percent identify the threshold.
	Basis   string `json:"basis"`
	Percent int32  `json:"percent"`
	// Actual, Forecast, Committed and Limit are decimal strings in Currency.
	Actual    string `json:"actual"`
	Forecast  string `json:"forecast"`
	Committed string `json:"committed"`
	Limit     string `json:"limit"`
	Currency  string `json:"currency"`
	// PercentUsed is actual as a percentage of the limit.
	PercentUsed string `json:"percentUsed"`
	// CrossedAt is when the crossing was first seen (RFC 3339).
	CrossedAt string `json:"crossedAt"`
	// IdempotencyKey is the same for every delivery of one crossing;
	// delivery is at least once, so receivers should drop repeats.
	IdempotencyKey string `json:"idempotencyKey"`
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
		st.summary.notReady(billingv1alpha1.ReasonWebhookInvalid, err.Error())
		return
	}
	c := r.cache()
	for _, i := range pending {
		cr := &b.Status.Crossed[i]
		key := fmt.Sprintf("%s/%s|%s|%s|%d", b.Namespace, b.Name, formatTime(st.start), cr.Basis, cr.Percent)
		c.mu.Lock()
		att := c.webhooks[key]
		c.mu.Unlock()
		if !att.next.IsZero() && st.now.Before(att.next) {
			st.wakeAt(att.next)
			continue
		}
		err := r.postWebhook(ctx, target, r.payload(st, cr, key))
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
		wait := webhookFirstRetry << min(att.attempts-1, 10)
		if wait > webhookMaxRetry {
			wait = webhookMaxRetry
		}
		att.next = st.now.Add(wait)
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
	name := b.Spec.Webhook.URLSecretRef.Name
	s, err := r.Accounts.Secret(ctx, client.ObjectKey{Namespace: b.Namespace, Name: name})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return "", fmt.Errorf("webhook Secret %q not found", name)
		}
		return "", fmt.Errorf("get webhook Secret %q: %w", name, err)
	}
	raw := string(s.Data[webhookURLKey])
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL often embeds a token: never echo it.
		return "", fmt.Errorf("webhook Secret %q needs an http(s) URL in key %q", name, webhookURLKey)
	}
	return raw, nil
}

// payload builds the body for one crossed threshold.
func (r *BudgetAlertReconciler) payload(st *budgetState, cr *billingv1alpha1.CrossedThreshold, key string) WebhookPayload {
	b := st.b
	return WebhookPayload{
		Kind: "BudgetThresholdCrossed", Namespace: b.Namespace, Name: b.Name,
		Period: periodName(b), PeriodStart: formatTime(st.start), PeriodEnd: formatTime(st.end),
		Basis: string(cr.Basis), Percent: cr.Percent,
		Actual: amountOf(b.Status.Actual), Forecast: amountOf(b.Status.Forecast), Committed: amountOf(b.Status.Committed),
		Limit: money(st.limit), Currency: b.Spec.Limit.Currency, PercentUsed: b.Status.PercentUsed,
		CrossedAt: formatTime(cr.CrossedAt.Time), IdempotencyKey: string(b.UID) + "|" + key,
	}
}

// postWebhook POSTs the payload; any status other than 2xx is a failure.
// Errors never include the URL, which may hold a token.
func (r *BudgetAlertReconciler) postWebhook(ctx context.Context, target string, p WebhookPayload) error {
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode webhook body: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	hc := r.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: webhookTimeout}
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("post webhook: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook answered HTTP %d", resp.StatusCode)
	}
	return nil
}
