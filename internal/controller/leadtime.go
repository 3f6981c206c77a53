package controller

import (
	"fmt"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// renewalLead is how long before expiry a renewal is due: renewBefore, or
// renewBeforePercentage of the current period, or DefaultRenewBefore when
// neither is set. The schema refuses both at once and out-of-range values;
// the checks here guard objects built in Go.
func renewalLead(spec *billingv1alpha1.RenewSpec, res *bss.Resource) (time.Duration, error) {
	switch {
	case spec.RenewBefore != nil && spec.RenewBeforePercentage != nil:
		return 0, fmt.Errorf("renewBefore and renewBeforePercentage are mutually exclusive")
	case spec.RenewBeforePercentage != nil:
		pct := *spec.RenewBeforePercentage
		if pct < 1 || pct > 99 {
			return 0, fmt.Errorf("renewBeforePercentage %d: must be 1 to 99", pct)
		}
		// Without an effective time the period would count from year 1 and
		// the lead would reach back centuries: renew at once. Refuse it.
		period := res.ExpireTime.Sub(res.EffectiveTime)
		if res.EffectiveTime.IsZero() || period <= 0 {
			return 0, fmt.Errorf("renewBeforePercentage %d is a percentage of the period, but BSS reports no effective time for %s", pct, res.ID)
		}
		return time.Duration(float64(period) * float64(pct) / 100), nil
	case spec.RenewBefore != nil:
		if spec.RenewBefore.Duration < 0 {
			return 0, fmt.Errorf("renewBefore %s: must not be negative", spec.RenewBefore.Duration)
		}
		return spec.RenewBefore.Duration, nil
	default:
		return billingv1alpha1.DefaultRenewBefore, nil
	}
}

// warnLead is how long before expiry ExpiringSoon is raised: the policy's
// warnBefore, or DefaultWarnBefore without a policy or a usable value.
func warnLead(policy *billingv1alpha1.RenewalPolicy) time.Duration {
	if policy != nil && policy.Spec.WarnBefore != nil && policy.Spec.WarnBefore.Duration > 0 {
		return policy.Spec.WarnBefore.Duration
	}
	return billingv1alpha1.DefaultWarnBefore
}
