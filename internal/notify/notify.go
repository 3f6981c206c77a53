// Package notify delivers the operator's notifications to webhook
// receivers: versioned JSON payloads (the wire contracts, documented in
// docs/budgets.md and docs/notifications.md) or Slack-compatible
// messages, one POST per notification, and a classification of the
// answer into delivered, worth retrying, or refused for good. For the
// notifications about Subscriptions it also decides, in pure functions,
// what to notify (Derive), what is due (Plan) and what an answer does to
// the record (Settle); the caller stores the records.
package notify

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
)

// PayloadVersion is the version of the payload's wire contract. Receivers
// check it; a change that is not purely additive gets a new version.
const PayloadVersion = "v1"

// Kind says what a notification is about.
type Kind string

const (
	// KindBudgetThresholdCrossed is a BudgetAlert threshold crossed for the
	// first time in a budget period.
	KindBudgetThresholdCrossed Kind = "BudgetThresholdCrossed"
)

// DefaultTimeout bounds one delivery.
const DefaultTimeout = 10 * time.Second

// Backoff between failed deliveries: FirstRetry doubling up to MaxRetry.
const (
	FirstRetry = 30 * time.Second
	MaxRetry   = time.Hour
)

// URLKey is the key of a webhook Secret that holds the URL.
const URLKey = "url"

// BudgetThresholdCrossed is the JSON body posted when a BudgetAlert
// threshold is crossed. Money figures are decimal strings in Currency and
// times are RFC 3339.
type BudgetThresholdCrossed struct {
	// Version is PayloadVersion.
	Version string `json:"version"`
	// Kind is KindBudgetThresholdCrossed.
	Kind Kind `json:"kind"`
	// Namespace and Name identify the BudgetAlert.
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Period is Monthly, Quarterly or Yearly; PeriodStart and PeriodEnd
	// bound it.
	Period      string `json:"period"`
	PeriodStart string `json:"periodStart"`
	PeriodEnd   string `json:"periodEnd"`
	// Basis and Percent identify the threshold.
	Basis   string `json:"basis"`
	Percent int32  `json:"percent"`
	// Actual, Forecast, Committed and Limit are the budget's figures.
	Actual    string `json:"actual"`
	Forecast  string `json:"forecast"`
	Committed string `json:"committed"`
	Limit     string `json:"limit"`
	Currency  string `json:"currency"`
	// PercentUsed is actual as a percentage of the limit.
	PercentUsed string `json:"percentUsed"`
	// CrossedAt is when the crossing was first seen.
	CrossedAt string `json:"crossedAt"`
	// IdempotencyKey is the same for every delivery of one crossing;
	// delivery is at least once, so receivers drop repeats by it.
	IdempotencyKey string `json:"idempotencyKey"`
}

// ParseURL checks a webhook URL read from a Secret. The URL often embeds a
// token, so the error never echoes it.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("not an http(s) URL")
	}
	return u, nil
}

// Backoff is the wait after the given number of failed deliveries (1 or
// more): FirstRetry doubling up to MaxRetry.
func Backoff(failures int) time.Duration {
	if failures < 1 {
		return 0
	}
	wait := FirstRetry << min(failures-1, 10)
	return min(wait, MaxRetry)
}

// DeliveryError is a delivery that did not succeed. StatusCode is the HTTP
// status the receiver answered, 0 when no answer arrived.
type DeliveryError struct {
	StatusCode int
	Err        error
}

func (e *DeliveryError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("webhook answered HTTP %d", e.StatusCode)
	}
	return fmt.Sprintf("post webhook: %v", e.Err)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// Retryable reports whether a failed delivery is worth trying again: no
// answer, 429 or a 5xx. Any other answer (a 3xx redirect, which is not
// followed, or a 4xx) is the receiver refusing the notification, and a
// destination the Policy refuses stays refused: repeating changes nothing.
func Retryable(err error) bool {
	var de *DeliveryError
	if !errors.As(err, &de) || NotAllowed(err) {
		return false
	}
	return de.StatusCode == 0 || de.StatusCode == http.StatusTooManyRequests || de.StatusCode >= 500
}

// Sender posts payloads to destinations its Policy allows. HTTP is the
// client to use (injected so tests can count or fail connections); nil
// means Policy.Client(DefaultTimeout), which enforces the Policy on every
// connection and follows no redirect. An injected client must do the same.
type Sender struct {
	HTTP   *http.Client
	Policy Policy
}

// Post delivers one payload as JSON; a 2xx answer is success. Errors never
// include the URL, which may hold a token.
func (s Sender) Post(ctx context.Context, target string, payload any) error {
	if _, err := s.Policy.CheckURL(target); err != nil {
		return &DeliveryError{Err: err}
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode webhook body: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		// url.Parse errors quote the URL: keep only that the request failed.
		return &DeliveryError{Err: errors.New("invalid webhook request")}
	}
	req.Header.Set("Content-Type", "application/json")
	hc := s.HTTP
	if hc == nil {
		hc = s.Policy.Client(DefaultTimeout)
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &DeliveryError{Err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &DeliveryError{StatusCode: resp.StatusCode}
	}
	return nil
}
