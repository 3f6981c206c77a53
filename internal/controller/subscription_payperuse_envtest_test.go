package controller_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// TestPayPerUseShowsPriceAfterConversion: a Subscription whose policy
// converts it to pay-per-use shows what the resource and its attached disk
// will cost per hour and about per month after conversion (4.2.1), next to
// a one-month renewal quote (4.2.3); in Observe mode it makes no write.
func TestPayPerUseShowsPriceAfterConversion(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	// The simulator's hourly list price is monthly × 1.5 / 730: the VM's
	// 73.00 a month is 0.15 an hour, the disk's 4.00 is 0.008219.
	id := h.newResource(t, a, resourceOpts{expiresIn: 60 * day, attached: 1, monthly: "73.00"})
	mustCreate(t, modePolicy(ns, "payg", billingv1alpha1.RenewalModePayPerUse))
	ratings := func() int { return h.sim.AccountCounters(a.DomainID).Total(simulator.OpOnDemandRate) }
	mustCreate(t, subscription(ns, "vm", id, "payg", billingv1alpha1.ManagementObserve))

	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		q := s.Status.PayPerUseQuote
		if q == nil || q.Hourly == nil || q.MonthlyEstimate == nil || q.QuotedAt == nil {
			return fmt.Errorf("payPerUseQuote %+v", q)
		}
		if q.Hourly.Amount != "0.158219" || q.Hourly.Currency != "USD" || q.MonthlyEstimate.Amount != "115.50" ||
			amt(q.OfficialHourly) != "0.158219" || q.Error != "" {
			return fmt.Errorf("payPerUseQuote hourly %v monthly %v official %v error %q", q.Hourly, q.MonthlyEstimate, q.OfficialHourly, q.Error)
		}
		lq := s.Status.LastQuote
		if lq == nil || lq.Price.Amount != "77.00" || lq.Period == nil || lq.Period.Unit != billingv1alpha1.PeriodUnitMonth || lq.Period.Count != 1 {
			return fmt.Errorf("renewal quote %+v", lq)
		}
		if !strings.Contains(s.Status.PlannedAction, "about 115.50 USD a month (0.158219 USD an hour, 4.2.1) against 77.00 USD to renew 1 Month") {
			return fmt.Errorf("plannedAction %q does not compare the prices", s.Status.PlannedAction)
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, "")
	})
	passed(t, ns, "vm")
	consistently(t, 2*time.Second, func() error {
		for op, n := range h.sim.AccountCounters(a.DomainID).Writes {
			if n != 0 {
				return fmt.Errorf("%d %s writes in Observe mode", n, op)
			}
		}
		return nil
	})
	// A pass with the refresh annotation asks once; the passes its status
	// write causes find the price fresh and ask nothing.
	before := ratings()
	passed(t, ns, "vm") // the refresh annotation re-quotes once
	if n := ratings() - before; n != 1 {
		t.Fatalf("%d pay-per-use quotes for one refresh, want 1", n)
	}
	if p := simResource(t, id).ExpirePolicy; p == 1 {
		t.Fatalf("Observe mode changed the expiry policy to pay-per-use")
	}
}

// TestPayPerUsePriceFailureIsShownNotFatal: when BSS cannot price the
// resource on pay-per-use, the Subscription says so and stays Ready.
func TestPayPerUsePriceFailureIsShownNotFatal(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 60 * day})
	h.sim.SetFault(simulator.OpOnDemandRate, simulator.Fault{ErrorRate: 1, ErrorStatus: 400, ErrorCode: "CBC.99006006", ErrorMsg: "Product not found."})
	t.Cleanup(h.sim.ClearFaults)
	mustCreate(t, modePolicy(ns, "payg", billingv1alpha1.RenewalModePayPerUse))
	mustCreate(t, subscription(ns, "vm", id, "payg", billingv1alpha1.ManagementObserve))

	waitSub(t, ns, "vm", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		q := s.Status.PayPerUseQuote
		if q == nil || !strings.Contains(q.Error, "CBC.99006006") || q.FailedAt == nil || q.Hourly != nil {
			return fmt.Errorf("payPerUseQuote %+v", q)
		}
		if !strings.Contains(s.Status.PlannedAction, "pay-per-use price unavailable") || s.Status.LastQuote == nil {
			return fmt.Errorf("plannedAction %q, lastQuote %+v", s.Status.PlannedAction, s.Status.LastQuote)
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, "")
	})
}
