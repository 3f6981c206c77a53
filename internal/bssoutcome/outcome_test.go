package bssoutcome_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bssoutcome"
)

func TestOf(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		reason  string
		stalled bool
		retry   time.Duration
	}{
		{"credentials refused", &bss.Error{Op: "Balances", HTTPStatus: 401, Code: "APIGW.0301", Class: bss.ClassTerminal, Auth: true},
			billingv1alpha1.ReasonCredentialsRejected, true, bssoutcome.AuthRetry},
		{"throttled", &bss.Error{Op: "Balances", HTTPStatus: 429, Class: bss.ClassRetryable, Throttled: true},
			billingv1alpha1.ReasonThrottled, false, bssoutcome.ThrottledRetry},
		{"throttled with a longer Retry-After", &bss.Error{Op: "Balances", HTTPStatus: 429, Class: bss.ClassRetryable, Throttled: true, RetryAfter: 2 * time.Minute},
			billingv1alpha1.ReasonThrottled, false, 2 * time.Minute},
		{"server error", &bss.Error{Op: "Balances", HTTPStatus: 500, Code: "CBC.0999", Class: bss.ClassRetryable},
			billingv1alpha1.ReasonBSSUnavailable, false, bssoutcome.UnavailableRetry},
		{"write outcome unknown", &bss.Error{Op: "Renew", Class: bss.ClassAmbiguous},
			billingv1alpha1.ReasonBSSUnavailable, false, bssoutcome.UnavailableRetry},
		{"timeout", fmt.Errorf("list: %w", context.DeadlineExceeded),
			billingv1alpha1.ReasonBSSUnavailable, false, bssoutcome.UnavailableRetry},
		{"refused for good", &bss.Error{Op: "CostData", HTTPStatus: 400, Code: "CBC.18000014", Class: bss.ClassTerminal},
			billingv1alpha1.ReasonBSSRefused, true, bssoutcome.RefusedRetry},
		{"not found", &bss.Error{Op: "QueryResources", HTTPStatus: 404, Class: bss.ClassNotFound},
			billingv1alpha1.ReasonBSSRefused, true, bssoutcome.RefusedRetry},
		{"no class", errors.New("something odd"),
			billingv1alpha1.ReasonBSSUnavailable, false, bssoutcome.UnknownRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := bssoutcome.Of("read the balance", tt.err)
			if o.Reason != tt.reason || o.Stalled != tt.stalled || o.RetryAfter != tt.retry {
				t.Errorf("Of = %s stalled=%v retry=%s, want %s stalled=%v retry=%s", o.Reason, o.Stalled, o.RetryAfter, tt.reason, tt.stalled, tt.retry)
			}
			if !strings.HasPrefix(o.Message, "read the balance: ") {
				t.Errorf("message %q does not say what failed", o.Message)
			}
		})
	}
}
