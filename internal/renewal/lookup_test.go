package renewal

import (
	"testing"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// TestLookupSince: the search before a renew call starts at the attempt's
// intent; an attempt searching first after an unknown outcome
// (spec.lookupFirst) from the same expiry starts at the unknown attempt's
// intent, so that an order its call placed and no search found yet is
// found too (and reported, not ordered again). From a later expiry, or
// without the evidence, the attempt's own intent.
func TestLookupSince(t *testing.T) {
	const slack = 10 * time.Minute
	intent := now.Add(-time.Minute)
	earlier := now.Add(-48 * time.Hour)
	req := func(lookupFirst bool) *billingv1alpha1.RenewalRequest {
		rr := ordered(request(billingv1alpha1.RenewalPhaseOrdering), intent)
		rr.Spec.LookupFirst = lookupFirst
		return rr
	}
	baseline := req(false).Spec.BaselineExpireTime.Time
	unknown := func(intent, baseline time.Time) *billingv1alpha1.UnknownRenewalOutcome {
		u := &billingv1alpha1.UnknownRenewalOutcome{RequestName: "db-r1", OrderIntentTime: at(intent)}
		if !baseline.IsZero() {
			u.BaselineExpireTime = at(baseline)
		}
		return u
	}
	tests := []struct {
		name    string
		rr      *billingv1alpha1.RenewalRequest
		unknown *billingv1alpha1.UnknownRenewalOutcome
		want    time.Time
	}{
		{name: "no unknown outcome: the intent", rr: req(false), want: intent.Add(-slack)},
		{name: "lookupFirst, same expiry: the unknown attempt's intent", rr: req(true), unknown: unknown(earlier, baseline), want: earlier.Add(-slack)},
		{name: "lookupFirst, a later expiry: the intent", rr: req(true), unknown: unknown(earlier, baseline.AddDate(0, -1, 0)), want: intent.Add(-slack)},
		{name: "lookupFirst, evidence without its expiry: the intent", rr: req(true), unknown: unknown(earlier, time.Time{}), want: intent.Add(-slack)},
		{name: "lookupFirst, evidence without an intent: the intent", rr: req(true), unknown: &billingv1alpha1.UnknownRenewalOutcome{BaselineExpireTime: at(baseline)}, want: intent.Add(-slack)},
		{name: "not lookupFirst: the intent, whatever the Subscription says", rr: req(false), unknown: unknown(earlier, baseline), want: intent.Add(-slack)},
		{name: "an unknown intent after this one's: the earlier, this one's", rr: req(true), unknown: unknown(now, baseline), want: intent.Add(-slack)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LookupSince(tt.rr, tt.unknown, slack); !got.Equal(tt.want) {
				t.Fatalf("search from %s, want %s", got, tt.want)
			}
		})
	}
}
