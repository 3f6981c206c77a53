package renewal

import (
	"fmt"
	"hash/fnv"
	"time"

	"k8s.io/apimachinery/pkg/types"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/budget"
)

// RenewalLead is how long before expiry a renewal is due: renewBefore, or
// renewBeforePercentage of the term one renewal buys, or
// DefaultRenewBefore when neither is set. The schema refuses both at once
// and out-of-range values; the checks here guard objects built in Go.
//
// The percentage is of the policy's period, the term being renewed, and
// not of expire_time - effective_time: BSS's effective_time is when the
// resource took effect and does not move on renewal (6.3.1 "Effective
// time of a resource"; docs/simulator.md), so that span is the resource's
// whole life and would renew an old monthly resource months early, again
// and again (issue 15).
func RenewalLead(spec *billingv1alpha1.RenewSpec, resourceID string, expire time.Time) (time.Duration, error) {
	switch {
	case spec.RenewBefore != nil && spec.RenewBeforePercentage != nil:
		return 0, fmt.Errorf("renewBefore and renewBeforePercentage are mutually exclusive")
	case spec.RenewBeforePercentage != nil:
		pct := *spec.RenewBeforePercentage
		if pct < 1 || pct > 99 {
			return 0, fmt.Errorf("renewBeforePercentage %d: must be 1 to 99", pct)
		}
		term := renewedTerm(spec.Period, expire)
		if expire.IsZero() || term <= 0 {
			return 0, fmt.Errorf("renewBeforePercentage %d is a percentage of the renewal period, but the period (%d %s) or the expiry of %s is missing",
				pct, spec.Period.Count, spec.Period.Unit, resourceID)
		}
		return time.Duration(float64(term) * float64(pct) / 100), nil
	case spec.RenewBefore != nil:
		if spec.RenewBefore.Duration < 0 {
			return 0, fmt.Errorf("renewBefore %s: must not be negative", spec.RenewBefore.Duration)
		}
		return spec.RenewBefore.Duration, nil
	default:
		return billingv1alpha1.DefaultRenewBefore, nil
	}
}

// renewedTerm is the term one renewal of period buys from expire: the
// calendar months (GMT+08:00, as BSS extends subscriptions) after it.
func renewedTerm(period billingv1alpha1.RenewalPeriod, expire time.Time) time.Duration {
	months := budget.PeriodMonths(period)
	if months < 1 {
		return 0
	}
	return budget.AddMonths(expire, months).Sub(expire)
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

// CheckLead refuses a lead time that would renew back to back or leave no
// room for a retry (issue 16, path 9): it must be at least MinRenewBefore
// and shorter than the renewal term, or each renewal would make the next
// one due at once. The CRD refuses a renewBefore outside these bounds;
// this catches what admission cannot see: a renewBeforePercentage, whose
// lead comes from the term BSS reports, and objects stored before the
// rule or built in Go. The Subscription stalls on an error.
func CheckLead(lead time.Duration, period billingv1alpha1.RenewalPeriod) error {
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

// WarnLead is how long before expiry ExpiringSoon is raised: the policy's
// warnBefore, or DefaultWarnBefore without a policy or a usable value.
func WarnLead(policy *billingv1alpha1.RenewalPolicy) time.Duration {
	if policy != nil && policy.Spec.WarnBefore != nil && policy.Spec.WarnBefore.Duration > 0 {
		return policy.Spec.WarnBefore.Duration
	}
	return billingv1alpha1.DefaultWarnBefore
}

// JitterFraction maps an object's UID to a stable number in [0, 1), so
// that objects due at the same moment are spread out, and the same object
// always gets the same offset across restarts.
func JitterFraction(uid types.UID, salt string) float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(uid))
	_, _ = h.Write([]byte(salt))
	return float64(h.Sum64()%1_000_000) / 1_000_000
}

// Backoff returns the wait after failures consecutive failures: 1m
// doubling up to 6h, and never more than a quarter of the time left before
// deadline, so that several attempts fit before expiry. It is at least 10s.
func Backoff(failures int32, now, deadline time.Time) time.Duration {
	d := time.Minute
	for i := int32(1); i < failures && d < 6*time.Hour; i++ {
		d *= 2
	}
	if d > 6*time.Hour {
		d = 6 * time.Hour
	}
	if left := deadline.Sub(now); left > 0 && d > left/4 {
		d = left / 4
	}
	if d < 10*time.Second {
		d = 10 * time.Second
	}
	return d
}
