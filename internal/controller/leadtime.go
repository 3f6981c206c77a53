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

// renewalTerm is the shortest term one renewal of the period buys: 28 days
// a month, 365 days a year (MinMonthTerm, MinYearTerm).
func renewalTerm(period billingv1alpha1.RenewalPeriod) time.Duration {
	unit := billingv1alpha1.MinMonthTerm
	if period.Unit == billingv1alpha1.PeriodUnitYear {
		unit = billingv1alpha1.MinYearTerm
	}
	return time.Duration(period.Count) * unit
}

// checkLead refuses a lead time that would renew back to back or leave no
// room for a retry (issue 16, path 9): it must be at least MinRenewBefore
// and shorter than the renewal term, or each renewal would make the next
// one due at once. The CRD refuses a renewBefore outside these bounds;
// this catches what admission cannot see: a renewBeforePercentage, whose
// lead comes from the term BSS reports, and objects stored before the
// rule or built in Go. The Subscription stalls on an error.
func checkLead(lead time.Duration, period billingv1alpha1.RenewalPeriod) error {
	if lead < billingv1alpha1.MinRenewBefore {
		return fmt.Errorf("the renewal lead time %s is shorter than the floor of %s: a single failed attempt would let the subscription lapse",
			lead, billingv1alpha1.MinRenewBefore)
	}
	if term := renewalTerm(period); period.Count < 1 || lead >= term {
		return fmt.Errorf("the renewal lead time %s is not shorter than the %s term of a %d %s renewal: every renewal would make the next one due at once",
			lead.Round(time.Hour), term, period.Count, period.Unit)
	}
	return nil
}

// warnLead is how long before expiry ExpiringSoon is raised: the policy's
// warnBefore, or DefaultWarnBefore without a policy or a usable value.
func warnLead(policy *billingv1alpha1.RenewalPolicy) time.Duration {
	if policy != nil && policy.Spec.WarnBefore != nil && policy.Spec.WarnBefore.Duration > 0 {
		return policy.Spec.WarnBefore.Duration
	}
	return billingv1alpha1.DefaultWarnBefore
}
