// Package bssoutcome is the one mapping from a failed BSS call to what it
// means for the object that made it: the condition reason, whether a
// person must act (Stalled) and when to try again. Every reconciler uses
// it, so the same BSS error reads the same on every kind.
package bssoutcome

import (
	"context"
	"errors"
	"fmt"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// Retry delays per class of failure.
const (
	// AuthRetry is how soon refused credentials are tried again; a new
	// Secret re-queues the object at once anyway.
	AuthRetry = 5 * time.Minute
	// ThrottledRetry is the wait after a 429 without a Retry-After hint.
	ThrottledRetry = 30 * time.Second
	// UnavailableRetry is the wait after a failure worth retrying (5xx, a
	// lost connection, a timeout).
	UnavailableRetry = time.Minute
	// RefusedRetry is the wait after a refusal a person must resolve: it
	// is looked at again in case they did.
	RefusedRetry = 15 * time.Minute
	// UnknownRetry is the wait after a failure of no known class.
	UnknownRetry = 5 * time.Minute
)

// Outcome is what a failed BSS call means for the object that made it.
type Outcome struct {
	// Reason is the condition reason (an api/v1alpha1 constant).
	Reason string
	// Stalled is true when retrying alone will not help: a person must
	// act (new credentials, an account setting, a fixed spec).
	Stalled bool
	// RetryAfter is when to look again.
	RetryAfter time.Duration
	// Message says what failed, for a condition or an Event; it never
	// carries credentials.
	Message string
}

// Of classifies err, the failure of the BSS call described by what (for
// example "read the balance").
func Of(what string, err error) Outcome {
	msg := fmt.Sprintf("%s: %v", what, bss.Describe(err))
	switch {
	case bss.IsAuth(err):
		return Outcome{Reason: billingv1alpha1.ReasonCredentialsRejected, Stalled: true, RetryAfter: AuthRetry,
			Message: msg + "; waiting for new credentials"}
	case bss.IsThrottled(err):
		return Outcome{Reason: billingv1alpha1.ReasonThrottled, RetryAfter: retryHint(err, ThrottledRetry), Message: msg}
	case bss.IsRetryable(err), bss.IsAmbiguous(err), errors.Is(err, context.DeadlineExceeded):
		return Outcome{Reason: billingv1alpha1.ReasonBSSUnavailable, RetryAfter: retryHint(err, UnavailableRetry), Message: msg}
	case bss.IsTerminal(err):
		return Outcome{Reason: billingv1alpha1.ReasonBSSRefused, Stalled: true, RetryAfter: RefusedRetry,
			Message: msg + "; a person must resolve it"}
	default:
		return Outcome{Reason: billingv1alpha1.ReasonBSSUnavailable, RetryAfter: UnknownRetry, Message: msg}
	}
}

// retryHint is the server's Retry-After, if it asked for longer than def.
func retryHint(err error, def time.Duration) time.Duration {
	var be *bss.Error
	if errors.As(err, &be) && be.RetryAfter > def {
		return be.RetryAfter
	}
	return def
}
