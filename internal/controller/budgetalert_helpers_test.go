package controller_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/budget"
)

// budgetAlert returns a monthly BudgetAlert of the account "acct" with a
// one-minute refresh.
func budgetAlert(ns, name, limit string, thresholds ...billingv1alpha1.BudgetThreshold) *billingv1alpha1.BudgetAlert {
	return &billingv1alpha1.BudgetAlert{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: billingv1alpha1.BudgetAlertSpec{
			AccountRef:      billingv1alpha1.LocalObjectReference{Name: "acct"},
			Period:          billingv1alpha1.BudgetMonthly,
			TimeZone:        "Asia/Shanghai",
			Limit:           billingv1alpha1.Money{Amount: limit, Currency: "USD"},
			Thresholds:      thresholds,
			RefreshInterval: &metav1.Duration{Duration: time.Minute},
		},
	}
}

// threshold is a threshold with actions.
func threshold(percent int32, basis billingv1alpha1.ThresholdBasis, actions ...billingv1alpha1.BudgetAction) billingv1alpha1.BudgetThreshold {
	return billingv1alpha1.BudgetThreshold{Percent: percent, Basis: basis, Actions: actions}
}

// cost seeds one cost record, at the current business time, for an account.
type cost struct {
	amount, service, region string
	mode                    int
}

// seedCosts adds cost records at the current business time.
func seedCosts(t *testing.T, a account, costs ...cost) {
	t.Helper()
	now := h.clock.Now()
	inv := &simulator.Inventory{}
	for _, c := range costs {
		if c.service == "" {
			c.service = "hws.service.type.ec2"
		}
		if c.region == "" {
			c.region = "ap-southeast-1"
		}
		inv.CostRecords = append(inv.CostRecords, simulator.CostRecordSeed{
			Account: a.DomainID, Time: &now, ServiceTypeCode: c.service, RegionCode: c.region,
			ChargingMode: c.mode, Amount: decimal.RequireFromString(c.amount),
		})
	}
	if err := h.sim.LoadInventory(inv); err != nil {
		t.Fatalf("seed cost records: %v", err)
	}
}

// toNextMonth moves business time to 02:00 GMT+08:00 on the 1st of the
// next month plus extra, so that a test knows where in the period it is.
func toNextMonth(t *testing.T, extra time.Duration) {
	t.Helper()
	_, end, err := budget.Bounds(billingv1alpha1.BudgetMonthly, h.clock.Now(), budget.Zone())
	if err != nil {
		t.Fatal(err)
	}
	h.advance(end.Add(2*time.Hour + extra).Sub(h.clock.Now()))
}

// refreshedSince waits until the BudgetAlert has computed its figures at
// business time since or later (status.lastSyncTime): the sign that a pass
// ran, for tests that then assert that nothing more happened.
func refreshedSince(t *testing.T, ns, name string, since time.Time) {
	t.Helper()
	since = since.Truncate(time.Second)
	waitBudget(t, ns, name, 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if b.Status.LastSyncTime == nil || b.Status.LastSyncTime.Time.Before(since) {
			return fmt.Errorf("lastSyncTime %v, waiting for a refresh at %v or later", b.Status.LastSyncTime, since)
		}
		return nil
	})
}

// waitBudget waits until the BudgetAlert satisfies check.
func waitBudget(t *testing.T, ns, name string, timeout time.Duration, check func(*billingv1alpha1.BudgetAlert) error) *billingv1alpha1.BudgetAlert {
	t.Helper()
	var b billingv1alpha1.BudgetAlert
	eventually(t, timeout, func() error {
		if err := getErr(ns, name, &b); err != nil {
			return err
		}
		return check(&b)
	})
	return &b
}

// crossedSet renders status.crossed as "Basis/percent" strings.
func crossedSet(b *billingv1alpha1.BudgetAlert) []string {
	out := make([]string, 0, len(b.Status.Crossed))
	for _, c := range b.Status.Crossed {
		out = append(out, fmt.Sprintf("%s/%d", c.Basis, c.Percent))
	}
	return out
}

// budgetEvents counts the Events of a reason about a BudgetAlert, each
// repeat of a series included.
func budgetEvents(t *testing.T, ns, name, reason string) int {
	t.Helper()
	n := 0
	for _, e := range eventsAbout(t, ns, "BudgetAlert", name, reason) {
		n++
		if e.Series != nil {
			n += int(e.Series.Count) - 1
		}
	}
	return n
}

// budgetBounds is the monthly period (GMT+08:00) containing t.
func budgetBounds(t time.Time) (time.Time, time.Time, error) {
	return budget.Bounds(billingv1alpha1.BudgetMonthly, t, budget.Zone())
}

// amt is a status amount, or "" when it is unset.
func amt(m *billingv1alpha1.Money) string {
	if m == nil {
		return ""
	}
	return m.Amount
}
