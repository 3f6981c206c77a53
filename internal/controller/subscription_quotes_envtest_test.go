package controller_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

var (
	oneMonth = billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}
	oneYear  = billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 1}
)

// wantSaving checks a one-year comparison against the monthly quote:
// savingPerYear = 12 x the month's price - the year's price.
func wantSaving(s *billingv1alpha1.Subscription) error {
	q, l := s.Status.LastQuote, s.Status.LongerTermQuote
	if q == nil || q.Period == nil || *q.Period != oneMonth {
		return fmt.Errorf("lastQuote %+v, want one for 1 Month", q)
	}
	if l == nil || l.Period != oneYear || l.Price == nil || l.SavingPerYear == nil || l.ComparedPrice == nil {
		return fmt.Errorf("longerTermQuote %+v, want a priced year with its saving", l)
	}
	if *l.ComparedPeriod != oneMonth || *l.ComparedPrice != q.Price {
		return fmt.Errorf("compared with %v at %v, want lastQuote's %v", l.ComparedPeriod, l.ComparedPrice, q.Price)
	}
	want := decimal.RequireFromString(q.Price.Amount).Mul(decimal.NewFromInt(12)).Sub(decimal.RequireFromString(l.Price.Amount))
	if got := decimal.RequireFromString(l.SavingPerYear.Amount); !got.Equal(want) || l.SavingPerYear.Currency != q.Price.Currency {
		return fmt.Errorf("saving %v, want %s %s", l.SavingPerYear, want.StringFixed(2), q.Price.Currency)
	}
	return nil
}

// TestManageKeepsQuotesWithinHorizon (issue 18): a Manage Subscription
// renewing by the month within the quote horizon keeps its monthly quote
// and a one-year quote with the saving; an Observe one keeps the monthly
// quote only (no extra BSS load).
func TestManageKeepsQuotesWithinHorizon(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	managed := h.newResource(t, a, resourceOpts{expiresIn: 30 * day})
	observed := h.newResource(t, a, resourceOpts{expiresIn: 30 * day})
	mustCreate(t, renewPolicy(ns, "monthly"))
	mustCreate(t, subscription(ns, "managed", managed, "monthly", billingv1alpha1.ManagementManage))
	mustCreate(t, subscription(ns, "observed", observed, "monthly", billingv1alpha1.ManagementObserve))

	waitSub(t, ns, "managed", 20*time.Second, wantSaving)
	waitSub(t, ns, "observed", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if q := s.Status.LastQuote; q == nil || q.Period == nil || *q.Period != oneMonth {
			return fmt.Errorf("lastQuote %+v", q)
		}
		return nil
	})
	consistently(t, 2*time.Second, func() error {
		var s billingv1alpha1.Subscription
		if err := getErr(ns, "observed", &s); err != nil {
			return err
		}
		if s.Status.LongerTermQuote != nil {
			return fmt.Errorf("Observe got a one-year quote: %+v", s.Status.LongerTermQuote)
		}
		return nil
	})
}

// TestAutoRenewQuotedForItsDeduction: a Manage AutoRenew Subscription whose
// policy renews month by month is quoted for one month (what the cloud
// deducts) and one year.
func TestAutoRenewQuotedForItsDeduction(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 20 * day})
	pol := modePolicy(ns, "auto", billingv1alpha1.RenewalModeAutoRenew)
	pol.Spec.AutoRenew = &billingv1alpha1.AutoRenewSpec{PeriodUnit: billingv1alpha1.PeriodUnitMonth}
	mustCreate(t, pol)
	mustCreate(t, subscription(ns, "auto", id, "auto", billingv1alpha1.ManagementManage))

	waitSub(t, ns, "auto", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if a := s.Status.AutoRenewSettings; a == nil || a.PeriodUnit != billingv1alpha1.PeriodUnitMonth {
			return fmt.Errorf("auto-renew settings %+v, want Month applied", a)
		}
		return wantSaving(s)
	})
}

// TestQuoteFailureIsRecordedNotStalled: a refused quote is recorded in the
// quote fields, the Subscription does not stall, and its renewal stays
// scheduled.
func TestQuoteFailureIsRecordedNotStalled(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 30 * day})
	h.sim.SetFault(simulator.OpRenewRate, simulator.Fault{ErrorRate: 1, ErrorStatus: 400, ErrorCode: "CBC.0100", ErrorMsg: "Invalid parameter.", Resource: id})
	t.Cleanup(func() { h.sim.SetFault(simulator.OpRenewRate, simulator.Fault{Resource: id}) })
	mustCreate(t, renewPolicy(ns, "monthly"))
	mustCreate(t, subscription(ns, "web", id, "monthly", billingv1alpha1.ManagementManage))

	waitSub(t, ns, "web", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		f, l := s.Status.LastQuoteFailure, s.Status.LongerTermQuote
		if f == nil || f.FailedAt == nil || f.Message == "" || f.Period == nil || *f.Period != oneMonth {
			return fmt.Errorf("lastQuoteFailure %+v", f)
		}
		if l == nil || l.Error == "" || l.FailedAt == nil || l.Price != nil {
			return fmt.Errorf("longerTermQuote %+v, want the failure without a price", l)
		}
		if c := condition(s.Status.Conditions, billingv1alpha1.ConditionStalled); c != nil {
			return errors.New("stalled by a failed quote: " + c.Message)
		}
		if s.Status.RenewalTime == nil {
			return errors.New("no renewal scheduled")
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, "True", billingv1alpha1.ReasonScheduled)
	})
}
